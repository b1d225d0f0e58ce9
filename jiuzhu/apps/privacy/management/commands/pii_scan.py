"""Release check: ID numbers in clear on disk, and files others can read (ADR 0024).

    jiuzhu manage pii_scan [PATH ...]

Without paths: the SQLite database with its -wal/-shm and every file under the data directory
(VAR_DIR: keyring, exports, uploads, exchange files, analytics snapshots).  A directory is scanned
recursively.  Reports, per file, how many valid GB 11643 numbers appear in clear (shown masked:
the check must not itself print what it looks for) and any file or directory readable by group or
others.  Exits 1 when it finds either, so it can gate a release or a cron alert.

For PostgreSQL, scan a dump: ``pg_dump … > /tmp/dump.sql && jiuzhu manage pii_scan /tmp/dump.sql``.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jiuzhu.pii.masking import mask_id_number
from jiuzhu.pii.scan import scan_file


def default_paths() -> list[Path]:
    paths = [Path(settings.VAR_DIR)]
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3") and str(db["NAME"]) != ":memory:":
        name = Path(str(db["NAME"]))
        paths += [name, Path(f"{name}-wal"), Path(f"{name}-shm")]
    return paths


def _walk(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """(files, directories) under the paths, each once, in a stable order."""
    files: dict[Path, None] = {}
    dirs: dict[Path, None] = {}
    for p in paths:
        if p.is_dir():
            dirs[p] = None
            for q in sorted(p.rglob("*")):
                (dirs if q.is_dir() else files)[q] = None
        elif p.is_file():
            files[p] = None
    return list(files), list(dirs)


class Command(BaseCommand):
    help = "Scan files (default: the database and the data directory) for ID numbers in clear and loose permissions."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("paths", nargs="*", help="files or directories (default: database + VAR_DIR)")

    def handle(self, *args: Any, **options: Any) -> None:
        paths = [Path(p) for p in options["paths"]] or default_paths()
        files, dirs = _walk(paths)
        found = loose = 0
        for d in dirs:
            if stat.S_IMODE(d.stat().st_mode) & 0o077:
                loose += 1
                self.stdout.write(f"readable by others: {d}/ ({stat.S_IMODE(d.stat().st_mode):o})")
        for f in files:
            mode = stat.S_IMODE(f.stat().st_mode)
            if mode & 0o077:
                loose += 1
                self.stdout.write(f"readable by others: {f} ({mode:o})")
            numbers = scan_file(str(f))
            if numbers:
                found += len(numbers)
                shown = ", ".join(mask_id_number(n) for n in numbers[:3])
                self.stdout.write(f"ID numbers in clear: {f}: {len(numbers)} (e.g. {shown})")
        self.stdout.write(f"scanned {len(files)} files: {found} ID numbers in clear, {loose} paths readable by others")
        if found or loose:
            raise CommandError("personal data exposed on disk (see above)")
