"""Validation of department files against their declared feed, in a few modules.

Pure Python, no Django.  Issue 4 §2; RELIABILITY R23, R28–R30, U1–U7, U15–U21, U25.

* ``cells``     — one cell of a declared type → its canonical value (or a coded failure),
  and the masking of values in row reports;
* ``columns``   — the same checks column-wise over Arrow arrays (the fast path), the
  staging schema and the digests shared by both paths;
* ``fastcsv``   — the column-wise CSV path: blocks of lines, split and checked as columns;
* ``keys``      — natural-key trackers (duplicates and conflicts within a file, U7);
* ``validator`` — :class:`Validator`: rows or blocks in, valid rows and row errors out;
* ``outcome``   — :func:`validate_file`, the one call for UI-sized files and dry runs.
"""

from __future__ import annotations

from jiuzhu.engine.exchange.validate.cells import RegionCheck, RowRef, mask_value
from jiuzhu.engine.exchange.validate.columns import staging_schema
from jiuzhu.engine.exchange.validate.keys import (
    KeyReport,
    KeyTracker,
    MemoryKeyTracker,
    PartitionedKeyTracker,
    SqliteKeyTracker,
)
from jiuzhu.engine.exchange.validate.outcome import (
    SAMPLE_ROWS,
    Notice,
    PreviewCollector,
    SampleRow,
    ValidationOutcome,
    no_valid_rows,
    validate_file,
)
from jiuzhu.engine.exchange.validate.validator import PersonCheck, Validator, ValidBatch, ValidRow

__all__ = [
    "SAMPLE_ROWS",
    "KeyReport",
    "KeyTracker",
    "MemoryKeyTracker",
    "Notice",
    "PartitionedKeyTracker",
    "PersonCheck",
    "PreviewCollector",
    "RegionCheck",
    "RowRef",
    "SampleRow",
    "SqliteKeyTracker",
    "ValidBatch",
    "ValidRow",
    "ValidationOutcome",
    "Validator",
    "mask_value",
    "no_valid_rows",
    "staging_schema",
    "validate_file",
]
