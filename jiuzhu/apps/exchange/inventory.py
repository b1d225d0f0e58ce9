"""Field inventory of the exchange app's own models added with issue 14 (merged into core.inventory).

The older exchange models are listed in ``core/inventory.py``.
"""

from __future__ import annotations

OPS = "operational"

INVENTORY: dict[str, dict[str, tuple[str, str]]] = {
    "exchange.ColumnMapping": {f: (OPS, "部门自己的列名与字段的对应 / a department's own column names") for f in (
        "id", "source", "department", "header", "header_key", "field", "updated_by", "updated_at")},
    "exchange.PendingUpload": {
        **{f: (OPS, "上传预览待确认（文件按 UUID 保存，定时清理） / an upload awaiting confirmation") for f in (
            "id", "uid", "source", "department", "filename", "size", "content_hash", "period_end", "uploaded_by",
            "created_at", "mapping_digest")},
        # Typed first rows with identifiers and names masked, column assignments, errors.
        "preview": ("sensitive", "上传预览（已脱敏） / the masked preview shown before confirming"),
    },
}
