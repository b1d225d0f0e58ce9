"""The home page's applications panel (core.hooks.register_home_panel): the cases at the user's step."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from . import selectors
from .models import State
from .workflow import DECIDE, PROCESS


def panel(request: Any) -> dict[str, Any] | None:
    user = request.user
    n = selectors.home_counts(user)
    url = reverse("applications_list")

    def at(state: str, label: str) -> dict[str, Any]:
        return {"label": label, "count": n[state], "url": f"{url}?state={state}"}

    items: list[dict[str, Any]] = [{"label": _("Past a deadline"), "count": n["overdue"], "url": url + "?overdue=1",
                                    "alert": True}]
    if user.has_capability(DECIDE):  # the county: decisions waiting
        items += [at(State.APPRAISED, _("Ready for the county's decision")),
                  at(State.NOTICE, _("In public notice")),
                  at(State.OBJECTION, _("Objections being handled"))]
    if user.has_capability(PROCESS) and not user.has_capability(DECIDE):  # the township: its steps
        items += [{"label": _("Online applications to take in"), "count": n["intakes"],
                   "url": reverse("applications_intakes")},
                  at(State.SUBMITTED, _("To accept")),
                  at(State.ACCEPTED, _("Economic check to request")),
                  at(State.CHECKED, _("Home visit to make")),
                  at(State.VISITED, _("Township opinion to give")),
                  at(State.OPINION, _("Public notice to start")),
                  at(State.OBJECTION, _("Objections being handled"))]
    if user.has_capability(PROCESS):
        items.append({"label": _("Written notices to send"), "count": n["letters"], "url": url + "?letter=pending"})
    return {"title": _("Applications"), "items": items}
