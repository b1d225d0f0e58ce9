"""Field inventory of this app (merged into core.inventory.INVENTORY)."""

from __future__ import annotations

OPS = "operational"
_CASE = "审核确认程序留痕 / the application procedure, step by step"
_ASSESS = "家庭经济状况认定 / assess the household's eligibility"
_ID = "核对身份、近亲属比对 / identify the person, match staff relatives"
_CONTACT = "联系申请人 / contact the applicant"
_ABUSE = "公众申请防滥用（地址散列） / public form anti-abuse (hashed address)"

INVENTORY: dict[str, dict[str, tuple[str, str]]] = {
    "applications.Application": {
        **{f: (OPS, _CASE) for f in (
            "id", "uid", "number", "household", "channel", "state", "hotline_ref", "consent_next_tier", "documents",
            "missing_notice_on", "missing_notice_items", "authorisation_on", "authorisation_ref", "submitted_on",
            "accepted_on", "due_on", "extended", "visit_on", "opinion_due_on", "opinion", "opinion_by",
            "notice_start", "notice_end", "objection_due_on", "decision_due_on", "decided_on", "decided_by",
            "letter_due_on", "letter_sent_on", "version", "created_by", "created_at", "updated_at")},
        **{f: ("location", _CASE) for f in ("county", "township", "village", "residence_village")},
        **{f: ("personal", _CONTACT) for f in ("applicant_name", "agent_name", "agent_relation")},
        **{f: ("sensitive", _ASSESS) for f in (
            "reason", "related_to_staff", "related_detail", "extension_reason", "opinion_text", "proposed_categories",
            "proposed_amount", "decision_categories", "decision_amount", "decision_reasons", "decision_basis")},
    },
    "applications.Transition": {
        **{f: ("audit", "谁依据什么作出了什么决定 / who decided what, on what (seed (12))") for f in (
            "id", "application", "at", "on", "action", "from_state", "to_state", "actor", "actor_username", "reason",
            "household_version", "parameter_version", "detail")},
    },
    "applications.EconomicCheck": {
        **{f: (OPS, _CASE) for f in ("id", "application", "created_at", "created_by", "household_version",
                                     "differences")},
        "report": ("sensitive", "核对报告（申报与部门数据比对，不含标识） / check report, no identifiers"),
    },
    "applications.HomeVisit": {
        **{f: (OPS, _CASE) for f in ("id", "application", "visited_on", "staff_1", "staff_1_signed_at", "staff_2",
                                     "staff_2_signed_at", "applicant_signed", "county_level", "household_version",
                                     "created_at")},
        **{f: ("sensitive", _ASSESS) for f in ("living_conditions", "findings")},
    },
    "applications.Objection": {
        **{f: (OPS, _CASE) for f in ("id", "application", "received_on", "resolved_on", "recorded_by",
                                     "substantiated", "recorded_at", "channel", "received_in")},
        **{f: ("sensitive", _ASSESS) for f in ("summary", "resolution")},
    },
    "applications.Appeal": {
        **{f: (OPS, _CASE) for f in ("id", "application", "kind", "received_on", "outcome", "concluded_on",
                                     "recorded_by", "concluded_by")},
        **{f: ("sensitive", "复核与救济 / review and redress") for f in ("grounds", "decision_snapshot",
                                                                          "outcome_text")},
    },
    "applications.ReviewTask": {
        **{f: (OPS, "动态管理定期核查 / periodic reviews") for f in (
            "id", "household", "application", "kind", "due_on", "done_on", "done_by")},
        "note": ("sensitive", _ASSESS),
    },
    "applications.StaffRelative": {
        **{f: (OPS, "近亲属备案 / register of staff relatives") for f in (
            "id", "uid", "staff_kind", "staff_user", "created_by", "created_at")},
        "region": ("location", "近亲属备案 / register of staff relatives"),
        **{f: ("personal", "近亲属备案 / register of staff relatives") for f in (
            "staff_name", "relative_name", "relation")},
        "relative_id_enc": ("identifier_enc", _ID), "relative_id_index": ("blind_index", _ID),
        "relative_id_masked": ("masked", _ID),
    },
    "applications.PublicIntake": {
        **{f: (OPS, _CASE) for f in ("id", "uid", "received_at", "state", "application", "handled_by",
                                     "handled_note", "household_size", "reject_reason")},
        **{f: (OPS, "受理回执号（申请人查询进度） / receipt number for the status check") for f in (
            "receipt", "receipt_year", "receipt_seq")},
        "village": ("location", _CASE), "address": ("location", _CONTACT),
        "applicant_name": ("personal", _CONTACT),
        "id_number_enc": ("identifier_enc", _ID), "id_number_index": ("blind_index", _ID),
        "id_number_masked": ("masked", _ID),
        "phone_enc": ("identifier_enc", _CONTACT), "phone_masked": ("masked", _CONTACT),
        **{f: ("sensitive", _ASSESS) for f in ("reason", "declared_relation")},
    },
    "applications.PublicAttempt": {
        "id": (OPS, _ABUSE), "ip_hash": ("blind_index", _ABUSE), "key_hash": ("blind_index", _ABUSE),
        "at": (OPS, _ABUSE), "outcome": (OPS, _ABUSE),
    },
    "applications.PublicFormToken": {
        "id": (OPS, _ABUSE), "nonce_hash": (OPS, _ABUSE), "used_at": (OPS, _ABUSE),
    },
}
