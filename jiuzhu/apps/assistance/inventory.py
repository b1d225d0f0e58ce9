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

_PURPOSE_MATCH = "分层分类救助比对：应享未享、重复救助 / matching people to the programmes they are owed"
_PURPOSE_AUTO = "免申即享：主动纳入、告知、放弃 / assistance without application, its notice and declines"

INVENTORY.update({
    "assistance.MatchRun": {f: (_OPS, _PURPOSE_MATCH) for f in (
        "id", "job", "as_of", "determination_run", "county", "households", "rows", "missing", "parameter_version")},
    "assistance.Match": {
        **{f: (_OPS, _PURPOSE_MATCH) for f in ("id", "run", "household", "member", "department")},
        **{f: ("sensitive", _PURPOSE_MATCH) for f in ("programme", "status", "reason")},
    },
    "assistance.Enrolment": {
        **{f: (_OPS, _PURPOSE_AUTO) for f in (
            "id", "uid", "household", "member", "department", "state", "enrolled_on", "notice_no", "declined_on",
            "created_by", "created_at", "updated_at")},
        **{f: ("sensitive", _PURPOSE_AUTO) for f in ("programme", "reason", "notice_text", "decline_reason")},
    },
    "assistance.Payroll": {f: (_OPS, _PURPOSE_PAY) for f in (
        "id", "uid", "county", "month", "state", "digest", "parameter_version", "lines_count", "total_amount",
        "held_count", "ended", "unexplained", "previous", "generated_by", "generated_at", "approved_by",
        "approved_at", "exported_at", "reconciled_at", "return_hash")},
    "assistance.PayrollLine": {
        **{f: (_OPS, _PURPOSE_PAY) for f in (
            "id", "payroll", "line_ref", "kind", "entitlement", "household", "member", "status", "change",
            "carried_from")},
        **{f: ("sensitive", _PURPOSE_PAY) for f in (
            "programme", "amount", "members_covered", "hold_reason", "failure_reason", "previous_amount", "note")},
    },
})
