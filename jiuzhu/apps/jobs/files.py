"""Files a job produces for its starter (large exports): written atomically, downloaded from the job page.

Stored under ``$JIUZHU_VAR_DIR/exports/`` with UUID names (mode 0600), with the SM3 digest of the
content in the job's result (RELIABILITY R10); removed after ``JIUZHU_JOBS["file_keep_hours"]``
by the worker's sweeper (R27: no personal data left lying around).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from django.conf import settings

from .context import config


def exports_dir() -> Path:
    d = Path(settings.VAR_DIR) / "exports"
    d.mkdir(parents=True, exist_ok=True)
    return d


def write_text_file(chunks: Iterable[str], suffix: str = ".csv") -> tuple[str, int, str]:
    """Write *chunks* (UTF-8) to a new export file; returns (stored name, bytes, SM3 hex)."""
    name = f"{uuid.uuid4()}{suffix}"
    final = exports_dir() / name
    part = final.with_suffix(final.suffix + ".part")
    digest = hashes.Hash(hashes.SM3())
    size = 0
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                data = chunk.encode("utf-8")
                f.write(data)
                digest.update(data)
                size += len(data)
        part.replace(final)  # complete or absent: a killed job leaves only a .part, swept later
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return name, size, digest.finalize().hex()


def export_path(name: str) -> Path | None:
    """The stored file of that name, if it is one of ours and still there."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = exports_dir() / name
    return path if path.is_file() else None


def sweep_exports(now: float | None = None) -> int:
    """Delete export files (and leftover .part files) older than the keep time."""
    limit = (now or time.time()) - float(config("file_keep_hours")) * 3600
    removed = 0
    for path in exports_dir().iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed
