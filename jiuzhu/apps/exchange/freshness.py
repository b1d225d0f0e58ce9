"""Freshness of the department feeds (issue 4 §6): is each feed's data as recent as its schedule says?

Each feed declares ``schedule = (period, grace_days)`` (``jiuzhu/rules/exchange/sources.py``).
A feed is *late* when no batch was committed within one period plus the grace days after its
last committed batch: e.g. monthly + 7 days, last import 3 March → due 3 April, late from
10 April.  A feed that never had a committed batch is "never received".  Rejected and failed
batches do not make a feed fresh (they are shown as the latest attempt), nor does a committed
batch without a single valid row (issue 14 item 4; such a file is now rejected anyway).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max
from django.utils import timezone

from jiuzhu.apps.core.choices import Role
from jiuzhu.apps.core.scoping import require
from jiuzhu.rules.exchange.sources import DEPARTMENTS, SOURCES, Source

from .choices import BatchState
from .models import ImportBatch
from .selectors import batches_for

VIEW = "view_exchange"
PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
PERIOD_DAYS = {"daily": 1, "weekly": 7}
PERIODS = (*PERIOD_DAYS, *PERIOD_MONTHS)
# Nominal length of a period in days (to compare with ``expected_every_days``).
NOMINAL_DAYS = {"daily": 1, "weekly": 7, "monthly": 31, "quarterly": 92, "yearly": 365}
PERIOD_LABELS = {"daily": "每日", "weekly": "每周", "monthly": "每月", "quarterly": "每季度", "yearly": "每年"}


def add_period(when: dt.datetime, period: str) -> dt.datetime:
    """*when* plus one *period* (calendar months are clamped: 31 Jan + 1 month = 28/29 Feb)."""
    if period in PERIOD_DAYS:
        return when + dt.timedelta(days=PERIOD_DAYS[period])
    months = PERIOD_MONTHS[period]
    total = when.month - 1 + months
    year, month = when.year + total // 12, total % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


@dataclass
class FeedStatus:
    source: Source
    period: str
    grace_days: int
    last_batch: ImportBatch | None  # the last committed batch
    last_attempt: ImportBatch | None  # the most recent batch in any state
    batches: int
    due_at: dt.datetime | None  # when the next file is expected (without the grace)
    late_by: dt.timedelta | None  # how late (after the grace), None when not late
    visible_batches: frozenset[int]

    @property
    def status(self) -> str:
        if self.last_batch is None:
            return "never"
        return "late" if self.late_by is not None else "ok"

    @property
    def late_days(self) -> int:
        return self.late_by.days if self.late_by is not None else 0

    @property
    def department_label(self) -> str:
        return DEPARTMENTS.get(self.source.department, self.source.department)

    @property
    def period_label(self) -> str:
        return PERIOD_LABELS.get(self.period, self.period)


def sources_for(user: Any) -> list[Source]:
    """Department users: their department's feeds; other users with view_exchange: all feeds."""
    require(user, VIEW)
    if user.role == Role.DEPARTMENT:
        return [s for s in SOURCES.values() if s.department == user.department]
    return list(SOURCES.values())


def feed_status(user: Any, now: dt.datetime | None = None) -> list[FeedStatus]:
    """One row per feed the user may see, most overdue first."""
    out = _statuses(sources_for(user), now or timezone.now(),
                    lambda ids: frozenset(batches_for(user).filter(pk__in=ids).values_list("pk", flat=True)))
    rank = {"never": 0, "late": 1, "ok": 2}
    out.sort(key=lambda f: (rank[f.status], -(f.late_by or dt.timedelta(0)).total_seconds(), f.source.key))
    return out


def freshness_of(keys: Iterable[str], now: dt.datetime | None = None) -> dict[str, FeedStatus]:
    """The freshness of the named feeds, for another module's report (the applications' economic
    check: "no data from <department>, last delivery …").  No user: the caller decides what to
    show; no batch is marked visible."""
    feeds = [SOURCES[k] for k in dict.fromkeys(keys)]
    return {f.source.key: f for f in _statuses(feeds, now or timezone.now(), lambda ids: frozenset())}


def _statuses(feeds: list[Source], now: dt.datetime,
              visible_of: Callable[[list[int]], frozenset[int]]) -> list[FeedStatus]:
    keys = [s.key for s in feeds]
    counts = dict(ImportBatch.objects.filter(source__in=keys).values("source").annotate(n=Count("id"))
                  .values_list("source", "n"))
    last_ids = {
        # A delivery is a committed file with at least one valid row (issue 14 item 4): a file of
        # errors or blank lines never makes a feed look on time.
        r["source"]: r["last"] for r in ImportBatch.objects.filter(
            source__in=keys, state=BatchState.COMMITTED, rows_valid__gt=0).values("source").annotate(last=Max("id"))
    }
    attempt_ids = {
        r["source"]: r["last"] for r in ImportBatch.objects.filter(source__in=keys).values("source")
        .annotate(last=Max("id"))
    }
    batches = ImportBatch.objects.in_bulk([*last_ids.values(), *attempt_ids.values()])
    visible = visible_of(list(batches))
    out = []
    for s in feeds:
        period, grace = s.schedule
        last = batches.get(last_ids.get(s.key, -1))
        due_at = late_by = None
        if last is not None:
            done = last.finished_at or last.received_at
            due_at = add_period(timezone.localtime(done), period)
            late_from = due_at + dt.timedelta(days=grace)
            if now > late_from:
                late_by = now - late_from
        out.append(FeedStatus(s, period, grace, last, batches.get(attempt_ids.get(s.key, -1)),
                              counts.get(s.key, 0), due_at, late_by, visible))
    return out
