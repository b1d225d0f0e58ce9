"""Freshness of the department feeds (issue 4 §6): schedule, last import, rows, errors, lateness."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from jiuzhu.apps.exchange import freshness
from jiuzhu.apps.exchange.models import ImportBatch
from jiuzhu.rules.exchange.sources import SOURCES

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def _batch(source: str, finished: dt.datetime, state: str = "committed", rows: int = 10, errors: int = 0,
           uploader: Any = None, valid: int | None = None) -> ImportBatch:
    b = ImportBatch.objects.create(
        source=source, department=SOURCES[source].department, content_hash=uuid.uuid4().hex * 2, state=state,
        channel="api", filename="f.csv", rows_total=rows, errors_total=errors, uploaded_by=uploader,
        rows_valid=rows - errors if valid is None else valid)
    ImportBatch.objects.filter(pk=b.pk).update(received_at=finished, finished_at=finished)
    b.refresh_from_db()
    return b


def _by_key(user: Any, now: dt.datetime = NOW) -> dict[str, freshness.FeedStatus]:
    return {f.source.key: f for f in freshness.feed_status(user, now=now)}


def test_every_feed_has_a_valid_schedule_matching_its_interval() -> None:
    for s in SOURCES.values():
        period, grace = s.schedule
        assert period in freshness.PERIODS and 0 <= grace < freshness.NOMINAL_DAYS[period], s.key
        assert abs(freshness.NOMINAL_DAYS[period] - s.expected_every_days) <= 3, s.key


def test_add_period_uses_calendar_months() -> None:
    jan31 = dt.datetime(2026, 1, 31, 9, 0, tzinfo=dt.UTC)
    assert freshness.add_period(jan31, "monthly") == dt.datetime(2026, 2, 28, 9, 0, tzinfo=dt.UTC)
    assert freshness.add_period(jan31, "quarterly") == dt.datetime(2026, 4, 30, 9, 0, tzinfo=dt.UTC)
    assert freshness.add_period(jan31, "yearly") == dt.datetime(2027, 1, 31, 9, 0, tzinfo=dt.UTC)
    assert freshness.add_period(jan31, "weekly") == jan31 + dt.timedelta(days=7)
    nov = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    assert freshness.add_period(nov, "quarterly") == dt.datetime(2027, 2, 28, tzinfo=dt.UTC)


def test_late_on_time_and_never_received(users: dict[str, Any]) -> None:
    # health_deaths is monthly + 7 days grace.
    assert SOURCES["health_deaths"].schedule == ("monthly", 7)
    _batch("health_deaths", dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.UTC), rows=120, errors=3)
    _batch("health_births", dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC))
    _batch("health_births", dt.datetime(2026, 11, 19, 12, 0, tzinfo=dt.UTC), state="rejected")
    feeds = _by_key(users["province"])
    deaths = feeds["health_deaths"]
    assert deaths.status == "late" and deaths.last_batch.rows_total == 120 and deaths.last_batch.errors_total == 3
    # Due 1 Nov (local time), late from 8 Nov: 12 days late on 20 Nov.
    assert deaths.due_at.date() == dt.date(2026, 11, 1) and deaths.late_days == 12
    births = feeds["health_births"]
    assert births.status == "ok" and births.late_by is None
    assert births.last_attempt.state == "rejected" and births.batches == 2  # a rejected file does not count
    assert feeds["hrss_pensions"].status == "never" and feeds["hrss_pensions"].last_batch is None
    # Exactly on the last day of grace it is not late yet; one second later it is.
    # (12:00 UTC is 20:00 in Asia/Shanghai: months are counted on the local calendar.)
    local = dt.datetime(2026, 10, 1, 20, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    edge = freshness.add_period(local, "monthly") + dt.timedelta(days=7)
    assert _by_key(users["province"], edge)["health_deaths"].status == "ok"
    assert _by_key(users["province"], edge + dt.timedelta(seconds=1))["health_deaths"].status == "late"
    # The most overdue come first.
    order = [f.status for f in freshness.feed_status(users["province"], now=NOW)]
    assert order == sorted(order, key={"never": 0, "late": 1, "ok": 2}.get)


def test_a_file_without_a_valid_row_is_not_a_delivery(users: dict[str, Any]) -> None:
    """Issue 14 item 4: 40 rows all in error (committed before the fix) never made a feed fresh."""
    _batch("health_deaths", dt.datetime(2026, 10, 1, tzinfo=dt.UTC))
    _batch("health_deaths", dt.datetime(2026, 11, 19, tzinfo=dt.UTC), rows=40, errors=40, valid=0)
    deaths = _by_key(users["province"])["health_deaths"]
    assert deaths.status == "late" and deaths.last_batch.finished_at.date() == dt.date(2026, 10, 1)


def test_a_quarterly_feed_is_not_late_after_two_months(users: dict[str, Any]) -> None:
    _batch("education_students", dt.datetime(2026, 9, 1, tzinfo=dt.UTC))
    f = _by_key(users["province"])["education_students"]
    assert f.period == "quarterly" and f.status == "ok"
    assert _by_key(users["province"], dt.datetime(2026, 12, 17, tzinfo=dt.UTC))["education_students"].status == "late"


def test_page_department_users_see_only_their_feeds(client: Any, users: dict[str, Any]) -> None:
    mine = _batch("medical_insurance_settlements", dt.datetime(2026, 11, 1, tzinfo=dt.UTC), uploader=users["department"])
    other = _batch("health_deaths", dt.datetime(2026, 11, 1, tzinfo=dt.UTC), uploader=users["county"])
    client.force_login(users["department"])
    page = client.get("/exchange/sources/").content.decode()
    assert 'data-source="medical_insurance_settlements"' in page and 'data-source="health_deaths"' not in page
    assert f"/exchange/batches/{mine.pk}/" in page
    client.force_login(users["province"])
    page = client.get("/exchange/sources/").content.decode()
    assert all(f'data-source="{k}"' in page for k in SOURCES)
    assert f"/exchange/batches/{other.pk}/" in page and "从未报送" in page
    # A county caseworker sees every feed's freshness but links only to batches it may open.
    client.force_login(users["county_b"])
    page = client.get("/exchange/sources/").content.decode()
    assert 'data-source="health_deaths"' in page and f"/exchange/batches/{other.pk}/" not in page
    client.force_login(users["township"])
    assert client.get("/exchange/sources/").status_code == 403


def test_the_exchange_pages_link_to_each_other(client: Any, users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    page = client.get("/exchange/batches/").content.decode()
    assert "/exchange/sources/" in page and "/exchange/outbox/" in page and "/exchange/upload/" in page
    client.force_login(users["department"])
    page = client.get("/exchange/sources/").content.decode()
    assert "/exchange/batches/" in page and "/exchange/outbox/" not in page
