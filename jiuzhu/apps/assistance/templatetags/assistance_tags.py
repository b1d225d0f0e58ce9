"""Amounts on the assistance pages: one format (thousands separators, two decimals)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()


@register.filter
def yuan(value: Any) -> str:
    """1234.5 → "1,234.50"; a signed difference keeps its sign ("+120.00", "-35.00") with ``yuan_diff``."""
    if value in (None, ""):
        return ""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


@register.filter
def yuan_diff(value: Any) -> str:
    if value in (None, ""):
        return ""
    d = Decimal(str(value))
    return f"{d:+,.2f}"
