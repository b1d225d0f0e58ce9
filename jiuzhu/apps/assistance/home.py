"""The home page's assistance panels: payrolls to approve (county), people to serve (departments)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from jiuzhu.apps.core.choices import Role

from . import selectors
from .models import MatchStatus, PayrollState

MANAGE = "manage_payroll"


def payroll_panel(request: Any) -> dict[str, Any] | None:
    if not request.user.has_capability(MANAGE):
        return None
    n = selectors.payrolls_for(request.user).aggregate(
        generated=Count("id", filter=Q(state=PayrollState.GENERATED)),
        approved=Count("id", filter=Q(state=PayrollState.APPROVED)),
        exported=Count("id", filter=Q(state=PayrollState.EXPORTED)),
    )
    url = reverse("assistance_payrolls")
    return {"title": _("Payrolls"), "items": [
        {"label": _("Generated, waiting for approval"), "count": n["generated"], "url": url, "alert": True},
        {"label": _("Approved, bank file to export"), "count": n["approved"], "url": url},
        {"label": _("Sent to the bank, to reconcile"), "count": n["exported"], "url": url},
    ]}


def people_panel(request: Any) -> dict[str, Any] | None:
    """Programmes owed (omissions) and people enrolled without applying; a department sees its own."""
    n = selectors.matches_for(request.user).aggregate(
        missing=Count("id", filter=Q(status=MatchStatus.MISSING)),
        enrolled=Count("id", filter=Q(status=MatchStatus.ENROLLED)),
    )
    url = reverse("assistance_department_list")
    title = _("People to serve") if request.user.role == Role.DEPARTMENT else _("Programmes owed")
    return {"title": title, "items": [
        {"label": _("Entitled but not yet served"), "count": n["missing"], "url": url + "?status=missing",
         "alert": True},
        {"label": _("Enrolled without applying"), "count": n["enrolled"], "url": url + "?status=enrolled"},
    ]}
