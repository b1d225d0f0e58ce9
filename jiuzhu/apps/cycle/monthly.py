"""The province's monthly cycle (issue 17 §2) as one job, ``cycle.monthly``, with phases.

import every feed file of a directory → snapshot → determination → full comparison → warnings
stored and pushed → assistance matching → payroll lists per county (generated, not approved).

Each engine phase *is* the platform's own job of that kind (``determination.run``,
``monitoring.comparison``, ``assistance.matching``, ``assistance.payroll``), started with the scope
key ``cycle:<month>`` and run in this process: the same code, the same atomic ``commit()``, the
same audit as from the screens. That gives the cycle its guarantees without a second write path:

- **Exactly once.** A phase whose job for this month is ``done`` is not run again: re-running the
  month changes nothing (imports are idempotent by the file's hash; payrolls by county and month).
- **kill -9.** A killed phase's job committed nothing; the next run marks it (and the dead cycle
  job) interrupted when its process is verifiably gone on this host, and runs the phase again.
- **Timing.** Each phase's wall time and row count are in the job's result (``phases``), which
  ``jiuzhu cycle --json`` prints.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db.models import Q
from django.utils import timezone

from jiuzhu.apps.assistance.models import Entitlement, Payroll
from jiuzhu.apps.core.errors import RefusedError
from jiuzhu.apps.core.models import Region
from jiuzhu.apps.determination.services import shared_snapshot, spark_workdir
from jiuzhu.apps.exchange.services import batch_import
from jiuzhu.apps.jobs.choices import JobState
from jiuzhu.apps.jobs.context import config as jobs_config
from jiuzhu.apps.jobs.kinds import get_kind
from jiuzhu.apps.jobs.models import Job
from jiuzhu.apps.jobs.runner import run_inline, worker_alive
from jiuzhu.apps.jobs.services import job_start, mark_abandoned
from jiuzhu.apps.registry.models import Household
from jiuzhu.engine.exchange import CLI_LIMITS
from jiuzhu.rules.exchange.sources import SOURCES, Source

PHASES = ("import", "snapshot", "determination", "comparison", "warnings", "matching", "payroll")
PHASE_ZH = {"import": "导入部门数据", "snapshot": "读取救助对象库", "determination": "认定", "comparison": "大数据比对",
            "warnings": "保存并推送预警", "matching": "救助项目匹配", "payroll": "生成发放名册"}
FEED_SUFFIXES = (".parquet", ".csv", ".jsonl", ".xlsx")
PROVINCE = "360000"


def parse_month(month: str) -> dt.date:
    """``YYYY-MM`` → the first day of that month (the cycle's as-of date)."""
    try:
        if len(month) != 7:
            raise ValueError(month)
        return dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise RefusedError("month", f"月份格式应为 YYYY-MM：{month}", f"The month must be YYYY-MM: {month}") from None


def feed_files(directory: Path) -> list[tuple[Source, Path]]:
    """The department files of *directory*: as ``jiuzhu generate --out`` names them, or ``<source>.<fmt>``.

    Sorted by source key, so every run imports in the same order.
    """
    if not directory.is_dir():
        raise RefusedError("feeds", f"数据目录不存在：{directory}", f"No such directory: {directory}")
    found: list[tuple[Source, Path]] = []
    for source in sorted(SOURCES.values(), key=lambda s: s.key):
        names = [f"{source.key}{suffix}" for suffix in FEED_SUFFIXES]
        if source.generator_table:
            names.insert(0, f"{source.generator_table}.parquet")
        for name in names:
            if (directory / name).is_file():
                found.append((source, directory / name))
                break
    return found


def payroll_counties(month: dt.date) -> list[str]:
    """Counties with something to pay in *month*: an entitlement running then, or an earlier payroll
    (whose held lines carry over). A county with neither gets no empty payroll."""
    running = (Entitlement.objects.filter(start_month__lte=month)
               .filter(Q(end_month__isnull=True) | Q(end_month__gte=month)).values("household__county_id"))
    earlier = Payroll.objects.filter(month__lt=month).values("county_id")
    return list(Region.objects.filter(level="county", valid_to__isnull=True)
                .filter(Q(code__in=running) | Q(code__in=earlier)).order_by("code").values_list("code", flat=True))


def scope(month: str) -> str:
    return f"cycle:{month}"


def done_before(kind: str, scope_key: str) -> Job | None:
    """The completed job of *kind* for this cycle phase, if a run of the month already did it."""
    return Job.objects.filter(kind=kind, scope_key=scope_key, state=JobState.DONE).order_by("-id").first()


def clear_dead(scope_prefix: str) -> list[int]:
    """Mark interrupted the running jobs of this month's cycle whose process on this host is gone (kill -9).

    ``mark_abandoned`` waits for a stale heartbeat; here the process is known to be dead, so the
    wait is skipped — but only for a worker ``worker_alive`` can check (this host) and finds gone.
    """
    marked: list[int] = []
    for job in Job.objects.filter(state=JobState.RUNNING, scope_key__startswith=scope_prefix):
        if worker_alive(job.worker) is False:
            beat = job.heartbeat_at or timezone.now()
            now = max(timezone.now(), beat + dt.timedelta(seconds=float(jobs_config("abandoned_after")) + 1))
            marked += mark_abandoned(now=now, only=job.pk)
    return marked


class _PhaseClock:
    """A child job's reporter: the time each of its phases (by label) was first seen."""

    def __init__(self, forward: Callable[[str, int, int], None] | None) -> None:
        self.first: dict[str, float] = {}
        self.forward = forward

    def __call__(self, label: str, done: int, total: int) -> None:
        self.first.setdefault(str(label), time.perf_counter())
        if self.forward is not None:
            self.forward(label, done, total)

    def since(self, kind: str, key: str) -> float | None:
        label = next((str(p.label) for p in get_kind(kind).phases if p.key == key), None)
        return self.first.get(label) if label is not None else None


class Cycle:
    """One run of the month: its phases in order, each timed; see the module docstring."""

    def __init__(self, ctx: Any, month: str, feeds: str, backend: str) -> None:
        self.ctx, self.month, self.feeds, self.backend = ctx, month, Path(feeds), backend
        self.as_of = parse_month(month)
        self.scope = scope(month)
        self.phases: list[dict[str, Any]] = []

    def record(self, name: str, seconds: float, rows: int, skipped: bool = False, **extra: Any) -> None:
        self.phases.append({"name": name, "seconds": round(seconds, 3), "rows": int(rows), "skipped": skipped, **extra})
        self.ctx.log(f"{PHASE_ZH.get(name, name)}：{rows:,} 行，{seconds:.1f} 秒" + ("（本月已完成，跳过）" if skipped else ""),
                     f"{name}: {rows:,} rows, {seconds:.1f} s" + (" (done before this month: skipped)" if skipped else ""))

    def child(self, kind: str, params: dict[str, Any], *, region: str = PROVINCE,
              key: str = "") -> tuple[Job | None, _PhaseClock, float, float]:
        """Run the job *kind* of this cycle (or find it done); (job or None if done before, clock, start, end)."""
        scope_key = f"{self.scope}:{key or kind}"
        clock = _PhaseClock(None)
        start = time.perf_counter()
        if done_before(kind, scope_key) is not None:
            return None, clock, start, start
        self.ctx.check_cancelled()
        job = job_start(actor=self.ctx.actor, kind=kind, params=params, region_code=region, scope_key=scope_key,
                        channel="cli" if self.ctx.actor is None else "ui", enqueue=False)
        job = run_inline(job, reporter=clock)
        end = time.perf_counter()
        if job.state != JobState.DONE:
            raise RefusedError("phase", f"月度流程在「{get_kind(kind).label}」一步未完成：{job.error_zh}",
                               f"The monthly cycle stopped at {kind}: {job.error_en}")
        return job, clock, start, end

    # -- phases --------------------------------------------------------------------------------
    def imports(self) -> None:
        files = feed_files(self.feeds)
        self.ctx.phase("import", total=len(files))
        start, rows, batches = time.perf_counter(), 0, 0
        for n, (source, path) in enumerate(files, 1):
            result = batch_import(self.ctx.actor, source.key, path, path.name, "cli", limits=CLI_LIMITS)
            if result.created:
                batches += 1
                rows += result.batch.rows_new + result.batch.rows_updated
            if result.batch.state not in ("committed", "rejected"):
                raise RefusedError("import", f"{source.key} 未能导入（{result.batch.state}）",
                                   f"{source.key} was not imported ({result.batch.state})")
            self.ctx.progress(n)
        self.record("import", time.perf_counter() - start, rows, batches == 0, files=len(files), batches=batches)

    def determination(self) -> None:
        self.ctx.phase("determination", total=1)
        job, clock, start, end = self.child("determination.run",
                                            {"as_of": self.as_of.isoformat(), "backend": self.backend})
        if job is None:
            self.record("snapshot", 0, 0, True)
            self.record("determination", 0, 0, True)
            return
        split = clock.since("determination.run", "determine") or start
        self.record("snapshot", split - start, Household.objects.count())
        self.record("determination", end - split, job.result.get("households", 0))
        self.ctx.progress(1)

    def comparison(self) -> None:
        self.ctx.phase("comparison", total=1)
        params = {"mode": "full", "as_of": self.as_of.isoformat(), "backend": self.backend}
        job, clock, start, end = self.child("monitoring.comparison", params)
        if job is None:
            self.record("comparison", 0, 0, True)
            self.record("warnings", 0, 0, True)
            return
        split = clock.since("monitoring.comparison", "store") or end
        self.record("comparison", split - start, job.result.get("findings", 0))
        self.record("warnings", end - split, job.result.get("raised", 0),
                    already_open=job.result.get("already_open", 0), already_seen=job.result.get("already_seen", 0))
        self.ctx.progress(1)

    def matching(self) -> None:
        self.ctx.phase("matching", total=1)
        job, _clock, start, end = self.child("assistance.matching",
                                            {"as_of": self.as_of.isoformat(), "county": None,
                                             "determination_run": None})
        self.record("matching", end - start, job.result.get("rows", 0) if job else 0, job is None)
        self.ctx.progress(1)

    def payrolls(self) -> None:
        counties = payroll_counties(self.as_of)
        self.ctx.phase("payroll", total=len(counties))
        start, lines, made = time.perf_counter(), 0, 0
        for n, county in enumerate(counties, 1):
            job, *_ = self.child("assistance.payroll", {"county": county, "month": self.month}, region=county,
                                 key=f"payroll:{county}")
            if job is not None:
                made += 1
                lines += int(job.result.get("lines", 0))
            self.ctx.progress(n)
        self.record("payroll", time.perf_counter() - start, lines, made == 0,
                    counties=len(counties), payrolls=made)


def monthly_cycle(ctx: Any, *, month: str, feeds: str, backend: str = "duckdb") -> dict[str, Any]:
    """The job ``cycle.monthly``; see the module docstring."""
    started = time.perf_counter()
    cycle = Cycle(ctx, month, feeds, backend)
    clear_dead(f"{cycle.scope}:")
    cycle.imports()
    with shared_snapshot(spark_workdir(backend)):  # the determination and the comparison read one export
        cycle.determination()
        cycle.comparison()
    cycle.matching()
    cycle.payrolls()
    result = {"month": month, "backend": backend, "phases": cycle.phases,
              "total_seconds": round(time.perf_counter() - started, 3)}
    with ctx.commit():
        ctx.set_result(result)
    return result
