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
    "event_filter": _("Event filter"), "kind": _("Category"),
}
VALUES: dict[str, Any] = {"totp": _("Authenticator app"), "recovery_code": _("Recovery code"),
                          "security": _("Security events"), "reads": _("Record reads"), "all": _("Everything")}


def detail_text(detail: dict[str, Any]) -> str:
    return "；".join(f"{DETAIL_KEYS.get(k, k)}：{VALUES.get(v, v) if isinstance(v, str) else v}"
                    for k, v in detail.items() if v not in ("", None))
