"""Working days on the official holiday calendar (pure; no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from jiuzhu.rules.calendar import Calendar, default_calendar, load_calendar, parse_year

D = dt.date


def test_holidays_and_make_up_days_2026() -> None:
    cal = default_calendar()
    assert not cal.is_working_day(D(2026, 10, 1))  # 国庆
    assert not cal.is_working_day(D(2026, 2, 16))  # 春节 (a Monday)
    assert cal.is_working_day(D(2026, 2, 14))  # Saturday worked (调休上班)
    assert cal.is_working_day(D(2026, 10, 10))  # Saturday worked
    assert not cal.is_working_day(D(2026, 10, 11))  # an ordinary Sunday
    assert cal.is_working_day(D(2026, 10, 12))
    assert cal.name(D(2026, 10, 10)) == "国庆节调休上班"


def test_add_working_days_across_the_national_day_week() -> None:
    cal = default_calendar()
    # Visit on Wednesday 30 Sep 2026: 1–7 Oct are off, Thu 8 and Fri 9 are the two working days.
    assert cal.add_working_days(D(2026, 9, 30), 2) == D(2026, 10, 9)
    # Three working days after Fri 9 Oct: Sat 10 (make-up), Mon 12, Tue 13.
    assert cal.add_working_days(D(2026, 10, 9), 3) == D(2026, 10, 13)
    # Without the calendar (weekdays only) the answer would be different: the data matters.
    assert Calendar([]).add_working_days(D(2026, 9, 30), 2) == D(2026, 10, 2)


def test_add_working_days_across_spring_festival() -> None:
    cal = default_calendar()
    # Fri 13 Feb 2026 + 1 → Sat 14 Feb (make-up working day); + 2 → Tue 24 Feb (holiday 15–23).
    assert cal.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert cal.add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)


def test_thirty_working_days_and_counting_back() -> None:
    cal = default_calendar()
    start = D(2026, 9, 14)
    end = cal.add_working_days(start, 30)
    assert cal.working_days_between(start, end) == 30
    assert cal.working_days_between(start, end - dt.timedelta(days=1)) < 30
    assert cal.add_working_days(start, 0) == start
    with pytest.raises(ValueError):
        cal.add_working_days(start, -1)


def test_2027_is_marked_provisional_and_missing_years_are_reported() -> None:
    cal = default_calendar()
    assert cal.status(2026) == "official"
    assert cal.status(2027) == "provisional"
    assert cal.status(2030) == "missing"
    assert cal.unknown_years(D(2026, 1, 5), D(2030, 1, 1)) == [2030]


def test_bad_year_files_are_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        parse_year({"year": 2026, "holidays": [{"from": "2026-01-03", "to": "2026-01-01"}]})
    with pytest.raises(ValueError):
        parse_year({"year": 2026, "holidays": [{"from": "2026-01-01", "to": "2026-01-01"}],
                    "workdays": [{"date": "2026-01-01"}]})
    with pytest.raises(ValueError):
        parse_year({"year": 2026, "workdays": [{"date": "2027-01-02"}]})
    (tmp_path / "cn-2031.yaml").write_text("year: 2031\nstatus: provisional\nholidays: []\nworkdays: []\n", "utf-8")
    assert load_calendar(tmp_path).status(2031) == "provisional"
