"""Where the exchange app keeps files: reports, staging and temporary files, uploads awaiting
confirmation; and the sweeping of what a killed process or an abandoned preview left (R27, K2)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from django.conf import settings

from .models import ImportBatch, PendingUpload

UPLOAD_KEEP_HOURS = 24  # CONFIG (settings.JIUZHU_UPLOAD_KEEP_HOURS): how long a previewed upload waits


def exchange_dir() -> Path:
    """Where reports and staging files live (``JIUZHU_EXCHANGE_DIR``, default ``var/exchange``)."""
    return Path(getattr(settings, "JIUZHU_EXCHANGE_DIR", None) or Path(settings.VAR_DIR) / "exchange")


def report_path(batch: ImportBatch) -> Path | None:
    """The batch's error report on disk (a UUID name, never the uploader's file name: U24)."""
    if not batch.error_report:
        return None
    return exchange_dir() / "reports" / batch.error_report


STALE_TEMP_SECONDS = 6 * 3600  # no import or report takes this long; older temp files are debris


def sweep_stale_temp(max_age: float = STALE_TEMP_SECONDS, now: float | None = None) -> int:
    """Delete temporary files left by a killed process (RELIABILITY K2); returns how many.

    Reports are written to ``<uuid>.part`` and renamed into place, so a report is either
    complete or absent (the download serves only the final name); staging files and key
    trackers live in ``tmp/`` and vanish on close, but not on ``kill -9``.  Only files older
    than *max_age* are removed, so a file being written by a running import is left alone.
    Uploads waiting for confirmation are forgotten after ``JIUZHU_UPLOAD_KEEP_HOURS``
    (:func:`sweep_uploads`).
    """
    now = time.time() if now is None else now
    removed = 0
    base = exchange_dir()
    candidates = [*(base / "reports").glob("*.part"), *(base / "tmp").glob("*")]
    for path in candidates:
        try:
            if path.is_file() and now - path.stat().st_mtime > max_age:
                path.unlink()
                removed += 1
        except OSError:  # gone meanwhile, or not ours to delete: leave it
            continue
    return removed + sweep_uploads(now)


def uploads_dir() -> Path:
    return exchange_dir() / "uploads"


def upload_path(uid: object) -> Path:
    """Where a pending upload's bytes are kept: its UUID, never the uploader's file name (U24)."""
    return uploads_dir() / str(uid)


def upload_keep_seconds() -> float:
    return float(getattr(settings, "JIUZHU_UPLOAD_KEEP_HOURS", UPLOAD_KEEP_HOURS)) * 3600


def sweep_uploads(now: float | None = None) -> int:
    """Forget uploads previewed but neither confirmed nor cancelled in time (R27): their rows
    and files, and any file without a row; returns how many files were removed."""
    now = time.time() if now is None else now
    keep = upload_keep_seconds()
    cutoff = dt.datetime.fromtimestamp(now - keep, tz=dt.UTC)
    PendingUpload.objects.filter(created_at__lt=cutoff).delete()
    alive = {str(u) for u in PendingUpload.objects.values_list("uid", flat=True)}
    removed = 0
    for path in uploads_dir().glob("*"):
        try:
            if path.is_file() and path.name not in alive and now - path.stat().st_mtime > 60:
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed
