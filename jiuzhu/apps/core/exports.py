"""Spreadsheet-safe CSV lines, shared by every app's exports."""

from __future__ import annotations

import csv
import io
from typing import Any

from jiuzhu.engine.exchange.report import sanitise_cell


def csv_line(values: list[Any]) -> str:
    """One CSV line; cells a spreadsheet would read as a formula get a leading quote (R31)."""
    buf = io.StringIO()
    csv.writer(buf).writerow([sanitise_cell(v) if isinstance(v, str) else v for v in values])
    return buf.getvalue()
