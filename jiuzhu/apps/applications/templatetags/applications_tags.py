"""Template helpers of the applications screens: amounts and department names as on the letters."""

from __future__ import annotations

from typing import Any

from django import template

from jiuzhu.rules.exchange.sources import DEPARTMENTS, SOURCES
from jiuzhu.rules.formats import yuan as format_amount

register = template.Library()


@register.filter
def yuan(value: Any) -> str:
    """1234.5 → 1,234.50元 (empty stays empty)."""
    return "" if value in (None, "") else format_amount(value)


@register.filter
def source_departments(keys: Any) -> str:
    """"hrss_pensions, hrss_unemployment" (a report of the first version) → the departments' names."""
    names = []
    for key in str(keys or "").replace(" ", "").split(","):
        source = SOURCES.get(key)
        if source is not None:
            names.append(DEPARTMENTS.get(source.department, source.department))
    return "、".join(dict.fromkeys(names))
