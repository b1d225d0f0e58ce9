"""The row-error report as an Excel workbook (RELIABILITY R23, R31).

Pure Python, no Django.  Columns: 工作表 / 行 / 列 / 错误代码 / 错误说明 / Error / 值(已脱敏).

Two export hazards are handled here rather than trusted to callers:

* **Formula injection.**  Every text cell is written with ``data_type = 's'`` (openpyxl
  otherwise stores any string starting with ``=`` as a formula), and a text starting with
  ``= + - @``, TAB or CR also gets Excel's own *quote prefix* (the cell style's
  ``quotePrefix``): Excel and WPS keep it text even when the cell is edited, and the officer
  reads the value exactly as it was (``-100``, ``=A1``), without the literal apostrophe that
  R31 asks for in CSV exports (:func:`sanitise_cell`; issue 14 item 6).
* **Characters XML cannot hold.**  Control characters (from a damaged upload) would make
  openpyxl raise, losing the whole report; they are shown as ``\\xNN``.

The workbook is written in openpyxl's write-only mode, so a report of hundreds of
thousands of errors streams to disk instead of building in memory.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import IO, Final

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from jiuzhu.engine.exchange.errors import RowError

__all__ = ["MAX_REPORT_ROWS", "REPORT_HEADERS", "sanitise_cell", "write_error_report"]

REPORT_HEADERS: Final = ("工作表", "行", "列", "错误代码", "错误说明", "Error", "值(已脱敏)")
# Excel's sheet limit is 1,048,576 rows; keep one for the header and one for the note.
MAX_REPORT_ROWS: Final = 1_048_574
_FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")


def sanitise_cell(value: str) -> str:
    """Make text safe to put in a spreadsheet cell (R31).

    Illegal XML control characters become ``\\xNN``; text that a spreadsheet could run
    as a formula gets a leading apostrophe.
    """
    value = ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group(0)):02x}", value)
    if value.startswith(_FORMULA_TRIGGERS):
        value = "'" + value
    return value


def _cell(ws: object, value: object, bold: bool = False) -> WriteOnlyCell:
    if value == "":
        value = None  # an empty cell, not an empty inline string
    if isinstance(value, str):
        c = WriteOnlyCell(ws, value=None)
        # Set value and type directly: assigning a str starting with "=" through the
        # normal setter would make it a formula.
        text = ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group(0)):02x}", value)
        c._value = text
        c.data_type = "s"
        if text.startswith(_FORMULA_TRIGGERS):
            c.quotePrefix = True
    else:
        c = WriteOnlyCell(ws, value=value)
    if bold:
        c.font = Font(bold=True)
    return c


def write_error_report(
    errors: Iterable[RowError],
    out: str | os.PathLike[str] | IO[bytes],
    *,
    title: str = "错误明细",
) -> int:
    """Write *errors* as an XLSX report to *out* (a path or a binary file); return the count.

    Errors are written in the order given (callers pass them sorted by sheet and row).
    Beyond :data:`MAX_REPORT_ROWS` a final note says how many were left out.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title)
    ws.append([_cell(ws, h, bold=True) for h in REPORT_HEADERS])
    written = 0
    skipped = 0
    for e in errors:
        if written >= MAX_REPORT_ROWS:
            skipped += 1
            continue
        ws.append([
            _cell(ws, e.sheet or ""),
            _cell(ws, e.row if e.row is not None else ""),
            _cell(ws, e.column or ""),
            _cell(ws, e.code),
            _cell(ws, e.message_zh),
            _cell(ws, e.message_en),
            _cell(ws, e.value_masked),
        ])
        written += 1
    if skipped:
        ws.append([_cell(ws, ""), _cell(ws, ""), _cell(ws, ""), _cell(ws, "truncated"),
                   _cell(ws, f"另有{skipped}条错误未列出"),
                   _cell(ws, f"{skipped} more errors not listed"), _cell(ws, "")])
    wb.save(out)
    return written
