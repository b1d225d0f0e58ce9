"""Field inventory of this app (merged into core.inventory.INVENTORY)."""

from __future__ import annotations

_OPS = "operational"
_PURPOSE_PAY = "救助金发放 / paying assistance"

INVENTORY: dict[str, dict[str, tuple[str, str]]] = {
    "assistance.Entitlement": {
        **{f: (_OPS, _PURPOSE_PAY) for f in (
            "id", "uid", "household", "member", "decision_ref", "parameter_version", "created_by", "created_at",
            "updated_at", "state", "start_month", "end_month", "approved_on")},
        **{f: ("sensitive", _PURPOSE_PAY) for f in (
            "programme", "category", "monthly_amount", "members_covered", "end_reason")},
    },
}
