"""The comparison run (大数据比对) as a job (jiuzhu.apps.jobs): the screen queues it, `monitor_run` and the
demo run it in the foreground — the same function.

Reads and computing (export, the indicators in DuckDB or Spark) happen outside any transaction;
the run row, its warnings, the pushes to departments and the overdue escalation are written in
the job's ``commit()``: a cancelled, failed or killed run leaves no warning behind, and a retry
raises each warning once.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.determination.services import spark_workdir
from jiuzhu.apps.exchange.models import DepartmentRecord
from jiuzhu.apps.jobs.kinds import Phase, register
from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.engine.monitoring.compare import run_comparison

from . import services
from .export import export_tables
from .models import ComparisonRun, RunMode
from .services import runs


def compare_registry(ctx: Any, *, mode: str, as_of: str, backend: str = "duckdb") -> dict[str, Any]:
    """The job ``monitoring.comparison``: export, run the indicators, store new warnings, push, escalate."""
    on = dt.date.fromisoformat(as_of)
    backend = runs.comparison_backend(backend)
    params = current_parameters()
    since = runs._since(mode)
    records_until = DepartmentRecord.objects.aggregate(m=Max("updated_at"))["m"]
    with tempfile.TemporaryDirectory(prefix="jiuzhu-monitor-", dir=spark_workdir(backend)) as tmp:
        snap, data = Path(tmp) / "snapshot", Path(tmp) / "data"
        ctx.phase("export", total=1)
        snap, counts = export_tables(snap, data, on)
        ctx.progress(1)
        ctx.phase("compare", total=counts["households"])
        found = run_comparison(snap, data, on, params, since=since, backend=backend)
        ctx.progress(counts["households"])
    rows = found.table.to_pylist()
    ctx.phase("store", total=len(rows))
    with ctx.commit():
        run = ComparisonRun.objects.create(
            job_id=ctx.job_id, mode=mode, as_of=on, since=since, records_until=records_until,
            parameter_version=params.version, findings=found.table.num_rows, counts=found.counts)
        raised, already_open, already_seen = runs._store_findings(run, rows, params, on, progress=ctx.progress)
        escalated = services.escalate_overdue(actor=ctx.actor)
        ComparisonRun.objects.filter(pk=run.pk).update(raised=raised, already_open=already_open,
                                                       already_seen=already_seen, escalated=escalated)
        audit("monitoring.run", actor=ctx.actor, object_type="comparison_run", object_id=run.pk, mode=mode,
              as_of=on.isoformat(), findings=run.findings, raised=raised, already_open=already_open,
              already_seen=already_seen, parameter_version=params.version, backend=backend, job=ctx.job_id)
        ctx.set_result({"run": run.pk, "mode": mode, "as_of": on.isoformat(), "findings": run.findings,
                        "raised": raised, "already_open": already_open, "already_seen": already_seen,
                        "escalated": escalated, "backend": backend})
    return {}


def _result_lines(r: dict[str, Any]) -> list[tuple[Any, Any]]:
    return [(_("Findings"), f"{r.get('findings', 0):,}"), (_("Warnings raised"), f"{r.get('raised', 0):,}"),
            (_("Already open"), f"{r.get('already_open', 0):,}"),
            (_("Same facts seen before"), f"{r.get('already_seen', 0):,}"),
            (_("Overdue escalated"), f"{r.get('escalated', 0):,}")]


register(
    "monitoring.comparison", label=_("Comparison run"), start_cap="run_determination", view_cap="view_monitoring",
    phases=(Phase("export", _("Reading the registry and department data"), 2),
            Phase("compare", _("Running the indicators"), 2), Phase("store", _("Storing the warnings"), 3)),
    result_link=lambda r: (_("The early-warning workbench"), reverse("monitoring_workbench")),
    result_lines=_result_lines,
    params_lines=lambda p: [(_("Mode"), RunMode(p["mode"]).label if p.get("mode") in RunMode.values else ""),
                            (_("As of"), p.get("as_of", ""))],
)(compare_registry)
