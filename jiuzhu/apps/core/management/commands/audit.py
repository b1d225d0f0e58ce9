"""`jiuzhu audit verify|anchor|archive` (RELIABILITY R11; docs/operators.md).

verify   walk the hash chain; exit 0 when intact, 1 naming the first bad row (id, time)
anchor   sign the chain's head into the anchors table and file (run hourly, e.g. from cron)
archive  move rows older than JIUZHU_AUDIT_ONLINE_DAYS to a signed file, then remove them
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiuzhu.apps.core import chain


class Command(BaseCommand):
    help = "Verify, anchor or archive the hash-chained audit log"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "anchor", "archive", "verify-archive"])
        parser.add_argument("file", nargs="?", help="verify-archive: the archive file")

    def handle(self, *args: Any, **opts: Any) -> None:
        action = opts["action"]
        if action == "verify":
            started = time.perf_counter()
            result = chain.verify()
            seconds = time.perf_counter() - started
            if not result.ok:
                raise CommandError(f"审计日志被篡改 / audit log broken at {result.problem.describe()}",  # type: ignore[union-attr]
                                   returncode=1)
            legacy = f", {result.legacy_rows:,} rows from before the chain" if result.legacy_rows else ""
            self.stdout.write(f"audit log intact: {result.rows:,} rows, {result.anchors} anchors{legacy} "
                              f"({seconds:.1f}s)")
        elif action == "anchor":
            a = chain.anchor()
            self.stdout.write(f"anchor {a.pk}: row {a.last_id}, {a.rows:,} rows, head {a.last_hash[:16]}…")
        elif action == "archive":
            try:
                a = chain.archive()
            except RuntimeError as err:
                raise CommandError(str(err), returncode=1) from err
            if a is None:
                self.stdout.write("nothing older than the online period")
            else:
                self.stdout.write(f"archived {a.rows:,} rows up to row {a.last_id} into {a.archive_file}")
        else:
            if not opts["file"]:
                raise CommandError("verify-archive needs the archive file", returncode=2)
            rows, problem = chain.verify_archive(Path(opts["file"]))
            if problem:
                raise CommandError(f"archive broken: {problem}", returncode=1)
            self.stdout.write(f"archive intact: {rows:,} rows")
