"""One call for a whole file: :func:`validate_file` → :class:`ValidationOutcome` (UI-sized files, dry runs).

Pure Python, no Django.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import IO

from jiuzhu.engine.exchange.errors import ExchangeFileError, RowError
from jiuzhu.engine.exchange.readers import UI_LIMITS, Limits, TableReader, open_table
from jiuzhu.engine.exchange.validate.cells import RegionCheck
from jiuzhu.engine.exchange.validate.keys import KeyTracker, PartitionedKeyTracker
from jiuzhu.engine.exchange.validate.validator import Validator, ValidRow
from jiuzhu.rules.exchange.sources import Source

# --------------------------------------------------------------------------- one call


@dataclass
class ValidationOutcome:
    """Everything about one file: for the UI, the API and ``--dry-run``.

    ``rejected`` is True when the file as a whole was refused (``file_error`` is set and
    no row was read).  ``rows`` counts data rows read (valid or not); ``valid`` the rows
    that may be stored; ``valid_rows`` holds them if they were kept.  ``errors`` is capped
    at ``max_errors``; ``errors_total`` is the true count.
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

    @property
    def rejected(self) -> bool:
        return self.file_error is not None

    def to_dict(self, max_errors: int | None = None) -> dict[str, object]:
        """JSON-ready report (``rows``, ``valid``, ``errors`` with row/column/code/message)."""
        errs = self.errors if max_errors is None else self.errors[:max_errors]
        return {
            "source": self.source,
            "format": self.format,
            "content_hash": self.content_hash,
            "rejected": self.rejected,
            "rows": self.rows,
            "valid": self.valid,
            "errors_total": self.errors_total,
            "errors": [e.to_dict() for e in errs],
        }


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
) -> ValidationOutcome:
    """Read and validate a whole file; never raises for bad content.

    Returns a :class:`ValidationOutcome` whose ``valid_rows`` (if *keep_rows*) already
    exclude duplicate and conflicting rows.  Meant for UI-sized files and dry runs; for
    10 M-row imports use :func:`open_table` + :class:`Validator` and stage rows while
    streaming (see ``docs/decisions/0005-exchange-parsing.md``).
    """
    out = ValidationOutcome(source=source.key)
    try:
        reader: TableReader = open_table(source, file, filename=filename, limits=limits)
    except ExchangeFileError as e:
        out.file_error = e
        out.errors = [e.as_row_error()]
        out.errors_total = 1
        return out
    with reader:
        out.format, out.content_hash, out.size = reader.format, reader.content_hash, reader.size
        if key_tracker is None and limits.max_rows > 1_000_000:
            key_tracker = PartitionedKeyTracker()
        v = Validator(source, region_ok=region_ok, today=today, spreadsheet=reader.float_cells,
                      columns=reader.columns, key_tracker=key_tracker)

        def note(err: RowError) -> None:
            out.errors_total += 1
            if len(out.errors) < max_errors:
                out.errors.append(err)

        try:
            for vb in v.batches(reader):
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
    out.errors.sort(key=lambda e: (e.sheet or "", e.row or 0))
    return out
