"""The administrators' home panels (三权分立): accounts to look after, security events to read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AuditEvent, User

SECURITY_OUTCOMES = ("denied", "alert", "locked", "failed")


def accounts_panel(request: Any) -> dict[str, Any] | None:
    now = timezone.now()
    n = User.objects.aggregate(
        locked=Count("id", filter=Q(locked_until__gt=now)),
        no_role=Count("id", filter=Q(role="", is_active=True)),
        inactive=Count("id", filter=Q(is_active=False)),
    )
    url = reverse("user_list")
    items = [{"label": _("Accounts locked after failed logins"), "count": n["locked"], "url": url, "alert": True}]
    if request.user.has_capability("manage_roles"):
        items.append({"label": _("Active accounts without a role"), "count": n["no_role"], "url": url, "alert": True})
    items.append({"label": _("Disabled accounts"), "count": n["inactive"], "url": url})
    return {"title": _("Accounts"), "items": items}


def audit_panel(request: Any) -> dict[str, Any] | None:
    since = timezone.now() - dt.timedelta(days=7)
    n = AuditEvent.objects.filter(at__gte=since, outcome__in=SECURITY_OUTCOMES).count()
    return {"title": _("Audit log"), "items": [
        {"label": _("Security events in the last 7 days"), "count": n,
         "url": reverse("audit_log") + "?kind=security", "alert": True},
    ]}
