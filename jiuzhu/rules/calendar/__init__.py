"""Working days: China's official holidays and make-up working days (调休上班), as data.

Pure module (no Django).  Each year is one YAML file in ``data/`` (``cn-<year>.yaml``):
``holidays`` (date ranges off work) and ``workdays`` (weekend days worked).  A day is a
working day when it is a make-up working day, or a Monday–Friday that is not a holiday.
A year without a file is computed on weekdays alone and reported by :meth:`Calendar.unknown_years`
(so an operator sees that the calendar must be extended), never silently.

Statutory deadlines (审核确认时限) count *working days*: "within N working days of D" is the
N-th working day after D (D itself not counted).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Calendar", "CalendarYear", "default_calendar", "load_calendar"]

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class CalendarYear:
    year: int
    status: str  # "official" | "provisional"
    ref: str
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    names: Mapping[dt.date, str] = field(default_factory=dict)


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def parse_year(data: Mapping[str, Any]) -> CalendarYear:
    """One year's mapping → CalendarYear (validates dates lie in the year and do not clash)."""
    year = int(data["year"])
    holidays: set[dt.date] = set()
    names: dict[dt.date, str] = {}
    for item in data.get("holidays") or []:
        start, end = _as_date(item["from"]), _as_date(item["to"])
        if end < start:
            raise ValueError(f"{year}: holiday {item.get('name')} ends before it starts")
        day = start
        while day <= end:
            holidays.add(day)
            names[day] = str(item.get("name", ""))
            day += dt.timedelta(days=1)
    workdays: set[dt.date] = set()
    for item in data.get("workdays") or []:
        day = _as_date(item["date"])
        workdays.add(day)
        names[day] = str(item.get("name", ""))
    for day in holidays | workdays:
        if day.year != year:
            raise ValueError(f"{year}: date {day} belongs to another year")
    clash = holidays & workdays
    if clash:
        raise ValueError(f"{year}: dates both holiday and working day: {sorted(clash)}")
    status = str(data.get("status", "official"))
    if status not in ("official", "provisional"):
        raise ValueError(f"{year}: status must be official or provisional")
    return CalendarYear(year, status, str(data.get("ref", "")), frozenset(holidays), frozenset(workdays), names)


class Calendar:
    """A working-day calendar over some years of official arrangements."""

    def __init__(self, years: Iterable[CalendarYear]) -> None:
        self.years = {y.year: y for y in years}
        self._holidays = frozenset().union(*(y.holidays for y in self.years.values())) if self.years else frozenset()
        self._workdays = frozenset().union(*(y.workdays for y in self.years.values())) if self.years else frozenset()

    def is_working_day(self, day: dt.date) -> bool:
        if day in self._workdays:
            return True
        if day in self._holidays:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after ``start`` (``start`` itself not counted); n = 0 → start."""
        if n < 0:
            raise ValueError("n must not be negative")
        day = start
        while n > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]: how many working days have passed since ``start``."""
        if end <= start:
            return 0
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    def status(self, year: int) -> str:
        """"official", "provisional", or "missing" (weekdays only) for a year."""
        y = self.years.get(year)
        return y.status if y else "missing"

    def unknown_years(self, *days: dt.date) -> list[int]:
        return sorted({d.year for d in days if d.year not in self.years})

    def name(self, day: dt.date) -> str:
        y = self.years.get(day.year)
        return y.names.get(day, "") if y else ""


def load_calendar(directory: str | Path | None = None) -> Calendar:
    root = Path(directory) if directory is not None else DATA_DIR
    years = []
    for file in sorted(root.glob("cn-*.yaml")):
        data = yaml.safe_load(file.read_text("utf-8"))
        years.append(parse_year(data))
    return Calendar(years)


@lru_cache(maxsize=1)
def default_calendar() -> Calendar:
    """The shipped calendar (cached)."""
    return load_calendar()
