"""The one way amounts and dates are shown (issue 13 item 11): screens, letters and exports.

Pure Python, no Django.  Amounts: thousands separators, two decimals, 元 in running text
("1,234.50元") and without the unit in table cells whose header carries it ("1,234.50").
Dates: "2026年12月7日" in running text and letters, ISO "2026-12-07" in tables and exports;
times "2026-12-07 09:05".  Anything that is not an amount or a date is shown unchanged, so a
template never breaks on an odd value; ``None`` and "" become "" (the template decides on "—").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any, Final

__all__ = ["EXCEL_DATE", "EXCEL_DATETIME", "EXCEL_MONEY", "amount", "cn_date", "cn_month",
           "iso_date", "iso_datetime", "yuan"]

# Excel number formats for exports (openpyxl ``cell.number_format``).
EXCEL_MONEY: Final = "#,##0.00"
EXCEL_DATE: Final = "yyyy-mm-dd"
EXCEL_DATETIME: Final = "yyyy-mm-dd hh:mm"


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    if isinstance(value, float):  # a float never becomes money; its shortest repr is shown as is
        value = repr(value)
    try:
        return Decimal(str(value).replace(",", "").strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


def amount(value: Any) -> str:
    """1234.5 → "1,234.50" (a table cell under a header in 元)."""
    d = _decimal(value)
    if d is None:
        return "" if value in (None, "") else str(value)
    return f"{d:,.2f}"


def yuan(value: Any) -> str:
    """1234.5 → "1,234.50元" (running text, letters)."""
    shown = amount(value)
    return shown + "元" if _decimal(value) is not None else shown


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def cn_date(value: Any) -> str:
    """2026-12-07 → "2026年12月7日" (running text, letters; no leading zeros)."""
    day = _day(value)
    if day is None:
        return "" if value in (None, "") else str(value)
    return f"{day.year}年{day.month}月{day.day}日"


def cn_month(value: Any) -> str:
    """2026-12-01 → "2026年12月"."""
    day = _day(value)
    if day is None:
        return "" if value in (None, "") else str(value)
    return f"{day.year}年{day.month}月"


def iso_date(value: Any) -> str:
    """A date (or the date of a datetime) as "2026-12-07" (tables, exports)."""
    day = _day(value)
    if day is None:
        return "" if value in (None, "") else str(value)
    return day.isoformat()


def iso_datetime(value: Any) -> str:
    """A moment as "2026-12-07 09:05" in the caller's time zone (the template passes local time)."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return iso_date(value)
