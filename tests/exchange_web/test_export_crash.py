"""K2 (a process killed during an export) and K4 (a dropped database connection during a commit).

How each export is produced decides what K2 means for it:

- **Error report (XLSX)**: written to disk during the import, to ``<uuid>.part`` and renamed
  into place; the download serves only the final name, so a kill while writing leaves no
  report to serve, the batch stays resumable, and stale ``.part``/staging files are swept
  when the next import starts (or by ``outbox_deliver``).
- **Masked household CSV** (``/households/export.csv``): streamed from the database, nothing
  is written to disk; a dropped connection or a killed worker ends the chunked response
  without its final chunk, which HTTP clients report as a failed download.
- **Chain CSV** (``/households/<pk>/chain.csv``): built in memory and sent with a
  ``Content-Length``, so a truncated transfer is detectable; nothing on disk.

K4 is tested in tests/exchange_web/test_exchange_web.py::
test_a_database_error_during_commit_marks_the_batch_failed_and_a_retry_commits (an error from
the database mid-commit); ``test_a_connection_lost_at_the_final_commit_*`` here adds the case
where the connection drops at the very end, after every row was written.
"""

from __future__ import annotations

import io
import os
import time
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.db import OperationalError

from jiuzhu.apps.exchange import services
from jiuzhu.apps.exchange.models import DepartmentRecord, ImportBatch

from .conftest import HEAD_INSIDE, csv_bytes

pytestmark = pytest.mark.django_db
BAD_ROWS = csv_bytes([["id_number", "death_date"], [HEAD_INSIDE, "2025-03-07"], ["123", "2025-03-07"],
                      ["360124198001010011", "not a date"]])


class _Killed(BaseException):
    """Stands in for SIGKILL: nothing after it runs, no ``except Exception`` catches it."""


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_a_kill_while_writing_the_error_report_serves_nothing_partial(
        client: Any, users: dict[str, Any], _exchange_dir: Path) -> None:
    real = services.write_error_report

    def dies_half_way(errors: Any, path: Path) -> None:
        path.write_bytes(b"PK\x03\x04 half an xlsx")
        raise _Killed

    with mock.patch.object(services, "write_error_report", dies_half_way), pytest.raises(_Killed):
        services.batch_import(users["county"], "health_deaths", io.BytesIO(BAD_ROWS), "d.csv", "ui")
    batch = ImportBatch.objects.get()
    assert batch.state == "received" and batch.error_report == ""  # nothing points at the debris
    parts = list((_exchange_dir / "reports").glob("*.part"))
    assert len(parts) == 1 and not list((_exchange_dir / "reports").glob("*.xlsx"))
    client.force_login(users["county"])
    assert client.get(f"/exchange/batches/{batch.pk}/report/").status_code == 404

    # The next import resumes the batch and writes a complete report; fresh debris is left
    # alone (it could belong to a running import), old debris is swept.
    with mock.patch.object(services, "write_error_report", real):
        again = services.batch_import(users["county"], "health_deaths", io.BytesIO(BAD_ROWS), "d.csv", "ui")
    assert again.batch.pk == batch.pk and again.batch.state == "committed" and again.batch.errors_total == 2
    assert parts[0].exists()
    old = time.time() - services.STALE_TEMP_SECONDS - 60
    os.utime(parts[0], (old, old))
    assert services.sweep_stale_temp() == 1 and not parts[0].exists()
    r = client.get(f"/exchange/batches/{batch.pk}/report/")
    body = b"".join(r.streaming_content)
    assert r.status_code == 200 and int(r["Content-Length"]) == len(body) and body.startswith(b"PK")


def test_stale_staging_files_are_swept_when_an_import_starts(users: dict[str, Any], _exchange_dir: Path) -> None:
    tmp = _exchange_dir / "tmp"
    tmp.mkdir(parents=True)
    stale, fresh = tmp / "tmpabc.keys.sqlite", tmp / "tmpdef"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"y")
    old = time.time() - services.STALE_TEMP_SECONDS - 1
    os.utime(stale, (old, old))
    services.batch_import(users["county"], "health_deaths", io.BytesIO(BAD_ROWS), "d.csv", "ui")
    assert not stale.exists() and fresh.exists()


def test_the_masked_household_export_streams_and_writes_nothing(
        client: Any, settings: Any, users: dict[str, Any], households: dict[str, Any], _exchange_dir: Path) -> None:
    before = _files(Path(settings.VAR_DIR)) | _files(_exchange_dir)
    client.force_login(users["province"])
    # A bulk export is asked for with a purpose (ADR 0025), then streamed from the privacy app.
    start = client.get("/households/export.csv")
    assert start.status_code == 302 and start["Location"] == "/exports/new/registry.households/"
    made = client.post(start["Location"], {"purpose": "case_handling"})
    assert made.status_code == 302
    r = client.get(made["Location"] + "download/")
    assert r.status_code == 200 and r.streaming and "Content-Length" not in r
    chunks = iter(r.streaming_content)
    next(chunks)
    r.close()  # the client went away after the first chunk
    assert _files(Path(settings.VAR_DIR)) | _files(_exchange_dir) == before


def test_the_chain_export_is_whole_or_nothing(client: Any, users: dict[str, Any], households: dict[str, Any],
                                              _exchange_dir: Path) -> None:
    client.force_login(users["county"])
    r = client.get(f"/households/{households['inside'].pk}/chain.csv")
    assert r.status_code == 200 and not r.streaming
    assert int(r["Content-Length"]) == len(r.content)
    assert not _files(_exchange_dir)


def test_a_connection_lost_at_the_final_commit_marks_the_batch_failed_and_retryable(users: dict[str, Any]) -> None:
    data = csv_bytes([["id_number", "death_date"], [HEAD_INSIDE, "2025-03-07"]])
    real_save = ImportBatch.save

    def drop_on_commit(self: ImportBatch, *args: Any, **kwargs: Any) -> None:
        if self.state == "committed":
            raise OperationalError("server closed the connection unexpectedly")
        real_save(self, *args, **kwargs)

    with mock.patch.object(ImportBatch, "save", drop_on_commit):
        b = services.batch_import(users["county"], "health_deaths", io.BytesIO(data), "d.csv", "api").batch
    assert b.state == "failed" and DepartmentRecord.objects.count() == 0  # the rows were rolled back
    from jiuzhu.apps.core.models import AuditEvent

    assert AuditEvent.objects.filter(event="exchange.batch_failed", object_id=str(b.pk), outcome="error").exists()
    again = services.batch_import(users["county"], "health_deaths", io.BytesIO(data), "d.csv", "api").batch
    assert again.pk == b.pk and again.state == "committed" and DepartmentRecord.objects.count() == 1
