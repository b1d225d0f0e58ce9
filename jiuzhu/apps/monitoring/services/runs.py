"""Comparison runs (大数据比对): export, run the indicators (DuckDB or Spark), store new warnings.

A run is the job ``monitoring.comparison`` (``monitoring/jobs.py``: the screen queues it for the
worker); ``comparison_run`` runs the same job in this process (``monitor_run``, the demo).  The job
stores the findings as warnings (pushed at once), enqueues the departments' pushes and escalates
overdue warnings, all in its one writing transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.apps.core import bulkwrite
from jiuzhu.apps.core.errors import RefusedError
from jiuzhu.apps.core.models import Region, User
from jiuzhu.apps.exchange.outbox import enqueue_many
from jiuzhu.apps.jobs.runner import run_inline
from jiuzhu.apps.jobs.services import job_start
from jiuzhu.apps.registry.models import Household, Member
from jiuzhu.engine.monitoring.compare import BACKENDS, settings_for
from jiuzhu.engine.monitoring.indicators import get_indicator
from jiuzhu.rules.monitoring import deadlines
from jiuzhu.rules.params import ParameterSet

from ..export import PROVINCE
from ..models import ComparisonRun, RunMode, State, Warning, WarningEvent

TOPIC = "monitoring.warning"
Progress = Callable[[str, int, int], None]


def _since(mode: str) -> dt.datetime | None:
    if mode == RunMode.FULL:
        return None
    last = ComparisonRun.objects.completed().exclude(records_until__isnull=True).order_by("-id").first()
    return last.records_until if last is not None else dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def comparison_backend(backend: str | None = None) -> str:
    """The engine of comparison runs: *backend*, else setting JIUZHU_MONITORING_BACKEND, else DuckDB."""
    chosen = backend or str(getattr(settings, "JIUZHU_MONITORING_BACKEND", "duckdb") or "duckdb")
    if chosen not in BACKENDS:
        raise ValueError(f"unknown comparison backend {chosen!r}; known: {', '.join(BACKENDS)}")
    return chosen


def comparison_run(*, actor: User | None, mode: str, as_of: dt.date | None = None,
                   progress: Progress | None = None, backend: str | None = None) -> ComparisonRun:
    """A comparison run in this process (commands, the demo): the job ``monitoring.comparison`` in the foreground.

    The screen queues the same job for the worker (``jobs.compare_registry`` does the work).
    Raises ``RefusedError`` when the run did not complete.
    """

    if mode not in RunMode.values:
        raise ValidationError(_("Unknown run mode."))
    params = {"mode": mode, "as_of": (as_of or timezone.localdate()).isoformat(), "backend": comparison_backend(backend)}
    job = job_start(actor=actor, kind="monitoring.comparison", params=params,
                    channel="ui" if getattr(actor, "pk", None) else "cli", enqueue=False)
    job = run_inline(job, reporter=progress)
    if job.state != "done":
        raise RefusedError(job.state, job.error_zh or "比对未完成", job.error_en or "the comparison did not complete")
    return ComparisonRun.objects.get(job=job)


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
STORE_CHUNK = 20_000  # warnings stored between two progress reports (cancel points)


def _chunks(values: set[Any]) -> list[list[Any]]:
    items = list(values)
    return [items[i:i + LOOKUP_CHUNK] for i in range(0, len(items), LOOKUP_CHUNK)]


def _store_findings(run: ComparisonRun, rows: list[dict[str, Any]], params: ParameterSet,
                    as_of: dt.date, progress: Callable[[int, int], None] | None = None) -> tuple[int, int, int]:
    """New warnings for new findings: (raised, already open, same facts seen before).

    *progress(stored, to store)* after each chunk (a job's cancel point).
    """
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
    new: list[dict[str, Any]] = []
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
        new.append({
            **_WARNING_DEFAULTS,
            "indicator": ind.key, "severity": severity, "kind": ind.kind, "state": str(State.PUSHED),
            "subject": r["subject"], "fingerprint": r["fingerprint"], "facts": (r["facts"] or "")[:500],
            "detail": detail, "household_id": house["id"] if house else None,
            "member_id": member["id"] if member else None, "person_index": r["person_index"] or "",
            "person_masked": masked, "county_id": county.code, "unit_region_id": unit.code,
            "department": ind.department or "", "event_date": r["event_date"], "run_id": run.pk, "raised_at": now,
            "verify_due": verify_due, "handle_due": handle_due, "pushed_at": now,
        })
        seen.add(r["fingerprint"])
        open_subjects.add((r["indicator"], r["subject"]))
    unit_names = dict(Region.objects.filter(code__in={w["unit_region_id"] for w in new}).values_list("code", "name"))
    with transaction.atomic():
        # Set-based (core.bulkwrite: COPY on PostgreSQL, executemany on SQLite), rows as tuples.
        for start in range(0, len(new), STORE_CHUNK):
            _store_chunk(run, new[start:start + STORE_CHUNK], now, unit_names)
            if progress:
                progress(min(start + STORE_CHUNK, len(new)), len(new))
    return len(new), n_open, n_seen


# The columns a new warning starts with (besides those _store_findings sets).
_WARNING_DEFAULTS: dict[str, Any] = {
    "supervisor_id": None, "supervision_level": 0, "verified_at": None, "handled_at": None, "closed_at": None,
    "outcome": "", "outcome_reason": "", "outcome_ref": "", "stays_monitored": None, "version": 1,
}
_EVENT_COLUMNS = ("id", "warning_id", "at", "actor_id", "actor_username", "action", "from_state", "to_state",
                  "reason", "detail")


def _store_chunk(run: ComparisonRun, new: list[dict[str, Any]], now: dt.datetime, unit_names: dict[str, str]) -> None:
    """One chunk of new warnings, their two events each and the departments' pushes."""
    for w, pk, uid in zip(new, bulkwrite.allocate_ids(Warning, len(new)), bulkwrite.uuid4_texts(len(new)),
                          strict=True):
        w["id"], w["uid"] = pk, uid
    cols = bulkwrite.columns(Warning)
    bulkwrite.insert_rows(Warning, [tuple(w[c] for c in cols) for w in new], cols)
    ids = iter(bulkwrite.allocate_ids(WarningEvent, 2 * len(new)))
    raised, pushed = str(State.RAISED), str(State.PUSHED)
    events: list[tuple[Any, ...]] = []
    for w in new:
        unit = f"{unit_names.get(w['unit_region_id'], '')}（{w['unit_region_id']}）"
        events.append((next(ids), w["id"], now, None, "", "raise", "", raised, "", {"run": run.pk}))
        events.append((next(ids), w["id"], now, None, "", "push", raised, pushed, "", {"unit": unit}))
    bulkwrite.insert_rows(WarningEvent, events, _EVENT_COLUMNS)
    enqueue_many([_message(w) for w in new if w["department"]])


def _message(w: dict[str, Any]) -> tuple[str, str, dict[str, Any], str]:
    """The department's push (masked identifiers and the blind index only), once per warning."""
    return (w["department"], TOPIC, {
        "warning": w["uid"], "indicator": w["indicator"], "severity": w["severity"], "kind": w["kind"],
        "person_index": w["person_index"], "person_masked": w["person_masked"],
        "event_date": w["event_date"].isoformat() if w["event_date"] else None,
        "verify_due": w["verify_due"].isoformat(), "handle_due": w["handle_due"].isoformat(),
        "unit_region": w["unit_region_id"],
    }, f"{TOPIC}.{w['uid']}")
