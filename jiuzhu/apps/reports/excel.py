"""Formatted Excel workbooks of the statistics tables (openpyxl): one sheet per table, a bold header
row, number / money / date formats, frozen panes below the header, sensible column widths."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

INT = "#,##0"
MONEY = "#,##0.00"
DATE = "yyyy-mm-dd"
PERCENT = "0.0%"


@dataclass(frozen=True)
class Percent:
    """A share (0.857 → "85.7%" in Excel): a number cell with a percent format, never text."""

    value: Decimal


@dataclass
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    note: str = ""  # a line above the header: what the figures are, as of when, from which run


def _cell(value: Any) -> Any:
    # Text is never read as a formula (names come from our tables, but a formula in an export is a
    # classic injection); money stays exact to the fen as a number with two places.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def workbook(sheets: Sequence[Sheet]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE6F0")
    for sheet in sheets:
        ws = wb.create_sheet(sheet.title[:31])
        r0 = 1
        if sheet.note:
            ws.cell(row=1, column=1, value=sheet.note).font = Font(italic=True)
            r0 = 2
        for j, h in enumerate(sheet.headers, start=1):
            c = ws.cell(row=r0, column=j, value=h)
            c.font, c.fill = bold, fill
            c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        widths = [max(8, len(str(h)) * 2 + 2) for h in sheet.headers]
        for i, row in enumerate(sheet.rows, start=r0 + 1):
            for j, value in enumerate(row, start=1):
                c = ws.cell(row=i, column=j, value=value.value if isinstance(value, Percent) else _cell(value))
                if isinstance(value, Percent):
                    c.number_format = PERCENT
                elif isinstance(value, Decimal):
                    c.number_format = MONEY
                elif isinstance(value, bool):
                    pass
                elif isinstance(value, int):
                    c.number_format = INT
                elif isinstance(value, dt.date):
                    c.number_format = DATE
                shown = f"{value.value:.1%}" if isinstance(value, Percent) else str(value)
                widths[j - 1] = max(widths[j - 1], min(40, len(shown) + 4))
        for j, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = w
        ws.freeze_panes = ws.cell(row=r0 + 1, column=2)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
