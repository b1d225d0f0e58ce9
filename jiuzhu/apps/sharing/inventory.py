"""Field inventory of this app (merged into core.inventory.INVENTORY)."""

from __future__ import annotations

_QUERY_LOG = "部门查询登记、频率限制、审计 / register of department queries, rate limit, audit"

INVENTORY: dict[str, dict[str, tuple[str, str]]] = {
    "sharing.ShareQuery": {
        "id": ("operational", "key"),
        "at": ("audit", _QUERY_LOG),
        "user": ("audit", _QUERY_LOG),
        "department": ("audit", _QUERY_LOG),
        "id_number_masked": ("masked", _QUERY_LOG),
        "outcome": ("audit", _QUERY_LOG),
        "category": ("audit", _QUERY_LOG),
        "purpose": ("audit", _QUERY_LOG),
    },
}
