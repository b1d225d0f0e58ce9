"""Data exchange with departments, ingestion side (issue 4): read, check, report.

Pure Python, no Django.  ``open_table`` pre-checks a file and streams its rows,
``Validator`` types and checks them against a declared source
(:mod:`jiuzhu.rules.exchange.sources`), ``write_error_report`` writes the row-error
workbook.  ``validate_file`` does all three steps for UI-sized files and dry runs.

For large imports, ``Validator.batches`` validates CSV and Parquet column-wise per block
(:mod:`~jiuzhu.engine.exchange.validate.fastcsv`, :mod:`~jiuzhu.engine.exchange.validate.fastparquet`,
falling back to the per-row rules for every row it cannot prove valid) and yields typed Arrow batches
for the staging file (:mod:`~jiuzhu.engine.exchange.staging`); :mod:`~jiuzhu.engine.exchange.commit`
prepares the database commit's texts of a block column-wise.
"""

from jiuzhu.engine.exchange.errors import ExchangeFileError, RowError
from jiuzhu.engine.exchange.readers import (
    CLI_LIMITS,
    HASH_ALGORITHM,
    UI_LIMITS,
    ColumnInfo,
    ColumnMapping,
    Limits,
    RawRow,
    Skipped,
    TableReader,
    display_name,
    hash_file,
    open_table,
)
from jiuzhu.engine.exchange.report import write_error_report
from jiuzhu.engine.exchange.staging import StagingFile
from jiuzhu.engine.exchange.validate import (
    KeyReport,
    MemoryKeyTracker,
    Notice,
    PartitionedKeyTracker,
    PersonCheck,
    PreviewCollector,
    SampleRow,
    SqliteKeyTracker,
    ValidationOutcome,
    Validator,
    ValidBatch,
    ValidRow,
    mask_value,
    no_valid_rows,
    staging_schema,
    validate_file,
)

__all__ = [
    "CLI_LIMITS",
    "HASH_ALGORITHM",
    "UI_LIMITS",
    "ColumnInfo",
    "ColumnMapping",
    "ExchangeFileError",
    "KeyReport",
    "Limits",
    "MemoryKeyTracker",
    "Notice",
    "PartitionedKeyTracker",
    "PersonCheck",
    "PreviewCollector",
    "RawRow",
    "RowError",
    "SampleRow",
    "Skipped",
    "SqliteKeyTracker",
    "StagingFile",
    "TableReader",
    "ValidBatch",
    "ValidRow",
    "ValidationOutcome",
    "Validator",
    "display_name",
    "hash_file",
    "mask_value",
    "no_valid_rows",
    "open_table",
    "staging_schema",
    "validate_file",
    "write_error_report",
]
