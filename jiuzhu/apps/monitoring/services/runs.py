"""Comparison runs (大数据比对): export, run the indicators (DuckDB or Spark), store new warnings.

``comparison_run`` is the one service that starts a run (the screen, ``monitor_run`` and the demo
call it); it stores the findings as warnings (pushed at once), enqueues the departments' pushes
and escalates overdue warnings.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.apps.core import bulkwrite
from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.models import Region
from jiuzhu.apps.exchange.models import DepartmentRecord
from jiuzhu.apps.exchange.outbox import enqueue_many
from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.apps.registry.models import Household, Member
from jiuzhu.engine.monitoring.cli import deadlines
from jiuzhu.engine.monitoring.compare import BACKENDS, run_comparison, settings_for
from jiuzhu.engine.monitoring.indicators import get_indicator
from jiuzhu.rules.params import ParameterSet

from ..export import PROVINCE, export_tables
from ..models import ComparisonRun, RunMode, State, Warning, WarningEvent
from .actions import escalate_overdue

TOPIC = "monitoring.warning"
Progress = Callable[[str, int, int], None]


def _since(mode: str) -> dt.datetime | None:
    if mode == RunMode.FULL:
        return None
    last = ComparisonRun.objects.filter(status="done").exclude(records_until__isnull=True).order_by("-id").first()
    return last.records_until if last is not None else dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def comparison_backend(backend: str | None = None) -> str:
    """The engine of comparison runs: *backend*, else setting JIUZHU_MONITORING_BACKEND, else DuckDB."""
    chosen = backend or str(getattr(settings, "JIUZHU_MONITORING_BACKEND", "duckdb") or "duckdb")
    if chosen not in BACKENDS:
        raise ValueError(f"unknown comparison backend {chosen!r}; known: {', '.join(BACKENDS)}")
    return chosen


def comparison_run(*, actor: Any, mode: str, as_of: dt.date | None = None,
                   progress: Progress | None = None, backend: str | None = None) -> ComparisonRun:
    """Run the comparison (full or daily), store new warnings, push them and escalate overdue ones.

    *backend* (``duckdb`` / ``spark``) defaults to :func:`comparison_backend`.
    """
    if mode not in RunMode.values:
        raise ValidationError(_("Unknown run mode."))
    backend = comparison_backend(backend)
    as_of = as_of or timezone.localdate()
    params = current_parameters()
    since = _since(mode)
    records_until = DepartmentRecord.objects.aggregate(m=Max("updated_at"))["m"]
    run = ComparisonRun.objects.create(
        mode=mode, as_of=as_of, since=since, records_until=records_until, parameter_version=params.version,
        started_by=actor if getattr(actor, "pk", None) else None)
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="jiuzhu-monitor-") as tmp:
            snap, data = Path(tmp) / "snapshot", Path(tmp) / "data"
            counts = export_tables(snap, data, as_of)
            if progress:
                progress("export", counts["households"], counts["households"])
            found = run_comparison(snap, data, as_of, params, since=since, backend=backend)
        stored = _store_findings(run, found.table.to_pylist(), params, as_of)
        escalated = escalate_overdue(actor=actor)
    except Exception as err:
        ComparisonRun.objects.filter(pk=run.pk).update(status="failed", error=str(err)[:2000],
                                                        finished_at=timezone.now())
        raise
    run.status, run.finished_at = "done", timezone.now()
    run.findings = found.table.num_rows
    run.raised, run.already_open, run.already_seen = stored
    run.escalated = escalated
    run.counts = found.counts
    run.seconds = Decimal(f"{time.perf_counter() - started:.2f}")
    run.save()
    audit("monitoring.run", actor=actor if getattr(actor, "pk", None) else None, object_type="comparison_run",
          object_id=run.pk, mode=mode, as_of=as_of.isoformat(), findings=run.findings, raised=run.raised,
          already_open=run.already_open, already_seen=run.already_seen, parameter_version=params.version,
          backend=backend)
    return run


class _Router:
    """Severity, deadlines and the responsible unit of a finding (cached per county)."""

    def __init__(self, params: ParameterSet, today: dt.date) -> None:
        self.params, self.today = params, today
        self._settings: dict[tuple[str, str], Any] = {}
        self._deadlines: dict[tuple[str, str], tuple[int, int]] = {}
        self.regions: dict[str, Region] = {}

    def load_regions(self, codes: set[str]) -> None:
        codes = {c for c in codes if c} | {PROVINCE}
        self.regions.update(Region.objects.in_bulk(list(codes)))

    def severity(self, key: str, county: str) -> str:
        k = (key, county)
        if k not in self._settings:
            self._settings[k] = settings_for(get_indicator(key), self.params, county, self.today)
        return str(self._settings[k].severity)

    def due(self, severity: str, county: str) -> tuple[dt.date, dt.date]:
        k = (severity, county)
        if k not in self._deadlines:
            self._deadlines[k] = deadlines(self.params, severity, county, self.today)
        verify, handle = self._deadlines[k]
        return self.today + dt.timedelta(days=verify), self.today + dt.timedelta(days=handle)

    def unit(self, target: str, county: Region, township_code: str | None, hint: str) -> Region:
        if target == "county":
            return county
        if township_code and township_code in self.regions:
            return self.regions[township_code]
        r = self.regions.get(hint)
        while r is not None and r.level == "village":
            r = self.regions.get(str(r.parent_id))
        if r is not None and r.level == "township":
            return r
        return county


# Values per ``IN (…)`` lookup: SQLite refuses a statement with more bound variables than its limit
# (SQLITE_MAX_VARIABLE_NUMBER: 32,766 by default, 250,000 in Debian's build), and the 1 M-household
# monthly run has ~430,000 findings (docs/benchmarks.md, "Storing the findings").
LOOKUP_CHUNK = 10_000


def _chunks(values: set[Any]) -> list[list[Any]]:
    items = list(values)
    return [items[i:i + LOOKUP_CHUNK] for i in range(0, len(items), LOOKUP_CHUNK)]


def _store_findings(run: ComparisonRun, rows: list[dict[str, Any]], params: ParameterSet,
                    as_of: dt.date) -> tuple[int, int, int]:
    """New warnings for new findings: (raised, already open, same facts seen before)."""
    today = timezone.localdate()
    now = timezone.now()
    router = _Router(params, today)
    seen: set[str] = set()
    for chunk in _chunks({r["fingerprint"] for r in rows}):
        seen.update(Warning.objects.filter(fingerprint__in=chunk).values_list("fingerprint", flat=True))
    open_subjects = set(Warning.objects.exclude(state=State.CLOSED).values_list("indicator", "subject"))
    members: dict[int, dict[str, Any]] = {}
    for chunk in _chunks({r["member_key"] for r in rows if r["member_key"] is not None}):
        members.update((m["id"], m) for m in Member.objects.filter(id__in=chunk).values(
            "id", "id_number_masked", "household__county_id", "household__township_id"))
    houses: dict[int, dict[str, Any]] = {}
    for chunk in _chunks({r["household_key"] for r in rows if r["household_key"] is not None}):
        houses.update((h["id"], h) for h in Household.objects.filter(id__in=chunk).values(
            "id", "county_id", "township_id"))
    router.load_regions({r["county_code"] for r in rows} | {r["region_hint"] or "" for r in rows}
                        | {h["county_id"] for h in houses.values()} | {h["township_id"] for h in houses.values()})
    parents = {str(r.parent_id) for r in router.regions.values() if r.level == "village" and r.parent_id}
    router.load_regions(parents)
    new: list[Warning] = []
    n_open = n_seen = 0
    for r in rows:
        if (r["indicator"], r["subject"]) in open_subjects:
            n_open += 1
            continue
        if r["fingerprint"] in seen:  # the same facts were handled (or found wrong) before
            n_seen += 1
            continue
        ind = get_indicator(r["indicator"])
        house = houses.get(r["household_key"]) if r["household_key"] is not None else None
        county_code = house["county_id"] if house else r["county_code"]
        county = router.regions.get(county_code) or router.regions[PROVINCE]
        severity = router.severity(ind.key, county.code if county.level == "county" else PROVINCE)
        verify_due, handle_due = router.due(severity, county.code if county.level == "county" else PROVINCE)
        unit = router.unit(ind.target, county, house["township_id"] if house else None, r["region_hint"] or "")
        detail = json.loads(r["detail"]) if r["detail"] else {}
        member = members.get(r["member_key"]) if r["member_key"] is not None else None
        masked = member["id_number_masked"] if member else str(detail.pop("masked_id", "") or "")
        new.append(Warning(
            indicator=ind.key, severity=severity, kind=ind.kind, state=State.PUSHED, subject=r["subject"],
            fingerprint=r["fingerprint"], facts=(r["facts"] or "")[:500], detail=detail,
            household_id=house["id"] if house else None, member_id=member["id"] if member else None,
            person_index=r["person_index"] or "", person_masked=masked, county=county, unit_region=unit,
            department=ind.department or "", event_date=r["event_date"], run=run, raised_at=now,
            verify_due=verify_due, handle_due=handle_due, pushed_at=now,
        ))
        seen.add(r["fingerprint"])
        open_subjects.add((r["indicator"], r["subject"]))
    unit_names = dict(Region.objects.filter(code__in={w.unit_region_id for w in new}).values_list("code", "name"))
    with transaction.atomic():
        # Set-based (core.bulkwrite: COPY on PostgreSQL, executemany on SQLite); same rows as before.
        bulkwrite.create(Warning, new)
        events = []
        for w in new:
            events.append(WarningEvent(warning_id=w.pk, at=now, action="raise", to_state=State.RAISED,
                                       detail={"run": run.pk}))
            events.append(WarningEvent(warning_id=w.pk, at=now, action="push", from_state=State.RAISED,
                                       to_state=State.PUSHED,
                                       detail={"unit": f"{unit_names.get(w.unit_region_id, '')}（{w.unit_region_id}）"}))
        bulkwrite.create(WarningEvent, events)
        enqueue_many([_message(w) for w in new if w.department])
    return len(new), n_open, n_seen


def _message(w: Warning) -> tuple[str, str, dict[str, Any], str]:
    """The department's push (masked identifiers and the blind index only), once per warning."""
    return (w.department, TOPIC, {
        "warning": str(w.uid), "indicator": w.indicator, "severity": w.severity, "kind": w.kind,
        "person_index": w.person_index, "person_masked": w.person_masked,
        "event_date": w.event_date.isoformat() if w.event_date else None,
        "verify_due": w.verify_due.isoformat(), "handle_due": w.handle_due.isoformat(),
        "unit_region": w.unit_region_id,
    }, f"{TOPIC}.{w.uid}")

