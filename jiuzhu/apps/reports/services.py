"""Statistics from determination runs and what-if scenarios over the registry (issue 18 items 1–2).

Statistics are computed once per determination run (``statistics_compute``) by the engine's
DuckDB aggregation over the run's stored results and stored per township, area and category;
pages sum the stored rows over the user's region.  A scenario exports the registry snapshot
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
from django.db import transaction
from django.utils import timezone

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.models import Region, RegionClosure
from jiuzhu.apps.determination.models import DeterminationResult, DeterminationRun
from jiuzhu.apps.determination.services import export_snapshot
from jiuzhu.apps.jobs.models import Job
from jiuzhu.apps.jobs.runner import run_inline
from jiuzhu.apps.jobs.services import job_start
from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.apps.registry.models import Household
from jiuzhu.engine.determination.batch import run_batch
from jiuzhu.engine.determination.evaluate import BENEFIT_COLUMNS
from jiuzhu.engine.stats import INPUT_SCHEMA, aggregate
from jiuzhu.engine.whatif import parse_changes, run_whatif
from jiuzhu.rules.money import from_fen, to_fen
from jiuzhu.rules.params import ParameterSet

from .models import Scenario, StatisticsRun, StatRow

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
    """Compute and store the statistics of a finished determination run (idempotent)."""
    existing = StatisticsRun.objects.filter(run=run).first()
    if existing is not None:
        return existing
    return _statistics_store(run, *_statistics_rows(run), actor=actor)


def _statistics_rows(run: DeterminationRun) -> tuple[list[dict[str, Any]], dict[str, str], int]:
    if run.state != "done":
        raise ValueError(f"认定批次 {run.pk} 未完成 / determination run {run.pk} is not finished")
    table, county_of = _results_table(run)
    return aggregate(table), county_of, table.num_rows


def _statistics_store(run: DeterminationRun, rows: list[dict[str, Any]], county_of: dict[str, str], households: int,
                      *, actor: Any = None) -> StatisticsRun:
    with transaction.atomic():
        stats = StatisticsRun.objects.create(run=run, as_of=run.as_of, households=households)
        StatRow.objects.bulk_create([
            StatRow(statistics=stats, county_id=county_of[r["township"]], township_id=r["township"],
                    area_type=r["area_type"], kind=r["kind"], key=r["key"], households=r["households"],
                    persons=r["persons"], amount=from_fen(r["amount_fen"]))
            for r in rows
        ], batch_size=2000)
        audit("statistics.compute", actor=actor, object_type="statistics_run", object_id=stats.pk,
              run=run.pk, as_of=run.as_of.isoformat(), rows=len(rows))
    return stats


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
    aggregated outside the transaction, stored in the job's commit; nothing if they exist)."""
    det = DeterminationRun.objects.get(pk=run)
    ctx.phase("aggregate")
    existing = StatisticsRun.objects.filter(run=det).first()
    rows = None if existing else _statistics_rows(det)
    with ctx.commit():
        stats = existing or _statistics_store(det, *rows, actor=ctx.actor)  # type: ignore[misc]
        ctx.set_result({"statistics": stats.pk, "run": run, "as_of": stats.as_of.isoformat()})
    return {"statistics": stats.pk}


def region_names(codes: list[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
