"""The format filters every template uses (built in, no ``{% load %}``): see ``jiuzhu.rules.formats``.

``|yuan`` "1,234.50元" (text) · ``|amount`` "1,234.50" (table cells) · ``|cn_date`` "2026年12月7日"
(text) · ``|cn_month`` "2026年12月" · ``|iso_date`` "2026-12-07" (tables) · ``|iso_datetime``
"2026-12-07 09:05" (tables; local time) · ``|count`` "12,345".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone

from jiuzhu.apps.core import vocabulary
from jiuzhu.rules import formats

register = template.Library()


@register.filter
def yuan(value: Any) -> str:
    return formats.yuan(value)


@register.filter
def amount(value: Any) -> str:
    return formats.amount(value)


@register.filter
def cn_date(value: Any) -> str:
    return formats.cn_date(_local(value))


@register.filter
def cn_month(value: Any) -> str:
    return formats.cn_month(_local(value))


@register.filter
def iso_date(value: Any) -> str:
    return formats.iso_date(_local(value))


@register.filter
def iso_datetime(value: Any) -> str:
    return formats.iso_datetime(_local(value))


@register.filter
def count(value: Any) -> str:
    """12345 → "12,345"."""
    if isinstance(value, bool) or not isinstance(value, int):
        return "" if value in (None, "") else str(value)
    return f"{value:,}"


def _local(value: Any) -> Any:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@register.filter
def vocab(value: Any, kind: str) -> str:
    """A coded value's label: ``{{ r.status|vocab:"run_status" }}`` (jiuzhu.apps.core.vocabulary)."""
    return vocabulary.label(value, kind)
