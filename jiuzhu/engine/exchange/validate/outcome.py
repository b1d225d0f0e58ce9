"""One call for a whole file: :func:`validate_file` → :class:`ValidationOutcome` (UI-sized files, dry runs).

Pure Python, no Django.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Final

import numpy as np
import pyarrow.compute as pc

from jiuzhu.engine.exchange.errors import ExchangeFileError, RowError, file_error
from jiuzhu.engine.exchange.readers import (
    UI_LIMITS,
    ColumnInfo,
    ColumnMapping,
    Limits,
    Skipped,
    TableReader,
    open_table,
)
from jiuzhu.engine.exchange.validate.cells import RegionCheck
from jiuzhu.engine.exchange.validate.columns import batch_items
from jiuzhu.engine.exchange.validate.keys import KeyTracker, PartitionedKeyTracker
from jiuzhu.engine.exchange.validate.validator import PersonCheck, Validator, ValidBatch, ValidRow
from jiuzhu.rules.exchange.sources import Source

# --------------------------------------------------------------------------- one call

SAMPLE_ROWS: Final = 20  # rows shown as parsed in a preview


def no_valid_rows(rows: int) -> ExchangeFileError:
    """A file with no row to store is not a delivery (issue 14 item 4): rejected as a whole.

    Rows with errors are still reported; a file of blank lines or of skipped rows only
    (titles, totals) is "no rows".
    """
    return file_error("no_valid_rows", rows=rows) if rows else file_error("no_rows")


@dataclass
class SampleRow:
    """One of the first rows of a file as parsed: typed values, or the row's errors."""

    sheet: str | None
    row: int
    values: dict[str, object] | None
    errors: list[RowError] = field(default_factory=list)


@dataclass
class Notice:
    """Something the officer should know about valid rows (e.g. 15-digit IDs upgraded, U6)."""

    code: str
    count: int
    rows: list[int]

    def to_dict(self) -> dict[str, object]:
        zh, en = NOTICES[self.code]
        return {"code": self.code, "count": self.count, "rows": self.rows,
                "message": zh.format(count=self.count), "message_en": en.format(count=self.count)}


NOTICES: Final[dict[str, tuple[str, str]]] = {
    "upgraded_from_15": (
        "{count}个15位身份证号已升级为18位；这些记录不会自动与登记库中的人员匹配，请人工核对",
        "{count} 15-digit ID numbers were upgraded to 18 digits; these records are never matched "
        "with registry members automatically: check them by hand",
    ),
}


@dataclass
class ValidationOutcome:
    """Everything about one file: for the UI, the API and ``--dry-run``.

    ``rejected`` is True when the file as a whole was refused (``file_error`` is set), also
    when no row of it can be stored (every row in error, or blank lines only).  ``rows``
    counts data rows read (valid or not); ``valid`` the rows that may be stored;
    ``valid_rows`` holds them if they were kept.  ``errors`` is capped at ``max_errors``;
    ``errors_total`` is the true count.  ``columns`` (each column found and the field it
    feeds), ``skipped`` (title rows, totals, footers, sheets not read), ``sample`` (the first
    rows as parsed) and ``notices`` are what a preview shows.
    """

    source: str
    format: str | None = None
    content_hash: str | None = None
    size: int = 0
    rows: int = 0
    valid: int = 0
    errors: list[RowError] = field(default_factory=list)
    errors_total: int = 0
    valid_rows: list[ValidRow] = field(default_factory=list)
    file_error: ExchangeFileError | None = None
    encoding: str | None = None
    delimiter: str | None = None
    columns: list[ColumnInfo] = field(default_factory=list)
    provided: dict[str | None, frozenset[str]] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    sample: list[SampleRow] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return self.file_error is not None

    def to_dict(self, max_errors: int | None = None) -> dict[str, object]:
        """JSON-ready report (``rows``, ``valid``, ``errors`` with row/column/code/message)."""
        errs = self.errors if max_errors is None else self.errors[:max_errors]
        listed = [e.to_dict() for e in errs]
        if self.file_error is not None and not any(e.code == self.file_error.code for e in errs):
            listed.append(self.file_error.as_row_error().to_dict())  # why the file was refused
        return {
            "source": self.source,
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "content_hash": self.content_hash,
            "rejected": self.rejected,
            "file_error": (None if self.file_error is None else
                           {"code": self.file_error.code, "message": self.file_error.message_zh,
                            "message_en": self.file_error.message_en}),
            "rows": self.rows,
            "valid": self.valid,
            "errors_total": self.errors_total,
            "errors": listed,
            "columns": [c.to_dict() for c in self.columns],
            "skipped": [s.to_dict() for s in self.skipped],
            "notices": [n.to_dict() for n in self.notices],
        }


class PreviewCollector:
    """Gathers, while a file streams, what a preview shows: the first rows and notices.

    Cheap on big files: only the first batches are turned into Python rows; the flags of
    the others are read column-wise.
    """

    def __init__(self, sample_rows: int = SAMPLE_ROWS) -> None:
        self.limit = sample_rows
        self.sample: dict[tuple[str | None, int], SampleRow] = {}
        self.upgraded: list[int] = []
        self.upgraded_count = 0

    def add(self, vb: ValidBatch) -> None:
        batch = vb.valid
        if batch.num_rows:
            flagged = pc.list_value_length(batch.column("_flags")).to_numpy(zero_copy_only=False) > 0
            if flagged.any():
                rows = batch.column("_row").to_pylist()
                flags = batch.column("_flags").to_pylist()
                for i in np.flatnonzero(flagged).tolist():
                    if any(fl.endswith(":upgraded_from_15") for fl in flags[i]):
                        self.upgraded_count += 1
                        if len(self.upgraded) < 20:
                            self.upgraded.append(int(rows[i]))
        if len(self.sample) >= self.limit:
            return
        for sheet, row, values, _flags in batch_items(batch.slice(0, self.limit)):
            self.sample.setdefault((sheet, row), SampleRow(sheet, row, values))
        for e in vb.errors:
            if e.row is not None:
                self.sample.setdefault((e.sheet, e.row), SampleRow(e.sheet, e.row, None)).errors.append(e)

    def result(self, finish_errors: Sequence[RowError]) -> tuple[list[SampleRow], list[Notice]]:
        first = sorted(self.sample.values(), key=lambda s: (s.sheet or "", s.row))[: self.limit]
        chosen = {(s.sheet, s.row): s for s in first}
        for e in finish_errors:  # duplicates, conflicts, rounded IDs: those rows are not stored
            s = chosen.get((e.sheet, e.row or 0))
            if s is not None:
                s.values = None
                s.errors.append(e)
        notices = [Notice("upgraded_from_15", self.upgraded_count, self.upgraded)] if self.upgraded_count else []
        return first, notices


def validate_file(
    source: Source,
    file: str | IO[bytes],
    *,
    filename: str | None = None,
    limits: Limits = UI_LIMITS,
    region_ok: RegionCheck | None = None,
    today: date | None = None,
    keep_rows: bool = True,
    max_errors: int = 100_000,
    key_tracker: KeyTracker | None = None,
    mapping: ColumnMapping | None = None,
    person_check: PersonCheck | None = None,
    period_end: date | None = None,
    sample_rows: int = SAMPLE_ROWS,
) -> ValidationOutcome:
    """Read and validate a whole file; never raises for bad content.

    Returns a :class:`ValidationOutcome` whose ``valid_rows`` (if *keep_rows*) already
    exclude duplicate and conflicting rows.  Meant for UI-sized files and dry runs; for
    10 M-row imports use :func:`open_table` + :class:`Validator` and stage rows while
    streaming (see ``docs/decisions/0005-exchange-parsing.md``).
    """
    out = ValidationOutcome(source=source.key)
    try:
        reader: TableReader = open_table(source, file, filename=filename, limits=limits, mapping=mapping)
    except ExchangeFileError as e:
        out.file_error = e
        out.errors = [e.as_row_error()]
        out.errors_total = 1
        return out
    with reader:
        out.format, out.content_hash, out.size = reader.format, reader.content_hash, reader.size
        out.encoding, out.delimiter = reader.encoding, reader.delimiter
        out.columns, out.provided = list(reader.column_info), dict(reader.provided)
        if key_tracker is None and limits.max_rows > 1_000_000:
            key_tracker = PartitionedKeyTracker()
        v = Validator(source, region_ok=region_ok, today=today, spreadsheet=reader.float_cells,
                      columns=reader.columns, key_tracker=key_tracker, person_check=person_check,
                      period_end=period_end)
        collect = PreviewCollector(sample_rows)

        def note(err: RowError) -> None:
            out.errors_total += 1
            if len(out.errors) < max_errors:
                out.errors.append(err)

        try:
            for vb in v.batches(reader):
                collect.add(vb)
                if keep_rows:
                    out.valid_rows.extend(vb.valid_rows())
                for err in vb.errors:
                    note(err)
        except ExchangeFileError as e:  # found mid-stream (e.g. a second header row)
            out.file_error = e
            out.errors = [e.as_row_error()]
            out.errors_total = 1
            out.valid_rows = []
            out.rows, out.valid = 0, 0
            out.skipped = list(reader.skipped)
            v.finish()
            return out
        report = v.finish()
        for err in report.errors:
            note(err)
        if report.drop:
            out.valid_rows = [r for r in out.valid_rows if r.ref not in report.drop]
        # Rows = data rows read; a row with several bad cells counts once.
        out.rows = v.rows_seen
        out.valid = v.rows_valid
        out.skipped = list(reader.skipped)
        out.sample, out.notices = collect.result(report.errors)
    out.errors.sort(key=lambda e: (e.sheet or "", e.row or 0))
    if out.valid == 0:  # the row errors stay as they are; the file is refused as well
        out.file_error = no_valid_rows(out.rows)
        out.valid_rows = []
    return out
