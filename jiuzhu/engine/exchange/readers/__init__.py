"""Streaming readers for department files: CSV, XLSX, JSON lines and Parquet, one module each.

Pure Python, no Django.  Issue 4 §2; RELIABILITY R32, U8–U14, U22–U24.

:func:`open_table` checks the file as a whole *before* yielding a single row: size,
format (by content, not by name), encoding, zip-bomb and XML-entity pre-scan, formula
and merged cells, row count and header.  Any of those fails → :class:`ExchangeFileError`
and nothing of the file is used.  The content hash (SM3, the batch identity with the
source, R22) is computed during that same pre-scan, so the caller can recognise a file
it has already imported before validating a row.

Iterating the reader then yields :class:`RawRow` (field name → cell value as found) or
:class:`RowError` (a line that cannot be split safely), one at a time: memory does not
grow with the number of rows.  Typing the values is :mod:`~jiuzhu.engine.exchange.validate`'s job.

Row numbers are what the user sees: the spreadsheet row, or the physical line of a CSV
or JSON-lines file (header = 1); for Parquet the 1-based record number.

Modules: ``base`` (limits, raw rows, hashing, format detection, the reader base class),
``headers`` (header rows), ``text`` (encoding and line scan of text files), ``csvfile``,
``xlsx``, ``jsonl``, ``parquet`` (one reader per format).
"""

from __future__ import annotations

import io
import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Final

from jiuzhu.engine.exchange.errors import ExchangeFileError, file_error
from jiuzhu.engine.exchange.readers.base import (
    CLI_LIMITS,
    HASH_ALGORITHM,
    UI_LIMITS,
    ColumnInfo,
    ColumnMapping,
    FileFormat,
    Limits,
    RawRow,
    Skipped,
    TableReader,
    detect_format,
    display_name,
    fmt_bytes,
    hash_file,
)
from jiuzhu.engine.exchange.readers.csvfile import CsvReader
from jiuzhu.engine.exchange.readers.jsonl import JsonLinesReader
from jiuzhu.engine.exchange.readers.parquet import ParquetReader
from jiuzhu.engine.exchange.readers.xlsx import XlsxReader
from jiuzhu.rules.exchange.sources import Source

__all__ = [
    "CLI_LIMITS",
    "HASH_ALGORITHM",
    "UI_LIMITS",
    "ColumnInfo",
    "ColumnMapping",
    "CsvReader",
    "FileFormat",
    "JsonLinesReader",
    "Limits",
    "ParquetReader",
    "RawRow",
    "Skipped",
    "TableReader",
    "XlsxReader",
    "detect_format",
    "display_name",
    "hash_file",
    "open_table",
]

# --------------------------------------------------------------------------- entry point

_READERS: Final[dict[FileFormat, type[TableReader]]] = {
    "csv": CsvReader,
    "xlsx": XlsxReader,
    "jsonl": JsonLinesReader,
    "parquet": ParquetReader,
}


def open_table(
    source: Source,
    file: str | os.PathLike[str] | IO[bytes],
    *,
    filename: str | None = None,
    limits: Limits = UI_LIMITS,
    mapping: ColumnMapping | None = None,
) -> TableReader:
    """Open and pre-check a department file for *source*; raise :class:`ExchangeFileError`.

    *file* is a path or a seekable binary file object (a Django ``UploadedFile``'s
    ``.file`` works).  *filename* is the name the uploader gave (only its extension is
    used, and only together with the content); it defaults to the path's name.  The
    returned reader must be closed; it owns the file only if it opened it.  *mapping* is
    the department's own column names (header text → field, or None to ignore the column).

    Every whole-file check happens here, before any row is yielded (see the module
    docstring); anything that is not our own :class:`ExchangeFileError` escaping from a
    parser is turned into one, so a hostile file can only produce that error type.
    """
    owns = not hasattr(file, "read")
    if owns:
        path = Path(file)  # type: ignore[arg-type]
        f: IO[bytes] = open(path, "rb")  # noqa: SIM115 - closed by the reader
        name = filename or path.name
    else:
        f = file  # type: ignore[assignment]
        name = filename or str(getattr(file, "name", "") or "")
    try:
        f.seek(0, io.SEEK_END)
        size = f.tell()
        if size == 0:
            raise file_error("empty_file")
        if size > limits.max_bytes:
            raise file_error("too_large", limit=fmt_bytes(limits.max_bytes))
        f.seek(0)
        head = f.read(64)
        f.seek(max(size - 8, 0))
        tail = f.read(8)
        f.seek(0)
        fmt = detect_format(name, head, tail)
        try:
            return _READERS[fmt](source, f, limits=limits, owns_file=owns, mapping=mapping)
        except (ExchangeFileError, MemoryError):
            raise
        except UnicodeDecodeError:
            raise file_error("encoding", line="?") from None
        except Exception as e:  # a parser bug or hostile input: never a raw traceback
            raise file_error("corrupt", detail="", detail_en=f" ({type(e).__name__})") from None
    except BaseException:
        if owns:
            f.close()
        raise


# Re-exported for validate.py's type checks of values read from files.
CELL_TYPES: Final = (str, int, float, bool, Decimal, date, datetime)
