"""The inputs of the statistics beyond the categories, read set-based from the other apps' tables as
Arrow tables for the engine (``jiuzhu.engine.stats``): one query each, aggregated in the database where
the counts add up over townships, row by row where they must be counted distinct at every level.

Every reader takes the statistics' dates; what it counts is said in docs/statistics.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pyarrow as pa
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate

from jiuzhu.apps.applications.models import Application
from jiuzhu.apps.assistance.models import (
    LineKind,
    LineStatus,
    Match,
    MatchRun,
    PayrollLine,
    PayrollState,
)
from jiuzhu.apps.core.models import RegionClosure
from jiuzhu.apps.exchange.choices import PLATFORM, AmountBasis
from jiuzhu.apps.exchange.models import AssistanceRecord
from jiuzhu.apps.monitoring.models import Warning as EarlyWarning
from jiuzhu.engine import stats as engine
from jiuzhu.rules.money import to_fen
from jiuzhu.rules.programmes import add_months

CHUNK = 20_000
APPROVED_PAYROLLS = (PayrollState.APPROVED, PayrollState.EXPORTED, PayrollState.RECONCILED)
PAID_LINES = (LineStatus.PENDING, LineStatus.PAID)  # held lines are not paid; failed ones are carried over


def _table(schema: pa.Schema, rows: Iterable[tuple[Any, ...]]) -> pa.Table:
    cols: list[list[Any]] = [[] for _ in schema.names]
    for row in rows:
        for i, v in enumerate(row):
            cols[i].append(v)
    return pa.table(cols, schema=schema)


def paths() -> pa.Table:
    """Each township and county paired with itself and each of its ancestors (the region closure)."""
    pairs = RegionClosure.objects.filter(descendant__level__in=("township", "county")).values_list(
        "descendant_id", "ancestor_id")
    return _table(engine.PATHS_SCHEMA, pairs.iterator(chunk_size=CHUNK))


def month_window(as_of: dt.date, months: int = 12) -> tuple[dt.date, dt.date]:
    """The first days of the first and the last month counted: the *months* months up to *as_of*'s."""
    last = as_of.replace(day=1)
    return add_months(last, -(months - 1)), last


def payroll_lines(first: dt.date, last: dt.date) -> pa.Table:
    """Lines of approved payrolls (approved, exported, reconciled) of the months *first* … *last*, to be
    paid or paid (not held, not failed: a failed payment is paid again as a carried line), per township,
    month and programme: households (distinct), persons covered (a carried line's persons were counted in
    its own month), amount."""
    qs = (PayrollLine.objects.filter(payroll__state__in=APPROVED_PAYROLLS, status__in=PAID_LINES,
                                     payroll__month__gte=first, payroll__month__lte=last)
          .values("household__township_id", "payroll__month", "programme")
          .annotate(households=Count("household_id", distinct=True),
                    persons=Sum("members_covered", filter=~Q(kind=LineKind.CARRIED)), amount=Sum("amount")))
    return _table(engine.PAYROLL_SCHEMA, (
        (r["household__township_id"], r["payroll__month"], r["programme"], r["households"], r["persons"] or 0,
         to_fen(r["amount"])) for r in qs.iterator(chunk_size=CHUNK)))


def department_records(first: dt.date, last: dt.date) -> pa.Table:
    """The departments' assistance records with an amount, of registry households, that may fall in the
    months *first* … *last* (the engine places them in months).  The platform's own entries are left out:
    they are the payroll's lines again."""
    end = add_months(last, 1) - dt.timedelta(days=1)
    total = Q(amount_basis=AmountBasis.TOTAL) & (Q(start_date__range=(first, end))
                                                 | Q(start_date__isnull=True, end_date__range=(first, end)))
    monthly = Q(amount_basis=AmountBasis.MONTHLY) & (Q(start_date__isnull=True) | Q(start_date__lte=end)) & (
        Q(end_date__isnull=True) | Q(end_date__gte=first))
    qs = (AssistanceRecord.objects.exclude(source=PLATFORM).filter(amount__isnull=False, household__isnull=False)
          .filter(total | monthly)
          .values_list("household__township_id", "person_index", "household_id", "programme", "amount_basis",
                       "start_date", "end_date", "amount"))
    return _table(engine.RECORDS_SCHEMA, (
        (*r[:7], to_fen(r[7] or Decimal("0"))) for r in qs.iterator(chunk_size=CHUNK)))


def chain_entries(since: dt.date, as_of: dt.date) -> pa.Table:
    """Assistance-chain entries (every source) of registry households active between *since* and *as_of*."""
    qs = (AssistanceRecord.objects.filter(household__isnull=False)
          .filter(Q(start_date__isnull=True) | Q(start_date__lte=as_of))
          .filter(Q(end_date__isnull=True) | Q(end_date__gte=since))
          .values_list("household__township_id", "person_index", "household_id", "programme", "start_date",
                       "end_date"))
    return _table(engine.CHAIN_SCHEMA, qs.iterator(chunk_size=CHUNK))


def applications(as_of: dt.date) -> pa.Table:
    """Applications received by *as_of*: township, state, dates."""
    qs = Application.objects.filter(submitted_on__lte=as_of).values_list(
        "township_id", "state", "submitted_on", "decided_on", "due_on")
    return _table(engine.APPLICATIONS_SCHEMA, qs.iterator(chunk_size=CHUNK))


def refusal_grounds(basis: dict[str, Any]) -> list[tuple[str, str]]:
    """(category, criterion) pairs a refusal's stored basis cites as failed; ``REASON_ONLY`` when it cites
    none (the caseworker's reason alone, e.g. a refusal contrary to the determination), ``NO_BASIS`` for a
    decision taken before bases were stored."""
    if not basis:
        return [("", engine.NO_BASIS)]
    found = sorted({(str(g.get("category") or ""), str(g.get("id") or "")) for g in basis.get("grounds") or []
                    if isinstance(g, dict) and not g.get("passed") and g.get("id")})
    return found or [("", engine.REASON_ONLY)]


def refusals(as_of: dt.date) -> pa.Table:
    """One row per refused application (decided by *as_of*) and criterion its basis cites as failed."""
    qs = Application.objects.filter(state="refused", decided_on__lte=as_of).values_list(
        "id", "township_id", "decision_basis")
    return _table(engine.REFUSALS_SCHEMA, (
        (township, pk, category, criterion)
        for pk, township, basis in qs.iterator(chunk_size=CHUNK)
        for category, criterion in refusal_grounds(basis or {})))


def warnings(as_of: dt.date) -> pa.Table:
    """Early warnings raised by *as_of*: the responsible unit (township or county), the indicator and the
    local dates of raising, verifying and closing, and the verify-by date."""
    qs = (EarlyWarning.objects.filter(raised_at__date__lte=as_of)
          .annotate(raised=TruncDate("raised_at"), verified=TruncDate("verified_at"), closed=TruncDate("closed_at"))
          .values_list("unit_region_id", "indicator", "raised", "verified", "verify_due", "closed"))
    return _table(engine.WARNINGS_SCHEMA, qs.iterator(chunk_size=CHUNK))


def latest_match_run() -> MatchRun | None:
    """The latest finished province-wide matching run: the only one whose rows are all still stored (a
    run replaces the rows of the runs before it)."""
    return MatchRun.objects.completed().filter(county="").order_by("-id").first()


def matches(run: MatchRun) -> pa.Table:
    """A matching run's rows per township, programme and status: subjects (rows) and households."""
    qs = (Match.objects.filter(run=run).values("household__township_id", "programme", "status")
          .annotate(subjects=Count("id"), households=Count("household_id", distinct=True)))
    return _table(engine.COVERAGE_SCHEMA, (
        (r["household__township_id"], r["programme"], r["status"], r["subjects"], r["households"])
        for r in qs.iterator(chunk_size=CHUNK)))
