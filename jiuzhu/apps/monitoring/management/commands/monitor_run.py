"""``jiuzhu manage monitor_run --full|--daily [--as-of D] [--backend duckdb|spark]``: a comparison run.

Then overdue escalation.  The backend defaults to setting ``JIUZHU_MONITORING_BACKEND`` (else DuckDB).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiuzhu.apps.monitoring.models import RunMode
from jiuzhu.apps.monitoring.services import comparison_backend, comparison_run
from jiuzhu.engine.monitoring.compare import BACKENDS
from jiuzhu.rules.params import ParameterError


class Command(BaseCommand):
    help = "Run the early-warning comparison: --full (monthly) or --daily (incremental)."

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--full", action="store_true", help="every indicator over all data (monthly)")
        mode.add_argument("--daily", action="store_true", help="department data loaded since the last run")
        parser.add_argument("--as-of", help="YYYY-MM-DD (default today)")
        parser.add_argument("--backend", help=f"{' | '.join(BACKENDS)} (default: setting JIUZHU_MONITORING_BACKEND, "
                                              "else duckdb)")

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
        try:
            run = comparison_run(actor=None, mode=RunMode.FULL if options["full"] else RunMode.DAILY, as_of=as_of,
                                 backend=backend)
        except ParameterError as err:
            raise CommandError(f"{err.message_zh} / {err.message_en}") from err
        except ImportError as err:
            raise CommandError(f"Spark 比对引擎需要安装 pyspark 与 Java / the spark backend needs pyspark and Java "
                               f"({err})") from err
        self.stdout.write(
            f"run {run.pk} ({run.mode}, {backend}) as of {run.as_of}: {run.findings:,} findings, {run.raised:,} new warnings, "
            f"{run.already_open:,} already open, {run.already_seen:,} same facts seen before, "
            f"{run.escalated:,} overdue escalated, {run.seconds}s")
