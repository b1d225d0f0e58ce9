"""Durations as a caseworker reads them: "3 分 15 秒", "约 2 小时 5 分"."""

from __future__ import annotations

import datetime as dt

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from jiuzhu.apps.jobs import selectors

register = template.Library()


@register.filter
def duration(value: dt.timedelta | None) -> str:
    if value is None:
        return "—"
    seconds = max(int(value.total_seconds()), 0)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    if h:
        return _("%(h)d h %(m)d min") % {"h": h, "m": m}
    if m:
        return _("%(m)d min %(s)d s") % {"m": m, "s": s}
    return _("%(s)d s") % {"s": s}


@register.simple_tag(takes_context=True)
def job_ref(context: template.Context, job_id: int | None, label: str = "") -> str:
    """A link to a job's page when this user may open it; otherwise its number as plain text.

    A run page lists runs of the whole province; a county caseworker may not open the province's
    job (its page answers 404), so no link is offered to one. With *label* (a link text), nothing is
    shown when the page cannot be opened.
    """
    if not job_id:
        return ""
    request = context.get("request")
    user = getattr(request, "user", None)
    visible: dict[int, bool] = getattr(request, "_job_ref_visible", {})  # one query per job per request
    if request is not None:
        request._job_ref_visible = visible
    if job_id not in visible:
        visible[job_id] = bool(
            user is not None and user.is_authenticated and user.has_capability(selectors.VIEW)
            and selectors.jobs_for(user).filter(pk=job_id).exists())
    if visible[job_id]:
        return format_html('<a href="{}">{}</a>', reverse("job_detail", args=[job_id]), label or f"#{job_id}")
    return "" if label else f"#{job_id}"
