"""The home page's early-warning panel (core.hooks.register_home_panel): what is due, what is late."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from . import selectors


def panel(request: Any) -> dict[str, Any] | None:
    user = request.user
    n = selectors.home_counts(user)
    bench = reverse("monitoring_workbench")
    items = [
        {"label": _("Past their deadline"), "count": n["overdue"], "url": bench + "?overdue=1", "alert": True},
        {"label": _("Due within 7 days"), "count": n["due"], "url": bench + "?due=week"},
        {"label": _("To verify (check or home visit)"), "count": n["verify"], "url": bench + "?stage=verify"},
        {"label": _("Red warnings open"), "count": n["red"], "url": bench + "?severity=red"},
        {"label": _("All open warnings"), "count": n["open"], "url": bench},
    ]
    if user.role != "township":  # county and above supervise their townships' late warnings (督办)
        items.insert(1, {"label": _("Escalated for supervision"), "count": n["escalated"],
                         "url": reverse("monitoring_overdue"), "alert": True})
    return {"title": _("Early warnings"), "items": items}
