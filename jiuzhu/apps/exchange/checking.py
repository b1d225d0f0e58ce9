"""One validation of a department file, shared by the import, its preview and the dry run.

:func:`check_file` reads and validates a file once, as every way in does (issue 14 item 5): the
department's column mapping, the uploader's region and person scope (:mod:`.scope`), the upload
day for future dates, duplicates, and "no valid row is no delivery".  :func:`batch_preview`
adds whether the very same file was imported before; ``jiuzhu import --dry-run`` prints its
:meth:`Preview.to_dict`, the upload page shows it before the officer confirms.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import signal
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.http import Http404
from django.utils import timezone

from jiuzhu.engine.exchange import (
    UI_LIMITS,
    ExchangeFileError,
    Limits,
    MemoryKeyTracker,
    PartitionedKeyTracker,
    PreviewCollector,
    RowError,
    SampleRow,
    StagingFile,
    Validator,
    display_name,
    hash_file,
    mask_value,
    no_valid_rows,
    open_table,
    staging_schema,
)
from jiuzhu.rules.exchange.sources import SOURCES, Source

from .choices import TERMINAL_STATES
from .files import exchange_dir
from .mapping import mapping_for
from .models import ImportBatch
from .scope import PersonScope, RegionCheck, audit_refusals, check_can_upload

CHUNK = 500
PREVIEW_ERRORS = 200


class Hook:
    """The crash-test harness: SIGKILL after N rows (``JIUZHU_EXCHANGE_DIE_AFTER``)."""

    def __init__(self) -> None:
        self.left = int(os.environ.get("JIUZHU_EXCHANGE_DIE_AFTER", "0") or 0)

    def tick(self, n: int = 1) -> None:
        if self.left:
            self.left = max(self.left - n, 0)
            if self.left == 0:
                os.kill(os.getpid(), signal.SIGKILL)


class Stage:
    """Rows written as pickled chunks to a temporary file (our own data, read back by us)."""

    def __init__(self) -> None:
        d = exchange_dir() / "tmp"
        d.mkdir(parents=True, exist_ok=True)
        self._f = tempfile.TemporaryFile(dir=d)  # noqa: SIM115 - closed in close()
        self._buf: list[Any] = []
        self.count = 0

    def add(self, item: Any) -> None:
        self._buf.append(item)
        self.count += 1
        if len(self._buf) >= CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self._buf:
            pickle.dump(self._buf, self._f, protocol=pickle.HIGHEST_PROTOCOL)
            self._buf = []

    def chunks(self) -> Iterator[list[Any]]:
        self._flush()
        self._f.seek(0)
        while True:
            try:
                yield pickle.load(self._f)  # noqa: S301 - written by this process just now
            except EOFError:
                return

    def items(self) -> Iterator[Any]:
        for chunk in self.chunks():
            yield from chunk

    def close(self) -> None:
        self._f.close()


@dataclass
class Checked:
    """The verdict on one file: the same for a preview, a dry run and an import.

    ``rows``/``valid``/``invalid`` count data rows; ``errors`` are the first
    :data:`PREVIEW_ERRORS` row errors (as JSON); ``skipped``, ``columns`` and ``notices`` say what
    the reader did; ``provided`` the fields each sheet has a column for.  For an import
    ``staging`` holds the valid rows and ``report`` the error report's temporary form.
    """

    file_error: ExchangeFileError | None = None
    format: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    rows: int = 0
    valid: int = 0
    invalid: int = 0
    errors_total: int = 0
    errors: list[dict[str, object]] = field(default_factory=list)
    skipped: list[dict[str, object]] = field(default_factory=list)
    columns: list[dict[str, object]] = field(default_factory=list)
    notices: list[dict[str, object]] = field(default_factory=list)
    provided: dict[str | None, frozenset[str]] = field(default_factory=dict)
    sample: list[SampleRow] = field(default_factory=list)
    drop: frozenset[tuple[str | None, int]] = frozenset()
    staging: StagingFile | None = None
    report: Stage | None = None

    @property
    def rejected(self) -> bool:
        return self.file_error is not None


def check_file(actor: Any, source: Source, f: IO[bytes], filename: str, *, limits: Limits,
               today: dt.date | None, mapping: Mapping[str, str | None] | None, period_end: dt.date | None,
               stage: bool, audit_as: tuple[str, object], stage_label: str,
               hook: Hook | None = None) -> Checked:
    """Read and validate a file once, as every way in does (issue 14 item 5).

    Applies the column *mapping*, the uploader's region and person scope and the upload day
    (no date after *today*, nor after *period_end*, where a field cannot be in the future).
    With *stage*, valid rows go to a staging file and errors to a report stage for the commit.
    Refusals of region codes and persons are audited against *audit_as* (object type, id).
    """
    today = today or timezone.localdate()
    (exchange_dir() / "tmp").mkdir(parents=True, exist_ok=True)
    out = Checked()
    regions = RegionCheck(actor)
    persons = PersonScope.for_actor(actor)
    out.report = Stage() if stage else None
    out.staging = StagingFile(staging_schema(source), exchange_dir() / "tmp") if stage else None
    collect = PreviewCollector()

    def note(err: RowError) -> None:
        out.errors_total += 1
        if out.report is not None:
            out.report.add(err)
        if len(out.errors) < PREVIEW_ERRORS:
            out.errors.append(err.to_dict())

    try:
        reader = open_table(source, f, filename=filename, limits=limits, mapping=mapping)
    except ExchangeFileError as e:
        out.file_error = e
    else:
        with reader:
            out.format, out.encoding, out.delimiter = reader.format, reader.encoding, reader.delimiter
            out.columns = [c.to_dict() for c in reader.column_info]
            out.provided = dict(reader.provided)
            tracker = (PartitionedKeyTracker(str(exchange_dir() / "tmp")) if limits.max_rows > 1_000_000
                       else MemoryKeyTracker())
            v = Validator(source, region_ok=regions, today=today, spreadsheet=reader.float_cells,
                          columns=reader.columns, key_tracker=tracker, person_check=persons, period_end=period_end)
            try:
                # Column-wise per block (CSV), row by row otherwise; valid rows are staged as
                # typed Arrow batches (jiuzhu.engine.exchange.staging).
                for vb in v.batches(reader):
                    if hook is not None:
                        hook.tick(vb.rows)
                    if out.staging is not None:
                        out.staging.add(vb.valid)
                    collect.add(vb)
                    for err in vb.errors:
                        note(err)
            except ExchangeFileError as e:  # found mid-stream (a second header row...)
                out.file_error = e
            report = v.finish()
            out.skipped = [s.to_dict() for s in reader.skipped]
            if out.file_error is None:
                for err in report.errors:
                    note(err)
                out.drop = report.drop
                out.rows, out.valid, out.invalid = v.rows_seen, v.rows_valid, v.rows_invalid
                out.sample, notices = collect.result(report.errors)
                out.notices = [n.to_dict() for n in notices]
                if out.valid == 0:  # nothing to store: not a delivery (issue 14 item 4)
                    out.file_error = no_valid_rows(out.rows)
    if out.file_error is not None:
        row = out.file_error.as_row_error()
        if out.file_error.code == "no_valid_rows":  # keep the row errors: they say what to fix
            out.errors.insert(0, row.to_dict())
            if out.report is not None:
                rest = out.report
                out.report = Stage()
                out.report.add(row)
                for item in rest.items():
                    out.report.add(item)
                rest.close()
            out.errors_total += 1
        else:
            out.rows = out.valid = out.invalid = 0
            out.errors, out.errors_total = [row.to_dict()], 1
            if out.report is not None:
                out.report.close()
                out.report = Stage()
                out.report.add(row)
        if out.staging is not None:
            out.staging.close()
            out.staging = None
    audit_refusals(actor, source, regions, persons, audit_as[0], audit_as[1], stage_label)
    return out


def resolve_mapping(source: Source, department: str | None,
                    mapping: Mapping[str, str | None] | None) -> dict[str, str | None]:
    """The mapping to use: the one given, else the saved one of *department* (default: the
    feed's own department)."""
    if mapping is not None:
        return dict(mapping)
    return mapping_for(source.key, department or source.department)


@dataclass
class Preview:
    """What importing a file would do, decided by the import's own validation (nothing stored).

    ``existing`` is the batch of the same file (source, SM3) if it was imported or rejected
    before: importing it again would change nothing.
    """

    source: Source
    filename: str
    size: int
    content_hash: str
    checked: Checked
    existing: ImportBatch | None
    mapping: dict[str, str | None]
    period_end: dt.date | None = None

    def to_dict(self, max_errors: int | None = None) -> dict[str, Any]:
        """JSON for ``jiuzhu import --dry-run`` and the preview page (values masked)."""
        c = self.checked
        errors = c.errors if max_errors is None else c.errors[:max_errors]
        existing = self.existing
        return {
            "source": self.source.key, "filename": self.filename, "size": self.size,
            "content_hash": self.content_hash, "format": c.format, "encoding": c.encoding,
            "delimiter": c.delimiter, "rejected": c.rejected,
            "file_error": (None if c.file_error is None else
                           {"code": c.file_error.code, "message": c.file_error.message_zh,
                            "message_en": c.file_error.message_en,
                            "unknown_columns": [{"column": col, "suggestion": sug}
                                                for col, sug in c.file_error.unknown]}),
            "rows": c.rows, "valid": c.valid, "rows_with_errors": c.invalid,
            "errors_total": c.errors_total, "errors": errors,
            "already_imported": (None if existing is None else
                                 {"batch": existing.pk, "state": existing.state,
                                  "received_at": existing.received_at.isoformat()}),
            "columns": c.columns, "skipped": c.skipped, "notices": c.notices,
            "mapping": self.mapping,
            "period_end": self.period_end.isoformat() if self.period_end else None,
            "sample": sample_display(self.source, c.sample),
        }


def batch_preview(
    actor: Any,
    source_key: str,
    file: IO[bytes] | str | os.PathLike[str],
    filename: str,
    limits: Limits = UI_LIMITS,
    today: dt.date | None = None,
    *,
    department: str | None = None,
    mapping: Mapping[str, str | None] | None = None,
    period_end: dt.date | None = None,
    channel: str = "ui",
) -> Preview:
    """The import's validation of a file, without storing it (issue 14 items 5 and 9).

    The same checks and verdict as :func:`batch_import` — mapping, region and person scope,
    future dates, duplicates, "no valid row" — and whether this very file was imported before.
    Refusals of out-of-scope regions and persons are audited (``stage="preview"``).
    """
    source = SOURCES.get(source_key)
    if source is None:
        raise Http404(source_key)
    check_can_upload(actor, source, channel)
    used = resolve_mapping(source, department, mapping)
    owns = not hasattr(file, "read")
    f: IO[bytes] = open(file, "rb") if owns else file  # type: ignore[arg-type,assignment]  # noqa: SIM115
    try:
        content_hash = hash_file(f)
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(0)
        checked = check_file(actor, source, f, filename, limits=limits, today=today, mapping=used,
                             period_end=period_end, stage=False, audit_as=("source", source.key),
                             stage_label="preview")
    finally:
        if owns:
            f.close()
    existing = ImportBatch.objects.filter(source=source.key, content_hash=content_hash,
                                          state__in=TERMINAL_STATES).first()
    return Preview(source, display_name(filename or "upload"), size, content_hash, checked, existing, used,
                   period_end)


def sample_display(source: Source, sample: list[SampleRow]) -> list[dict[str, Any]]:
    """The first rows as parsed, for the eye: personal values masked, codes by their label,
    yes/no, ISO dates, amounts with two decimals; or the row's errors."""
    out: list[dict[str, Any]] = []
    for s in sample:
        cells = None
        if s.values is not None:
            cells = {f.name: _shown(f, s.values.get(f.name)) for f in source.fields}
        out.append({"sheet": s.sheet, "row": s.row, "cells": cells, "errors": [e.to_dict() for e in s.errors]})
    return out


def _shown(f: Any, value: object) -> str:
    if value is None:
        return ""
    if f.personal or f.type in ("id_number", "mobile"):
        return mask_value(f, str(value))
    if f.type == "code":
        return str(dict(f.choices).get(str(value), str(value)))
    if f.type == "bool":
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m") if f.month else value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


