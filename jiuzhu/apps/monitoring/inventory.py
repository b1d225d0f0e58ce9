"""Field inventory of this app (merged into core.inventory.INVENTORY)."""

from __future__ import annotations

OPS = "operational"
_RUN = "大数据比对留痕 / comparison-run record"
_WARN = "动态监测预警与核查处置 / early warnings, verification and handling (实施意见 §7, §10–§14)"
_ID = "核对身份、关联部门数据 / identify the person and match departments' data"
_HISTORY = "留痕可追溯 / record who did what, when"

INVENTORY: dict[str, dict[str, tuple[str, str]]] = {
    "monitoring.ComparisonRun": {f: (OPS, _RUN) for f in (
        "id", "job", "mode", "as_of", "since", "records_until", "findings", "raised", "already_open", "already_seen",
        "escalated", "counts", "parameter_version")},
    "monitoring.Warning": {
        **{f: (OPS, _WARN) for f in (
            "id", "uid", "indicator", "severity", "kind", "state", "subject", "fingerprint", "household", "member",
            "run", "raised_at", "verify_due", "handle_due", "pushed_at", "verified_at", "handled_at", "closed_at",
            "department", "supervision_level", "version")},
        "county": ("location", _WARN), "unit_region": ("location", _WARN), "supervisor": ("location", _WARN),
        "person_index": ("blind_index", _ID), "person_masked": ("masked", _ID),
        # What the departments' data say about the person (health, income, property): PIPL Art. 28.
        **{f: ("sensitive", _WARN) for f in (
            "facts", "detail", "event_date", "outcome", "outcome_reason", "outcome_ref", "stays_monitored")},
    },
    "monitoring.WarningEvent": {f: ("audit", _HISTORY) for f in (
        "id", "warning", "at", "actor", "actor_username", "action", "from_state", "to_state", "reason", "detail")},
    "monitoring.Visit": {
        **{f: (OPS, _WARN) for f in ("id", "warning", "submitted", "created_by", "updated_at", "submitted_at",
                                     "submitted_by")},
        "staff_1": ("personal", "入户核查人员（两人） / the two visiting staff"),
        "staff_2": ("personal", "入户核查人员（两人） / the two visiting staff"),
        "staff_2_user": (OPS, "第二名核查人员账号（两人核查） / the second visitor's account (two-person rule)"),
        **{f: ("sensitive", _WARN) for f in ("visited_on", "checklist", "findings", "member_updates")},
    },
    "monitoring.Attachment": {
        **{f: (OPS, _WARN) for f in ("id", "uid", "visit", "content_type", "size", "sha256", "uploaded_by",
                                     "uploaded_at")},
        "original_name": ("sensitive", "入户核查照片、证明材料 / photos and documents of the visit"),
    },
    "monitoring.CountyDecision": {
        **{f: (OPS, _WARN) for f in ("id", "warning", "recorded_by", "recorded_at")},
        "members": ("personal", "一事一议参会人员 / members of the collective decision"),
        **{f: ("sensitive", "一事一议集体决策 / case-by-case collective decision (实施意见 §14)") for f in (
            "meeting_date", "approved", "decision")},
    },
}
