"""Statistics from determination runs and what-if scenarios over the registry (issue 18 items 1–2).

Statistics are computed once per determination run (``statistics_compute``) by the engine's
DuckDB aggregation over the run's stored results and stored per township, area and category;
pages sum the stored rows over the user's region.  With them, as of the run's date: money paid,
applications and refusal reasons, warnings and the assistance chain, rolled up by the engine to
every region (``FigureRow``); and, per province-wide matching run of the programme matrix, its
coverage (``CoverageRun``).  A job computes them after each determination and matching run
(``on_determination_stored``, ``on_matched``), so the pages only read.  A scenario exports the registry snapshot
once and runs the engine's what-if (baseline and scenario in one pass); its parameters are
never saved as the parameters in force (that stays the approved-revision path of ``policy``).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jiuzhu.apps.assistance.models import MatchRun
from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.models import Region, RegionClosure
from jiuzhu.apps.determination.models import DeterminationResult, DeterminationRun
from jiuzhu.apps.determination.services import export_snapshot
from jiuzhu.apps.jobs.models import Job
from jiuzhu.apps.jobs.runner import run_inline
from jiuzhu.apps.jobs.services import JobRefused, job_start
from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.apps.registry.models import Household
from jiuzhu.engine import stats as engine_stats
from jiuzhu.engine.determination.batch import run_batch
from jiuzhu.engine.determination.evaluate import BENEFIT_COLUMNS
from jiuzhu.engine.stats import INPUT_SCHEMA, aggregate
from jiuzhu.engine.whatif import parse_changes, run_whatif
from jiuzhu.rules.money import from_fen, to_fen
from jiuzhu.rules.params import ParameterSet

from . import inputs
from .models import (
    FIGURES_VERSION,
    CoverageRow,
    CoverageRun,
    FigureRow,
    Scenario,
    StatisticsRun,
    StatRow,
)

Progress = Callable[[int, int], None]


def _results_table(run: DeterminationRun, households: Any = None) -> tuple[pa.Table, dict[str, str]]:
    """A run's stored results as the engine's statistics input, and township → county."""
    qs = DeterminationResult.objects.filter(run=run)
    if households is not None:
        qs = qs.filter(household__in=households)
    cols: dict[str, list[Any]] = {name: [] for name in INPUT_SCHEMA.names}
    county_of: dict[str, str] = {}
    fields = ("household__township_id", "household__county_id", "household__area_type", "error", "categories",
              "member_categories", "benefits")
    for township, county, area, error, categories, members, benefits in qs.values_list(*fields).iterator(chunk_size=5000):
        county_of[township] = county
        cols["township"].append(township)
        cols["area_type"].append(area)
        cols["status"].append("error" if error else "ok")
        cols["categories"].append(list(categories or []))
        cols["member_categories"].append(list((members or {}).values()))
        for name, col in BENEFIT_COLUMNS.items():
            cols[col].append(to_fen(Decimal((benefits or {}).get(name, "0"))))
    return pa.table(cols, schema=INPUT_SCHEMA), county_of


def statistics_compute(run: DeterminationRun, *, actor: Any = None) -> StatisticsRun:
    """Compute and store the statistics of a finished determination run (idempotent: statistics of an
    earlier version — without the figures beyond the categories — are computed again in place)."""
    existing = StatisticsRun.objects.filter(run=run).first()
    if existing is not None and existing.version >= FIGURES_VERSION:
        return existing
    stats = _statistics_store(run, _statistics_rows(run), actor=actor)
    coverage_follow(run, actor=actor)
    return stats


def _statistics_rows(run: DeterminationRun) -> dict[str, Any]:
    """Everything a statistics run stores, computed outside any transaction."""
    if run.state != "done":
        raise ValueError(f"认定批次 {run.pk} 未完成 / determination run {run.pk} is not finished")
    table, county_of = _results_table(run)
    rows = aggregate(table)
    overview = [{**r, "section": "overview"} for r in engine_stats.overview(rows, inputs.paths())]
    return {"rows": rows, "county_of": county_of, "households": table.num_rows,
            "figures": overview + figures_rows(run.as_of)}


def figures_rows(as_of: dt.date) -> list[dict[str, Any]]:
    """The figures beyond the categories as of *as_of* (``FigureRow``s to be), every region."""
    closure = inputs.paths()
    first, last = inputs.month_window(as_of)
    lookback = int(current_parameters().resolve("assistance.matching.given_lookback_days", "360000", "rural",
                                                as_of).value)
    sections = {
        "money": engine_stats.money(inputs.payroll_lines(first, last), inputs.department_records(first, last),
                                    closure, first, last),
        "chain": engine_stats.chain(inputs.chain_entries(as_of - dt.timedelta(days=lookback), as_of), closure,
                                    as_of - dt.timedelta(days=lookback), as_of),
        "applications": engine_stats.applications(inputs.applications(as_of), closure, as_of),
        "refusals": engine_stats.refusals(inputs.refusals(as_of), closure),
        "warnings": engine_stats.warnings(inputs.warnings(as_of), closure, as_of),
    }
    return [{**r, "section": name} for name, rows in sections.items() for r in rows]


def _statistics_store(run: DeterminationRun, computed: dict[str, Any], *, actor: Any = None) -> StatisticsRun:
    rows, county_of = computed["rows"], computed["county_of"]
    with transaction.atomic():
        stats, created = StatisticsRun.objects.select_for_update().get_or_create(
            run=run, defaults={"as_of": run.as_of, "households": computed["households"]})
        if not created and stats.version >= FIGURES_VERSION:
            return stats  # computed meanwhile by another process (the job and the command line)
        if not created:  # an earlier version: computed again in place (the run's results have not changed)
            stats.rows.all().delete()
            stats.figures.all().delete()
        StatRow.objects.bulk_create([
            StatRow(statistics=stats, county_id=county_of[r["township"]], township_id=r["township"],
                    area_type=r["area_type"], kind=r["kind"], key=r["key"], households=r["households"],
                    persons=r["persons"], amount=from_fen(r["amount_fen"]))
            for r in rows
        ], batch_size=2000)
        FigureRow.objects.bulk_create([
            FigureRow(statistics=stats, section=r["section"], region_id=r["region"], month=r["month"], key=r["key"],
                      detail=r["detail"], count=r["count"], households=r["households"],
                      amount=from_fen(r["amount_fen"]))
            for r in computed["figures"]
        ], batch_size=2000)
        stats.version, stats.households = FIGURES_VERSION, computed["households"]
        stats.save(update_fields=["version", "households"])
        audit("statistics.compute", actor=actor, object_type="statistics_run", object_id=stats.pk,
              run=run.pk, as_of=run.as_of.isoformat(), rows=len(rows), figures=len(computed["figures"]))
    return stats


# --- coverage of the programme matrix (from the matching runs) --------------------------------


def coverage_compute(match_run: MatchRun, *, actor: Any = None) -> CoverageRun | None:
    """Keep the coverage of a province-wide matching run (idempotent).  Only the latest run still has
    all its rows (a run replaces the rows of the runs before it): for an older one, nothing."""
    existing = CoverageRun.objects.filter(match_run=match_run).first()
    if existing is not None:
        return existing
    latest = inputs.latest_match_run()
    if latest is None or latest.pk != match_run.pk or match_run.determination_run_id is None:
        return None
    rows = engine_stats.coverage(inputs.matches(match_run), inputs.paths())
    with transaction.atomic():
        cov, created = CoverageRun.objects.get_or_create(
            match_run=match_run, defaults={"determination_run_id": match_run.determination_run_id,
                                           "as_of": match_run.as_of})
        if created:
            CoverageRow.objects.bulk_create([
                CoverageRow(coverage=cov, region_id=r["region"], programme=r["key"], status=r["detail"],
                            subjects=r["count"], households=r["households"]) for r in rows], batch_size=2000)
            audit("statistics.coverage", actor=actor, object_type="coverage_run", object_id=cov.pk,
                  match_run=match_run.pk, determination_run=match_run.determination_run_id, rows=len(rows))
    return cov


def coverage_follow(run: DeterminationRun, *, actor: Any = None) -> CoverageRun | None:
    """The coverage of *run* from the latest matching run, when that run matched this determination."""
    latest = inputs.latest_match_run()
    if latest is None or latest.determination_run_id != run.pk:
        return None
    return coverage_compute(latest, actor=actor)


def coverage_job(ctx: Any, *, match_run: int) -> dict[str, Any]:
    """The job ``reports.coverage``: keep the coverage of a matching run (nothing if it is no longer the latest)."""
    mr = MatchRun.objects.get(pk=match_run)
    ctx.phase("count")
    with ctx.commit():
        cov = coverage_compute(mr, actor=ctx.actor)
        result = {"coverage": cov.pk if cov else None, "match_run": mr.pk,
                  "determination_run": mr.determination_run_id, "as_of": mr.as_of.isoformat()}
        ctx.set_result(result)
    return result


# --- kept current: after each determination run and each matching run --------------------------


def _follow_up(kind: str, params: dict[str, Any], scope_key: str) -> Job | None:
    if not settings.JIUZHU_JOBS.get("follow_ups", True):
        return None  # switched off by the operator (JIUZHU_JOBS_FOLLOW_UPS=0)
    try:
        return job_start(actor=None, kind=kind, params=params, scope_key=scope_key, channel="system")
    except JobRefused:
        return None  # the same computation is already queued or running


def on_determination_stored(*, run: DeterminationRun, **_: Any) -> None:
    """``core.hooks`` listener: a determination run was stored → its statistics are computed by a job
    after the commit, so the pages read precomputed figures."""
    transaction.on_commit(lambda: _follow_up("reports.statistics", {"run": run.pk}, f"statistics:{run.pk}"))


def on_matched(*, match_run: MatchRun, **_: Any) -> None:
    """``core.hooks`` listener: a matching run was stored → its coverage is kept (province-wide runs)."""
    if match_run.county or match_run.determination_run_id is None:
        return
    transaction.on_commit(lambda: _follow_up("reports.coverage", {"match_run": match_run.pk},
                                             f"coverage:{match_run.pk}"))


def households_in(region: Region | None) -> Any:
    """The registry households under *region* (all for the province or None)."""
    qs = Household.objects.all()
    if region is None or region.level == "province":
        return qs
    return qs.filter(township__in=RegionClosure.objects.filter(ancestor=region).values("descendant_id"))


def live_statistics(as_of: dt.date, region: Region | None = None, params: ParameterSet | None = None) -> list[dict[str, Any]]:
    """Statistics rows of the registry determined now as of *as_of* (nothing stored)."""
    households = households_in(region)
    towns = dict(households.values_list("code", "township_id"))
    with tempfile.TemporaryDirectory(prefix="jiuzhu-stats-") as tmp:
        snap, out = Path(tmp) / "snapshot", Path(tmp) / "results.parquet"
        export_snapshot(snap, households)
        run_batch(snap, as_of, out, params or current_parameters(), detail="summary")
        res = pq.read_table(out)
    township = pa.array([towns[c] for c in res.column("household_id").to_pylist()], pa.string())
    table = pa.table({
        "township": township, "area_type": res.column("area_type"), "status": res.column("status"),
        "categories": res.column("categories"), "member_categories": res.column("member_categories"),
        **{col: res.column(col) for col in BENEFIT_COLUMNS.values()},
    }).cast(INPUT_SCHEMA)
    return aggregate(table)


def stored_rows(run: DeterminationRun, region: Region | None = None) -> list[dict[str, Any]]:
    """The statistics rows of a run (computed and stored on first use), limited to *region*."""
    stats = statistics_compute(run)
    qs = StatRow.objects.filter(statistics=stats)
    if region is not None and region.level != "province":
        qs = qs.filter(township__in=RegionClosure.objects.filter(ancestor=region).values("descendant_id"))
    return [{"township": r.township_id, "area_type": r.area_type, "kind": r.kind, "key": r.key,
             "households": r.households, "persons": r.persons, "amount_fen": to_fen(r.amount)} for r in qs]


# --- what-if ---------------------------------------------------------------------------------


Keys = set[tuple[str, str]]  # (county, area) of the households simulated


def whatif_of(as_of: dt.date, scenario_of: Callable[[ParameterSet, Keys], ParameterSet], *, households: Any = None,
            progress: Progress | None = None, cliffs: bool = True, cliff_step_fen: int = 100) -> dict[str, Any]:
    """The one path from the registry to the engine's what-if: export the snapshot of *households*
    (all by default), build the scenario from the parameters in force, run baseline and scenario."""
    base = current_parameters()
    with tempfile.TemporaryDirectory(prefix="jiuzhu-whatif-") as tmp:
        snap = Path(tmp) / "snapshot"
        export_snapshot(snap, households)
        keys = pq.read_table(snap / "households.parquet", columns=["county_code", "area_type"]).to_pylist()
        scenario = scenario_of(base, {(k["county_code"], k["area_type"]) for k in keys})
        result = run_whatif(snap, as_of, base, scenario, progress=progress, cliffs=cliffs,
                            cliff_step_fen=cliff_step_fen)
    return result.to_dict()


def whatif_over_registry(as_of: dt.date, changes: Iterable[str], *, progress: Progress | None = None,
                         cliff_step_fen: int = 100) -> dict[str, Any]:
    """Baseline (parameters in force) and scenario (with *changes*) over the registry as it is."""
    changes = list(changes)
    out = whatif_of(as_of, lambda base, keys: base.with_overrides(parse_changes(base, changes, keys, as_of)),
                  progress=progress, cliff_step_fen=cliff_step_fen)
    out["changes"] = changes
    return out


def scenario_create(*, actor: Any, name: str, as_of: dt.date, changes: list[str], note: str = "") -> Scenario:
    """Save a scenario draft after checking its changes parse against the parameters in force."""
    base = current_parameters()
    base.with_overrides(parse_changes(base, changes, [], as_of))  # ParameterError on a bad path or value
    with transaction.atomic():
        scenario = Scenario.objects.create(name=name, as_of=as_of, overrides=changes, note=note,
                                           created_by=actor if getattr(actor, "pk", None) else None)
        audit("scenario.create", actor=actor, object_type="scenario", object_id=scenario.pk, changes=changes,
              as_of=as_of.isoformat())
    return scenario


def scenario_queue(scenario: Scenario, *, actor: Any = None) -> Job:
    """Start the scenario's run as a job (``reports.scenario``): it runs in the worker, never in the request."""
    job = job_start(actor=actor, kind="reports.scenario", params={"scenario": scenario.pk, "name": scenario.name},
                    scope_key=f"scenario:{scenario.pk}")
    Scenario.objects.filter(pk=scenario.pk).update(status="queued", error="")
    return job


def scenario_run(scenario: Scenario, *, actor: Any = None) -> Scenario:
    """Run a scenario in this process (the demo, commands): the same job, in the foreground."""
    job = job_start(actor=actor, kind="reports.scenario", params={"scenario": scenario.pk, "name": scenario.name},
                    scope_key=f"scenario:{scenario.pk}", channel="ui" if getattr(actor, "pk", None) else "cli",
                    enqueue=False)
    run_inline(job)
    scenario.refresh_from_db()
    return scenario


def scenario_job(ctx: Any, *, scenario: int, name: str = "") -> dict[str, Any]:
    """The job ``reports.scenario``: baseline and scenario over the registry; the figures stored at the end."""
    sc = Scenario.objects.get(pk=scenario)
    Scenario.objects.filter(pk=sc.pk).update(status="running", error="")
    try:
        ctx.phase("simulate")
        result = whatif_over_registry(sc.as_of, sc.overrides, progress=ctx.progress)
        with ctx.commit():
            Scenario.objects.filter(pk=sc.pk).update(result=result, status="done", finished_at=timezone.now())
            audit("scenario.run", actor=ctx.actor, object_type="scenario", object_id=sc.pk, job=ctx.job_id,
                  monthly_cost_change=result["monthly_cost_change"])
            ctx.set_result({"scenario": sc.pk, "monthly_cost_change": result["monthly_cost_change"],
                            "households": result["households"]})
    except BaseException as err:
        Scenario.objects.filter(pk=sc.pk).exclude(status="done").update(
            status="failed", error=str(err)[:2000] or type(err).__name__, finished_at=timezone.now())
        raise
    return {"scenario": sc.pk, "monthly_cost_change": result["monthly_cost_change"]}


def statistics_job(ctx: Any, *, run: int) -> dict[str, Any]:
    """The job ``reports.statistics``: the statistics of one finished determination run (read and
    aggregated outside the transaction, stored in the job's commit; nothing if they are current)."""
    det = DeterminationRun.objects.get(pk=run)
    ctx.phase("aggregate")
    existing = StatisticsRun.objects.filter(run=det, version__gte=FIGURES_VERSION).first()
    computed = None if existing else _statistics_rows(det)
    with ctx.commit():
        stats = existing or _statistics_store(det, computed, actor=ctx.actor)  # type: ignore[arg-type]
        coverage_follow(det, actor=ctx.actor)
        ctx.set_result({"statistics": stats.pk, "run": run, "as_of": stats.as_of.isoformat()})
    return {"statistics": stats.pk}


def region_names(codes: list[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
