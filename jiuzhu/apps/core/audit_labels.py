"""The audit log as a reader sees it: events, objects, outcomes and details in words (issue 13 item 8).

Codes stay in the database (stable, searchable); the page shows labels.  A detail is shown as
"label：value": its key labelled (``DETAIL_KEYS``), its value formatted by what the key holds
(``SHOWN``, refined per event in ``SHOWN_IN``): a vocabulary of ``core.vocabulary`` (a department, a
programme, a model field's choices …), an amount, a date, a region by name, a step or state of the
record's workflow by the labels its state machine declares (``core.statemachine.MACHINES``), or a
reference to copy (a hash, a receipt number, a masked ID number: set in ``mono``).  Lists are joined
with 、 and nested details are labelled the same way — never a Python repr.

tests/web/test_audit_labels.py reads every ``audit(...)`` call of the code and fails on an event or a
detail key without a label here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiuzhu.rules import formats

from .statemachine import machine_for_event
from .vocabulary import all_labels
from .vocabulary import label as vocab_label

EVENTS: dict[str, Any] = {
    "access.refused": _("Request refused"),
    "security.refusal_burst": _("Burst of refused requests"),
    "record.read": _("Record viewed"),
    "audit.read": _("Audit log read"),
    "auth.login": _("Login"),
    "auth.lockout": _("Account locked"),
    "auth.otp": _("Two-factor code"),
    "auth.otp_enrol": _("Two-factor enrolment"),
    "auth.session_expired": _("Session expired"),
    "user.create": _("Account created"),
    "user.list": _("Account list"),
    "user.set_role": _("Role assigned"),
    "user.set_active": _("Account enabled or disabled"),
    "user.reset_password": _("Password reset by the administrator"),
    "user.password_change": _("Password changed"),
    "user.otp_reset": _("Two-factor login reset"),
    "pii.unmask": _("Full ID number revealed"),
    "registry.search": _("Household search"),
    "registry.export": _("Household list exported"),
    "registry.loaded": _("Registry loaded"),
    "exchange.signature_rejected": _("Signed request refused"),
    "exchange.upload_denied": _("Upload refused"),
    "exchange.region_out_of_scope": _("Upload outside one's region"),
    "exchange.person_out_of_scope": _("Upload about people outside one's region"),
    "sharing.query": _("Low-income status query"),
    "sharing.people": _("Shared list viewed"),
    "sharing.person": _("Shared record viewed"),
    "sharing.api_people": _("Shared list read through the API"),
    "sharing.api_person": _("Shared record read through the API"),
    "parameter.decide": _("Parameter revision decided"),
    "parameter.approve": _("Parameter revision approved"),
    "parameter.reject": _("Parameter revision rejected"),
    "parameter.draft": _("Parameter revision drafted"),
    "applications.transition": _("Application step"),
    "determination.run": _("Determination run"),
    "determination.fact": _("Determination fact recorded"),
    "monitoring.run": _("Comparison run"),
    "applications.appeal": _("Appeal recorded"),
    "applications.appeal_concluded": _("Appeal concluded"),
    "applications.create": _("Application created"),
    "applications.letter": _("Written notice made"),
    "applications.objection": _("Objection recorded"),
    "applications.public_accept": _("Online application taken in"),
    "applications.public_reject": _("Online application turned down"),
    "applications.public_status": _("Online status check"),
    "applications.public_submit": _("Online application submitted"),
    "applications.related_to_staff": _("Application related to staff"),
    "applications.review_done": _("Periodic review done"),
    "applications.reviews_scheduled": _("Periodic reviews scheduled"),
    "applications.staff_relative_add": _("Staff relative recorded"),
    "assistance.adjustment_run": _("Standard adjustment computed"),
    "assistance.adjustment_approved": _("Standard adjustment approved"),
    "assistance.adjustment_rejected": _("Standard adjustment rejected"),
    "assistance.auto_enrol": _("Enrolled without application"),
    "assistance.bank_file_exported": _("Bank file exported"),
    "assistance.enrolment_declined": _("Enrolment declined"),
    "assistance.entitlement_end": _("Entitlement ended"),
    "assistance.entitlement_start": _("Entitlement started"),
    "assistance.list_exported": _("List exported"),
    "assistance.match_run": _("Programme matching run"),
    "assistance.notice_viewed": _("Enrolment notice viewed"),
    "assistance.payroll_approved": _("Payroll approved"),
    "assistance.payroll_discarded": _("Payroll discarded"),
    "assistance.payroll_generated": _("Payroll generated"),
    "assistance.payroll_reconciled": _("Payroll reconciled"),
    "assistance.temporary_granted": _("Temporary assistance granted"),
    "exchange.batch_received": _("Department file received"),
    "exchange.batch_validated": _("Department file checked"),
    "exchange.batch_committed": _("Department file loaded"),
    "exchange.batch_rejected": _("Department file rejected"),
    "exchange.batch_failed": _("Department file refused"),
    "exchange.batch_duplicate": _("Department file already loaded"),
    "exchange.batch_resumed": _("Department file load resumed"),
    "exchange.upload_previewed": _("Department file previewed"),
    "exchange.upload_confirmed": _("Department file confirmed"),
    "exchange.upload_cancelled": _("Department file preview cancelled"),
    "exchange.mapping_set": _("Column names saved"),
    "exchange.mapping_cleared": _("Column names removed"),
    "exchange.mapping_denied": _("Column names refused"),
    "exchange.chain_export": _("Assistance chain exported"),
    "exchange.conflict_decide": _("Registry conflict decided"),
    "exchange.idempotency_conflict": _("Repeated request with other content"),
    "exchange.outbox_ack": _("Delivery acknowledged"),
    "exchange.outbox_retry": _("Delivery retried"),
    "exchange.outbox_pending": _("Delivery to be retried"),
    "exchange.outbox_delivered": _("Delivered to the department"),
    "exchange.outbox_acked": _("Delivery acknowledged"),
    "exchange.outbox_dead": _("Delivery given up"),
    "exchange.report_downloaded": _("Error report downloaded"),
    "jobs.started": _("Job started"),
    "jobs.start_refused": _("Job not started (one already running)"),
    "jobs.cancelled": _("Job cancelled"),
    "jobs.retried": _("Job retried"),
    "jobs.abandoned": _("Job abandoned by its worker"),
    "jobs.file_downloaded": _("Job file downloaded"),
    "monitoring.attachment": _("Visit attachment added"),
    "monitoring.attachment_view": _("Visit attachment viewed"),
    "monitoring.overdue": _("Overdue warnings escalated"),
    "monitoring.view": _("Warning viewed"),
    "privacy.api_listing": _("Personal data listed through the API"),
    "privacy.export_requested": _("Export requested"),
    "privacy.export_decided": _("Export request decided"),
    "privacy.export_started": _("Export started"),
    "privacy.export_produced": _("Export file produced"),
    "statistics.compute": _("Statistics computed"),
    "statistics.coverage": _("Coverage statistics computed"),
    "statistics.export": _("Statistics exported"),
    "scenario.create": _("Scenario saved"),
    "scenario.run": _("Scenario run"),
    "scenario.export": _("Scenario exported"),
    "supervision.draw": _("Random inspection drawn"),
    "parameter.effect": _("Effect of a parameter revision worked out"),
}

OBJECTS: dict[str, Any] = {
    "adjustment": _("Standard adjustment"),
    "application": _("Application"),
    "comparison_run": _("Comparison run"),
    "department": _("Department"),
    "determination_run": _("Determination run"),
    "export_request": _("Export request"),
    "household": _("Household"),
    "idempotency_key": _("Request key"),
    "import_batch": _("Import batch"),
    "inspection_case": _("Inspection case"),
    "inspection_draw": _("Random inspection"),
    "job": _("Job"),
    "key_id": _("Key"),
    "match_list": _("List"),
    "match_run": _("Matching run"),
    "member": _("Member"),
    "outbox_message": _("Delivery"),
    "parameter_revision": _("Parameter revision"),
    "payroll": _("Payroll"),
    "pending_upload": _("Previewed upload"),
    "programme": _("Programme"),
    "public_intake": _("Online application"),
    "scenario": _("Scenario"),
    "source": _("Data source"),
    "staff_relative": _("Staff relative"),
    "statistics_run": _("Statistics"),
    "coverage_run": _("Coverage statistics"),
    "user": _("Account"),
    "warning": _("Early warning"),
}

OUTCOMES: dict[str, Any] = {
    "ok": _("Done"), "denied": _("Refused"), "refused": _("Refused"), "failed": _("Failed"),
    "locked": _("Locked"), "alert": _("Alert"), "error": _("Error"), "interrupted": _("Interrupted"),
}

DETAIL_KEYS: dict[str, Any] = {
    "acked": _("Acknowledged"), "action": _("Action"), "active": _("Enabled"), "admin_role": _("Administrator role"),
    "already_open": _("Already open"), "already_seen": _("Seen before"), "amount": _("Amount"),
    "application": _("Application"), "as_of": _("As of"), "assistance": _("Assistance records"),
    "attachment": _("Attachment"), "attempt": _("Attempt"), "attempts": _("Attempts"), "backend": _("Engine"),
    "batch": _("Import batch"), "cap": _("Cap"), "case_by_case": _("Case by case"), "cases_hash": _("Cases hash"),
    "category": _("Category"), "chain_removed": _("Assistance records removed"),
    "chain_removed_amount": _("Amount of the records removed"), "changed": _("Changed"), "changes": _("Changes"),
    "channel": _("Channel"), "code": _("Why"), "columns": _("Columns"), "conflicts": _("Conflicts"),
    "content_hash": _("File hash"), "content_type": _("File type"), "count": _("Count"), "county": _("County"),
    "decision": _("Decision"), "department": _("Department"), "determination_run": _("Determination run"),
    "devices": _("Devices removed"), "difference": _("Difference"), "drawn": _("Drawn"), "endpoint": _("Page"),
    "enrolled": _("Enrolled"), "entitlements": _("Entitlements"), "entries": _("Column names"), "error": _("Error"),
    "errors": _("Errors"), "event_filter": _("Event filter"), "fact": _("Fact"), "failed": _("Failed"),
    "feeds": _("Feeds"), "field": _("Field"), "fields": _("Fields to complete"), "file": _("File"),
    "filename": _("File name"), "findings": _("Findings"), "format": _("Format"), "headers": _("Column names"),
    "heartbeat_at": _("Last sign of life"), "held": _("Held"), "household_version": _("Household version"),
    "households": _("Households"), "id_number": _("ID number"), "id_numbers": _("ID numbers"),
    "indicator": _("Indicator"), "inspectors": _("Inspectors"), "inspectors_hash": _("Inspectors hash"),
    "job": _("Job"), "kind": _("Kind"), "last_error": _("Last error"), "last_month": _("Last month"),
    "last_path": _("Last address"), "level": _("Deadlines missed"), "limit": _("Daily limit"), "lines": _("Lines"),
    "masked": _("Masked"), "matches": _("Matches"), "member": _("Member"), "members": _("Members"),
    "method": _("Method"), "method_used": _("Method"), "mismatched": _("Mismatched"), "missing": _("Missing"),
    "mode": _("Mode"), "month": _("Month"), "monthly_cost_change": _("Monthly cost change"), "name": _("Name given"),
    "new": _("New"), "new_role": _("New role"), "next_due": _("Next review due"), "note": _("Note"),
    "notice": _("Notice number"), "objection": _("Objection"), "old_role": _("Old role"), "on": _("On"),
    "page": _("Page number"), "paid": _("Paid"), "parameter_version": _("Parameter version"), "params": _("Particulars"),
    "path": _("Web address"), "period_end": _("Data up to"), "person": _("Person"), "pool": _("Pool"),
    "previous_state": _("Previous state"), "programme": _("Programme"), "purpose": _("Purpose"),
    "query": _("Query"), "raised": _("Raised"), "reason": _("Reason"), "receipt": _("Receipt number"),
    "received_in": _("Received in"), "ref": _("Reference"), "refused": _("Refused requests"), "region": _("Region"),
    "region_codes": _("Regions"), "regions": _("Regions"), "rejected": _("Rejected"), "relative": _("Relative"),
    "removed": _("Removed"), "replace": _("Replace all"), "result": _("Result"), "retry_after": _("Retry after"),
    "role_assigned": _("Role assigned"), "role_requested": _("Role requested"), "route": _("Route"),
    "rows": _("Rows"), "run": _("Determination run"), "scenario": _("Scenario"), "scope": _("Scope"),
    "seed": _("Seed"), "size": _("Size"), "sm3": _("SM3 hash"), "source": _("Data source"),
    "spooled": _("Stored file"), "staff_kind": _("Staff"), "stage": _("Stage"), "start": _("From"),
    "state": _("State"), "status": _("HTTP status"), "step": _("Step"), "substantiated": _("Substantiated"),
    "superseded": _("Superseded"), "supervisor": _("Supervised by"), "supporter": _("Supporters"),
    "supporter_links": _("Supporter links"), "to_state": _("To"), "from_state": _("From"), "topic": _("Topic"),
    "total": _("Total"), "trigger": _("Trigger"), "unchanged": _("Unchanged"), "unexplained": _("Unexplained"),
    "unknown": _("Unknown"), "updated": _("Updated"), "used_today": _("Used today"), "username": _("User name"),
    "username_tried": _("User name tried"), "valid": _("Valid rows"), "value": _("Value"), "view": _("Page"),
    "village": _("Village"), "window_seconds": _("Window (seconds)"), "window_start": _("Window from"),
    "worker": _("Worker"), "idempotency_record": _("Request record"), "requested_by": _("Requested by (account)"),
    "conditional": _("Conditional"), "directory": _("Directory"), "figures": _("Figures"),
    "match_run": _("Matching run"), "income": _("Income items"), "property": _("Property items"),
    "expense": _("Expense items"), "conflicts_open": _("Conflicts open"),
}

# The pages a read or a listing is recorded for (record.read's view, privacy's endpoint): URL names.
PAGES: dict[str, Any] = {
    "household_detail": _("Household"), "household_history": _("Household history"),
    "household_determination": _("Determination sheet"), "member_edit": _("Member"),
    "member_chain": _("Member's assistance chain"), "api-household-detail": _("Household (API)"),
    "api-household-chain": _("Assistance chain (API)"), "api-household-determination": _("Determination (API)"),
    "api-member-detail": _("Member (API)"), "api-household-list": _("Household list (API)"),
    "sharing_people": _("Shared list"), "api-sharing-people": _("Shared list (API)"),
}

# Why a step or a request was refused: the codes the services and workflows record.
REFUSALS: dict[str, Any] = {
    "action": _("unknown step"), "illegal": _("not allowed in this state"), "invalid": _("incomplete or invalid"),
    "reason": _("reason missing"), "same_user": _("the same person may not take both steps"),
    "scope": _("outside the user's region"), "permission": _("not allowed for the role"),
    "capability": _("not allowed for the role"), "stale": _("changed by someone else meanwhile"),
    "token": _("form not accepted"), "expired": _("form expired"), "honeypot": _("form not accepted"),
    "too_fast": _("form sent too quickly"), "replayed": _("form already sent"), "busy": _("service busy"),
    "throttled": _("too many requests"), "locked": _("too many wrong attempts"), "not_found": _("not found"),
    "open": _("an application is already in progress"), "channel": _("channel missing"),
    "agent": _("agent missing"), "hotline_ref": _("hotline ticket missing"), "documents": _("documents missing"),
    "authorisation": _("authorisation missing"), "grounds": _("grounds missing"), "kind": _("kind missing"),
    "received_on": _("date received missing"), "substance": _("content missing"), "residence": _("residence"),
    "notice_running": _("the notice period is running"), "notice_over": _("the notice period is over"),
    "not_published": _("not published"), "not_eligible": _("not eligible"), "no_decision": _("no decision yet"),
    "letter_sent": _("letter already sent"), "concluded": _("already concluded"), "done": _("already done"),
    "complete": _("already complete"), "extended": _("already extended"), "handled": _("already handled"),
    "opinion_approve": _("the opinion is not to approve"), "proposal": _("proposal missing"),
    "determination": _("determination missing"), "county_visit": _("county visit missing"),
    "two_staff": _("two staff required"), "visited_on": _("visit date missing"), "finding": _("findings missing"),
    "outcome": _("outcome missing"), "state": _("not allowed in this state"), "month": _("month"),
    "missing": _("data missing"), "phase": _("phase"), "load": _("registry not loaded"), "import": _("import"),
    "feeds": _("feeds"), "file_gone": _("file removed"), "signature": _("signature invalid"),
    "source": _("data source"), "unknown_key": _("unknown key"),
}

# Reasons recorded as codes (free-text reasons are shown as written).
REASONS: dict[str, Any] = {
    "not_system_admin": _("only the system administrator may do this"),
    "not_security_admin": _("only the security administrator may do this"),
    "self": _("not for one's own account"), "self_or_admin": _("not for one's own or an administrator's account"),
    "admin_role_to_own_creator": _("administrator role for the account's creator"),
    "first_login_pending": _("the holder has not logged in yet"),
    "role_by_system_admin": _("roles are assigned by the security administrator"),
    "absolute_limit": _("the session's time limit was reached"), "purpose_required": _("no purpose given"),
    "daily_volume": _("daily volume reached"), "not_in_catalogue": _("not in the department's catalogue"),
    "rate_limited": _("too many queries"), "unknown_key": _("unknown key"),
    "determination": _("after a determination run"), "import": _("after a department file was loaded"),
    "demo": _("demonstration data"),
}

VALUES: dict[str, Any] = {"totp": _("Authenticator app"), "recovery_code": _("Recovery code"),
                          "security": _("Security events"), "reads": _("Record reads"), "all": _("Everything"),
                          "otp": _("Two-factor code")}

# Steps recorded beside a workflow's own (an application's first step is written at its creation).
ACTIONS: dict[str, Any] = {"submit": _("Submitted")}

HTTP_METHODS: dict[str, Any] = {"GET": _("view"), "HEAD": _("view"), "POST": _("send"), "PUT": _("change"),
                                "PATCH": _("change"), "DELETE": _("delete")}
FIELDS: dict[str, Any] = {
    "visited_on": _("visit date"), "staff_2": _("second visitor"), "findings": _("findings"),
    "id_number": _("ID number"), "phone": _("phone"), "bank_account": _("bank account"), "name": _("name"),
    "reason": _("reason"), "outcome": _("outcome"), "documents": _("documents"),
}
_CHECK = re.compile(r"^check_(\d+)$")

ROLE_KEYS = frozenset({"role_assigned", "role_requested", "new_role", "old_role"})

# How each key's value is shown (a vocabulary of core.vocabulary, or one of the formats below);
# keys not listed are shown as they are (numbers, free text).
SHOWN: dict[str, str] = {
    **dict.fromkeys(ROLE_KEYS, "role"),
    "department": "department", "source": "source", "programme": "programme", "category": "category",
    "indicator": "indicator", "amount": "yuan", "difference": "yuan", "monthly_cost_change": "yuan",
    "chain_removed_amount": "yuan",
    **dict.fromkeys(("as_of", "start", "on", "next_due", "period_end", "last_month"), "date"),
    **dict.fromkeys(("window_start", "heartbeat_at"), "datetime"), "month": "month",
    **dict.fromkeys(("sm3", "content_hash", "cases_hash", "inspectors_hash", "seed", "file", "receipt", "masked",
                     "relative", "id_number", "id_numbers", "notice", "path", "last_path", "parameter_version",
                     "attachment", "person", "ref", "username", "username_tried", "query", "worker", "scope", "idempotency_record",
                     "error", "last_error", "spooled", "filename", "headers", "feeds", "directory"), "ref"),
    **dict.fromkeys(("region", "county", "village", "supervisor", "region_codes"), "region"),
    **dict.fromkeys(("state", "from_state", "to_state", "previous_state"), "state"),
    "action": "action", "reason": "reason", "code": "refusal", "view": "page", "endpoint": "page",
    "event_filter": "event", "fields": "fields", "field": "field", "params": "details", "entries": "mapping",
    "columns": "bank_file_columns", "topic": "outbox_topic", "purpose": "purpose", "changes": "scenario_change",
    "mode": "monitoring.ComparisonRun.mode", "fact": "determination.CaseFact.fact", "method": "method",
    "backend": "backend", "format": "file_format", "content_type": "content_type", "level": "level", "step": "value",
    "size": "bytes", "kind": "value", "result": "sharing_result", "route": "temporary_route",
    "staff_kind": "applications.StaffRelative.staff_kind", "received_in": "applications.Objection.received_in",
    "channel": "exchange.ImportBatch.channel", "decision": "ref", "value": "parameter_value",
    "path_parameter": "parameter",
}
# Per event (a prefix of the event name): what a key holds there when it differs.
SHOWN_IN: dict[tuple[str, str], str] = {
    ("applications.objection", "channel"): "applications.Objection.channel",
    ("applications.appeal", "kind"): "applications.Appeal.kind",
    ("applications.review_done", "kind"): "applications.ReviewTask.kind",
    ("applications.public_reject", "reason"): "applications.PublicIntake.reject_reason",
    ("assistance.temporary_granted", "kind"): "temporary_kind",
    ("assistance.", "total"): "yuan",
    ("jobs.", "kind"): "job_kind",
    ("jobs.", "state"): "jobs.Job.state",
    ("jobs.started", "channel"): "job_channel",
    ("privacy.", "kind"): "export_kind",
    ("privacy.", "state"): "export_state",
    ("privacy.", "status"): "assistance.Match.status",
    ("privacy.export_decided", "action"): "export_action",
    ("registry.search", "kind"): "search_kind",
    ("exchange.conflict_decide", "decision"): "conflict_decision",
    ("exchange.conflict_decide", "field"): "field",
    ("exchange.batch_duplicate", "state"): "exchange.ImportBatch.state",
    ("exchange.batch_resumed", "previous_state"): "exchange.ImportBatch.state",
    ("exchange.", "stage"): "exchange_stage",
    ("parameter.", "path"): "parameter",
    ("audit.read", "kind"): "value",
    ("access.refused", "method"): "http_method",
    ("exchange.signature_rejected", "method"): "http_method",
    ("sharing.query", "id_number"): "ref",
}
# State fields of the records whose steps are audited outside a state machine.
STATES: dict[str, str] = {"import_batch": "exchange.ImportBatch.state", "job": "jobs.Job.state",
                          "export_request": "privacy.ExportRequest.state",
                          "public_intake": "applications.PublicIntake.state"}

_SMALL: dict[str, dict[str, Any]] = {
    "value": VALUES,
    "backend": {"duckdb": _("single machine"), "spark": _("cluster")},
    "content_type": {"image/jpeg": "JPEG", "image/png": "PNG", "application/pdf": "PDF"},
    "http_method": HTTP_METHODS,
    "method": {**VALUES, **HTTP_METHODS},
    "temporary_kind": {"urgent": _("urgent hardship"), "expenditure": _("expenditure hardship")},
    "temporary_route": {"township": _("township pays first"), "county": _("county approves")},
    "sharing_result": {"in": _("in the low-income population"), "out": _("not in the low-income population"),
                       "invalid": _("invalid ID number")},
    "job_channel": {"ui": _("Web page"), "cli": _("Command line"), "api": _("API"), "system": _("System")},
    "export_action": {"approve": _("approve"), "refuse": _("refuse"), "withdraw": _("withdraw")},
    "search_kind": {"id_number": _("ID number"), "text": _("name, village or household number")},
    "conflict_decision": {"accept": _("accepted"), "reject": _("not accepted")},
    "exchange_stage": {"preview": _("preview"), "import": _("import")},
    "level": {"1": _("one deadline missed"), "2": _("both deadlines missed")},
}


@dataclass(frozen=True)
class Item:
    """One detail as shown: its label, its value in words, and whether it is a reference to copy."""

    label: str
    text: str
    ref: bool = False


def event_label(event: str, object_type: str = "") -> str:
    """The event in words; a workflow step (``monitoring.verify``) by its record and its step's label."""
    if event in EVENTS:
        return str(EVENTS[event])
    machine = machine_for_event(event)
    if machine is not None:
        action = event.rsplit(".", 1)[-1]
        step = machine.transitions.get(action)
        what = str(OBJECTS.get(object_type, _("Record")))
        return f"{what}：{step.label}" if step is not None else f"{what}：{_('step')}"
    return event


def _number(value: Any) -> str:
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _day(value: Any) -> dt.date | dt.datetime | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.datetime.fromisoformat(str(value)) if "T" in str(value) else dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _field(name: str) -> str:
    found = _CHECK.match(name)
    if found:
        return str(_("checklist item %(n)s") % {"n": int(found.group(1)) + 1})
    return str(FIELDS.get(name) or DETAIL_KEYS.get(name) or name)


class _Shown:
    """Formats the values of one event's details (region names are looked up once per page)."""

    def __init__(self, event: str, object_type: str, regions: Mapping[str, str]) -> None:
        self.event, self.object_type, self.regions = event, object_type, regions
        self.machine = machine_for_event(event)
        self.labels: dict[str, str] | None = None

    def how(self, key: str) -> str:
        for (prefix, k), how in SHOWN_IN.items():
            if k == key and self.event.startswith(prefix):
                return how
        return SHOWN.get(key, "")

    def value(self, key: str, value: Any) -> tuple[str, bool]:
        how = self.how(key)
        if isinstance(value, dict):  # a file's column name → the platform's field (others are flattened)
            return "、".join(f"{k} → {vocab_label(v, 'source_field') if v else _('not used')}"
                            for k, v in value.items()), False
        if how == "bank_file_columns" and isinstance(value, str) and "," in value:  # the columns, as one text
            value = [v for v in value.split(",") if v]
        if isinstance(value, list | tuple) and how != "fields":
            shown = [self.value(key, v) for v in value]
            return "、".join(text for text, _ref in shown), any(ref for _text, ref in shown)
        return self.one(how, value)

    def one(self, how: str, value: Any) -> tuple[str, bool]:
        if isinstance(value, bool):
            return _number(value), False
        text = str(value)
        if how == "ref":
            return text, True
        if how == "yuan":
            return formats.yuan(value), False
        if how in ("date", "datetime"):
            day = _day(value)
            if day is None:
                return text, False
            if isinstance(day, dt.datetime):
                return formats.iso_datetime(timezone.localtime(day) if timezone.is_aware(day) else day), False
            return formats.cn_date(day), False
        if how == "month":
            day = _day(f"{text}-01") if len(text) == 7 else _day(text)
            return (formats.cn_month(day) if day is not None else text), False
        if how == "region":
            return self.regions.get(text, text), False
        if how == "state":
            return self.state(text), False
        if how == "action":
            step = self.machine.transitions.get(text) if self.machine is not None else None
            return (str(step.label) if step is not None else str(ACTIONS.get(text, text))), False
        if how == "reason":
            return str(REASONS.get(text, text)), False
        if how == "refusal":
            return str(REFUSALS.get(text, text)), False
        if how == "page":
            return str(PAGES.get(text, text)), False
        if how == "event":
            return event_label(text), False
        if how in ("fields", "field"):
            return "、".join(_field(v) for v in (value if isinstance(value, list | tuple) else [text])), False
        if how == "bytes":
            return _bytes(value), False
        if how == "parameter_value":  # a parameter's value: its codes by label (a list of income subtypes …)
            if self.labels is None:
                self.labels = all_labels()
            return self.labels.get(text, text), False
        if how in _SMALL:
            return str(_SMALL[how].get(text, text)), False
        if how:
            try:
                return vocab_label(text, how), False
            except KeyError:  # a vocabulary its app registers (not loaded: shown as it is)
                return text, False
        return _number(value), False

    def state(self, code: str) -> str:
        if self.machine is not None:
            return str(self.machine.state_label(code))
        field = STATES.get(self.object_type)
        return vocab_label(code, field) if field else code


def _bytes(value: Any) -> str:
    try:
        n = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return str(value)


def detail_items(event: str, object_type: str, detail: Mapping[str, Any],
                 regions: Mapping[str, str] | None = None) -> list[Item]:
    """The details of one audit row as (label, value in words, reference?) — never a dict or a list."""
    shown = _Shown(event, object_type, regions or {})
    out = []
    for key, value in detail.items():
        if value in ("", None, [], {}):
            continue
        if isinstance(value, dict) and shown.how(key) != "mapping":  # a job's parameters …: one item each
            out += detail_items(event, object_type, value, regions)
            continue
        text, ref = shown.value(key, value)
        out.append(Item(str(DETAIL_KEYS.get(key, key)), text, ref))
    return out


def region_codes(details: Iterable[Mapping[str, Any]]) -> set[str]:
    """The region codes the details name, nested ones included (looked up once for a page of the log)."""
    out: set[str] = set()
    for detail in details:
        for key, value in detail.items():
            if isinstance(value, dict):
                out |= region_codes([value])
            elif SHOWN.get(key) == "region":
                out.update(str(v) for v in (value if isinstance(value, list | tuple) else [value]) if v)
    return out


def detail_text(event: str, object_type: str, detail: Mapping[str, Any],
                regions: Mapping[str, str] | None = None) -> str:
    """The details as one line of text."""
    return "；".join(f"{i.label}：{i.text}" for i in detail_items(event, object_type, detail, regions))


__all__ = ["DETAIL_KEYS", "EVENTS", "OBJECTS", "OUTCOMES", "PAGES", "REASONS", "REFUSALS", "SHOWN", "SHOWN_IN",
           "Item", "detail_items", "detail_text", "event_label", "region_codes"]
