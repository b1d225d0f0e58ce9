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
from jiuzhu.rules.params.display import legal_reference, show_value

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


@register.filter
def param_shown(p: Any) -> str:
    """A parameter as cited in an explanation (``Resolved.as_dict``): its value in words, with its unit."""
    if not isinstance(p, dict):
        return "" if p is None else str(p)
    unit = str(p.get("unit") or "")
    kind = "money" if unit.startswith("元") else ""
    shown = show_value(p.get("value"), kind, unit, vocabulary.all_labels())
    return shown if unit in ("", "比例") else f"{shown} {unit}"


@register.filter
def legal_ref(ref: Any, empty: str = "") -> str:
    """The legal reference without developers' notes (``rules.params.display.legal_reference``);
    ``|legal_ref:"blank"`` leaves a reference that was only a developers' note empty (a clause)."""
    if empty == "blank":
        return legal_reference(str(ref or ""), default="")
    return legal_reference(str(ref or ""))
