"""``jiuzhu manage monitor_run --full|--daily [--as-of D] [--backend duckdb|spark] [--background]``: a comparison run.

Then overdue escalation.  The backend defaults to setting ``JIUZHU_MONITORING_BACKEND`` (else DuckDB).
The run is the job ``monitoring.comparison``, here in the foreground with progress (or, with
``--background``, queued for `jiuzhu worker`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jiuzhu.apps.jobs.cli import run_cli
from jiuzhu.apps.monitoring.models import RunMode
from jiuzhu.apps.monitoring.services import comparison_backend
from jiuzhu.engine.monitoring.compare import BACKENDS


class Command(BaseCommand):
    help = "Run the early-warning comparison: --full (monthly) or --daily (incremental)."

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--full", action="store_true", help="every indicator over all data (monthly)")
        mode.add_argument("--daily", action="store_true", help="department data loaded since the last run")
        parser.add_argument("--as-of", help="YYYY-MM-DD (default today)")
        parser.add_argument("--backend", help=f"{' | '.join(BACKENDS)} (default: setting JIUZHU_MONITORING_BACKEND, "
                                              "else duckdb)")
        parser.add_argument("--background", action="store_true", help="queue the job for `jiuzhu worker` and return")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            as_of = dt.date.fromisoformat(options["as_of"]) if options["as_of"] else None
        except ValueError:
            raise CommandError("日期格式应为 YYYY-MM-DD / --as-of must be YYYY-MM-DD") from None
        try:
            backend = comparison_backend(options.get("backend"))
        except ValueError:
            raise CommandError(f"比对引擎应为 {' / '.join(BACKENDS)} / --backend (or JIUZHU_MONITORING_BACKEND) "
                               f"must be one of {', '.join(BACKENDS)}") from None
        if backend == "spark":
            try:
                import pyspark  # noqa: F401
            except ImportError as err:
                raise CommandError(f"Spark 比对引擎需要安装 pyspark 与 Java / the spark backend needs pyspark and Java "
                                   f"({err})") from err
        mode = RunMode.FULL if options["full"] else RunMode.DAILY
        params = {"mode": mode, "as_of": (as_of or timezone.localdate()).isoformat(), "backend": backend}

        def summary(job: Any) -> str:
            r = job.result
            return (f"run {r['run']} ({r['mode']}, {r['backend']}) as of {r['as_of']}: {r['findings']:,} findings, "
                    f"{r['raised']:,} new warnings, {r['already_open']:,} already open, {r['already_seen']:,} same "
                    f"facts seen before, {r['escalated']:,} overdue escalated (job {job.pk})")

        code = run_cli("monitoring.comparison", params, background=options["background"], summary=summary,
                       out=self.stdout)
        if code:
            raise CommandError(f"比对未完成 / the comparison did not complete (exit {code})", returncode=code)
