"""Chinese (and English) labels for the audit log page: events, outcomes, detail keys.

Codes stay in the database (stable, searchable); the page shows words.  An event not
listed here is shown by its code.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

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
    "exchange.signature_rejected": _("Signed request refused"),
    "exchange.upload_denied": _("Upload refused"),
    "exchange.region_out_of_scope": _("Upload outside one's region"),
    "sharing.query": _("Low-income status query"),
    "parameter.decide": _("Parameter revision decided"),
    "applications.transition": _("Application step"),
    "determination.run": _("Determination run"),
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
    "determination.fact": _("Determination fact recorded"),
    "exchange.batch_committed": _("Department file loaded"),
    "exchange.batch_duplicate": _("Department file already loaded"),
    "exchange.batch_failed": _("Department file refused"),
    "exchange.batch_received": _("Department file received"),
    "exchange.batch_resumed": _("Department file load resumed"),
    "exchange.chain_export": _("Assistance chain exported"),
    "exchange.conflict_decide": _("Registry conflict decided"),
    "exchange.idempotency_conflict": _("Repeated request with other content"),
    "exchange.outbox_ack": _("Delivery acknowledged"),
    "exchange.outbox_retry": _("Delivery retried"),
    "exchange.report_downloaded": _("Error report downloaded"),
    "monitoring.attachment": _("Visit attachment added"),
    "monitoring.attachment_view": _("Visit attachment viewed"),
    "monitoring.overdue": _("Overdue warnings escalated"),
    "monitoring.view": _("Warning viewed"),
    "parameter.approve": _("Parameter revision approved"),
    "parameter.draft": _("Parameter revision drafted"),
    "parameter.effect": _("Effect of a parameter revision worked out"),
}

OBJECTS: dict[str, Any] = {
    "application": _("Application"),
    "comparison_run": _("Comparison run"),
    "department": _("Department"),
    "determination_run": _("Determination run"),
    "household": _("Household"),
    "idempotency_key": _("Request key"),
    "import_batch": _("Import batch"),
    "key_id": _("Key"),
    "match_list": _("List"),
    "match_run": _("Matching run"),
    "member": _("Member"),
    "outbox_message": _("Delivery"),
    "parameter_revision": _("Parameter revision"),
    "payroll": _("Payroll"),
    "programme": _("Programme"),
    "public_intake": _("Online application"),
    "source": _("Data source"),
    "staff_relative": _("Staff relative"),
    "user": _("Account"),
    "warning": _("Early warning"),
}

OUTCOMES: dict[str, Any] = {
    "ok": _("Done"), "denied": _("Refused"), "refused": _("Refused"), "failed": _("Failed"),
    "locked": _("Locked"), "alert": _("Alert"),
}

DETAIL_KEYS: dict[str, Any] = {
    "status": _("HTTP status"), "method": _("Method"), "path": _("Address"), "reason": _("Reason"),
    "view": _("Page"), "member": _("Member"), "refused": _("Refused requests"),
    "window_seconds": _("Window (seconds)"), "role_requested": _("Role requested"),
    "new_role": _("New role"), "old_role": _("Old role"), "step": _("Step"), "method_used": _("Method"),
    "event_filter": _("Event filter"), "kind": _("Category"), "role_assigned": _("Role assigned"),
    "rows": _("Rows"), "format": _("Format"), "total": _("Total"), "columns": _("Columns"),
    "department": _("Department"), "programme": _("Programme"), "query": _("Query"), "source": _("Data source"),
    "count": _("Count"), "note": _("Note"), "decision": _("Decision"), "action": _("Action"),
}
VALUES: dict[str, Any] = {"totp": _("Authenticator app"), "recovery_code": _("Recovery code"),
                          "security": _("Security events"), "reads": _("Record reads"), "all": _("Everything")}


ROLE_KEYS = frozenset({"role_assigned", "role_requested", "new_role", "old_role"})


def _value(key: str, value: Any, roles: dict[str, Any]) -> str:
    if isinstance(value, list | tuple):
        return "、".join(_value(key, v, roles) for v in value)
    if isinstance(value, dict):  # never a Python repr on the page
        return "，".join(f"{DETAIL_KEYS.get(k, k)} {_value(k, v, roles)}" for k, v in value.items())
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if key in ROLE_KEYS and isinstance(value, str):
        return str(roles.get(value, value))
    return str(VALUES.get(value, value)) if isinstance(value, str) else str(value)


def detail_text(detail: dict[str, Any], roles: dict[str, Any] | None = None) -> str:
    roles = roles or {}
    return "；".join(f"{DETAIL_KEYS.get(k, k)}：{_value(k, v, roles)}"
                    for k, v in detail.items() if v not in ("", None))
