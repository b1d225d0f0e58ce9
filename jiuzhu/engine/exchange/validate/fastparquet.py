"""The column-wise Parquet path (ADR 0042): a typed column as the text the column checks read.

Pure Python (pyarrow), no Django.  The column checks (:class:`~jiuzhu.engine.exchange.validate.columns.FastColumns`)
prove text cells valid exactly when the per-row path accepts that text, with the same value.  A
Parquet cell reaches the per-row path as a typed value (a ``date``, a ``Decimal``, an ``int``, a
``bool``), so a typed column may take the column checks only where the per-row verdict on the value
equals its verdict on the value's text:

- text columns always (the per-row path reads the same ``str``); nulls are blank cells either way;
- ``date32`` for a date field, ``decimal`` for an amount, an integer type for an integer field,
  ``bool`` for a yes/no field — and only outside spreadsheets (where a date before 1900-03-01 is
  refused as Excel's phantom leap day whatever its text says), and only where no declared spelling
  of the field looks like the value's text (``"3"`` spelled as something else);
- never a float (money refuses floats, an ID number refuses any number: the per-row path says so),
  a timestamp, nor a number in a text, code or identifier field.

Any other column sends every row of the block through the per-row path, with the file's values.
"""

from __future__ import annotations

import re
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc

from jiuzhu.rules.exchange.sources import Field

__all__ = ["parquet_text"]

# What a typed value's text looks like, per field type (a spelling key matching it could be read
# differently from the value itself).
_TEXT_OF: Final[dict[str, re.Pattern[str]]] = {
    "date": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"),
    "money": re.compile(r"-?[0-9]+(?:\.[0-9]+)?"),
    "decimal": re.compile(r"-?[0-9]+(?:\.[0-9]+)?"),
    "int": re.compile(r"-?[0-9]+"),
}


def _typed_ok(f: Field, t: pa.DataType) -> bool:
    if f.type == "date":
        ok = bool(pa.types.is_date32(t))
    elif f.type in ("money", "decimal"):
        ok = bool(pa.types.is_decimal(t))
    elif f.type == "int":
        ok = bool(pa.types.is_integer(t))
    elif f.type == "bool":
        return bool(pa.types.is_boolean(t))  # true/false are read before any spelling
    else:
        return False
    pattern = _TEXT_OF[f.type]
    return ok and not any(pattern.fullmatch(key) for key in f.spelling_map)


def parquet_text(f: Field, arr: pa.Array | pa.ChunkedArray, spreadsheet: bool = False) -> pa.Array | None:
    """The cells of one Parquet column as text for the column checks of *f*, or None: this column's
    values must each go through the per-row path (see the module docstring)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    t = arr.type
    if pa.types.is_dictionary(t):
        if not (pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type)):
            return None
        arr, t = arr.cast(pa.string()), pa.string()
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        text = arr.cast(pa.string())
    elif not spreadsheet and _typed_ok(f, t):
        text = pc.cast(arr, pa.string())
    else:
        return None
    return pc.fill_null(text, "")
