"""Field inventory of this app (merged into core.inventory.INVENTORY)."""

from __future__ import annotations

_OPS = "operational"
_PURPOSE = "双随机一公开：抽查、检查发现与整改 / double-random inspections, findings and corrections"

INVENTORY: dict[str, dict[str, tuple[str, str]]] = {
    "supervision.InspectionDraw": {f: (_OPS, _PURPOSE) for f in (
        "id", "uid", "name", "county", "period_from", "period_to", "category", "count", "public_input", "moment",
        "seed", "cases_hash", "inspectors_hash", "case_ids", "inspector_ids", "conflicts", "published_until",
        "created_by", "created_at")},
    "supervision.InspectionCase": {
        **{f: (_OPS, _PURPOSE) for f in ("id", "draw", "application", "household", "township", "village", "inspector",
                                          "state", "version", "updated_at")},
        **{f: ("sensitive", _PURPOSE) for f in ("finding", "correction")},
    },
    "supervision.InspectionEvent": {
        **{f: (_OPS, _PURPOSE) for f in ("id", "case", "at", "actor", "actor_username", "action", "from_state",
                                          "to_state")},
        **{f: ("sensitive", _PURPOSE) for f in ("reason", "detail")},
    },
}
