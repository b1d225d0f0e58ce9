"""Durations as a caseworker reads them: "3 分 15 秒", "约 2 小时 5 分"."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.translation import gettext as _

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
