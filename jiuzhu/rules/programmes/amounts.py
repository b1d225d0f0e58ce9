"""Amounts the determination does not compute: the price-linked subsidy, temporary assistance
routing, gradual exit.  Money is Decimal with two places; every threshold is a parameter.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

CENT = Decimal("0.01")


def month_start(day: dt.date) -> dt.date:
    return dt.date(day.year, day.month, 1)


def add_months(month: dt.date, n: int) -> dt.date:
    """The first day of the month ``n`` months after ``month``'s (n may be negative)."""
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def price_subsidy(*, standard: Decimal, cpi_yoy: Decimal, food_yoy: Decimal, cpi_trigger: Decimal,
                  food_trigger: Decimal, floor: Decimal = Decimal("0")) -> tuple[Decimal, str]:
    """Per-person subsidy for one month and what triggered it ("cpi", "food" or "").

    Triggered when the CPI increase reaches ``cpi_trigger`` or the food CPI increase reaches
    ``food_trigger`` (percent, inclusive).  Amount = monthly dibao standard × the increase
    (the larger of the triggered indices), rounded to the fen, at least ``floor``.
    """
    for value in (standard, cpi_yoy, food_yoy, cpi_trigger, food_trigger, floor):
        if not isinstance(value, Decimal):
            raise TypeError("price subsidy figures must be Decimal")
    triggered = [(v, name) for v, t, name in ((cpi_yoy, cpi_trigger, "cpi"), (food_yoy, food_trigger, "food"))
                 if v >= t]
    if not triggered:
        return Decimal("0.00"), ""
    increase, basis = max(triggered)
    amount = (standard * increase / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)
    return max(amount, floor.quantize(CENT)), basis


def temporary_route(amount: Decimal, small_cap: Decimal) -> Literal["township", "county"]:
    """小金额先行救助: up to ``small_cap`` the township approves and pays first; above, the county."""
    if not isinstance(amount, Decimal) or amount <= 0:
        raise ValueError("the amount must be a positive Decimal")
    return "township" if amount <= small_cap else "county"


def temporary_cap(standard: Decimal, multiplier: Decimal) -> Decimal:
    """The ordinary ceiling of one temporary-assistance grant (above it: case by case, 一事一议)."""
    return (standard * multiplier).quantize(CENT, rounding=ROUND_HALF_UP)


def gradual_exit_last_month(income_rose_on: dt.date, months: int) -> dt.date:
    """渐退: payment continues for ``months`` months after the month income rose, then ends.

    Income rose (a member found work) in March, 6 months → the last month paid is September.
    """
    if months < 0:
        raise ValueError("months must not be negative")
    return add_months(month_start(income_rose_on), months)
