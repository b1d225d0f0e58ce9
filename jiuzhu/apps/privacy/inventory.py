"""Field inventory of this app (merged into core.inventory.INVENTORY)."""

from __future__ import annotations

_EXPORT = "个人信息批量导出：目的、上限、双人审批、文件摘要 / bulk exports: purpose, cap, approval, file hash"
_API = "接口批量读取个人信息：目的与每日上限 / bulk API listings: purpose and daily cap"

INVENTORY: dict[str, dict[str, tuple[str, str]]] = {
    "privacy.ExportRequest": {
        **{f: ("audit", _EXPORT) for f in (
            "id", "uid", "kind", "params", "purpose", "note", "rows", "cap", "state", "requested_by",
            "requested_at", "department", "decided_by", "decided_at", "decision_note", "produced_at",
            "produced_rows", "sm3")},
        "region": ("location", _EXPORT),
    },
    "privacy.ApiListing": {f: ("audit", _API) for f in ("id", "user", "at", "endpoint", "rows", "purpose")},
}
