"""Header rows: mapping a file's column titles to a feed's fields (U10, U13).

Pure Python, no Django.  A header is recognised by field name, Chinese label or alias after
:func:`~jiuzhu.rules.exchange.sources.header_key` normalisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jiuzhu.engine.exchange.errors import file_error
from jiuzhu.engine.exchange.readers.base import Limits, unsupported
from jiuzhu.rules.exchange.sources import Source, header_aliases, header_key
from jiuzhu.rules.text import normalise_text

# --------------------------------------------------------------------------- headers


@dataclass(frozen=True)
class Header:
    """Where each field's column is: index → field name (None = blank/ignored column)."""

    fields: tuple[str | None, ...]
    labels: dict[str, str]  # field name → header as written in the file

    def row_dict(self, cells: list[object]) -> dict[str, object]:
        return {f: cells[i] if i < len(cells) else None
                for i, f in enumerate(self.fields) if f is not None}


def header_index(source: Source) -> dict[str, str]:
    """header_key(alias) → field name, for every alias of every field."""
    return {alias: f.name for f in source.fields for alias in header_aliases(f)}


def cell_text(v: object) -> str:
    return "" if v is None else normalise_text(str(v))


def map_header(
    source: Source, cells: list[object], sheet: str | None, limits: Limits
) -> Header:
    """Check a header row (U10, U13) and map its columns to fields.

    Rejected, naming the columns: duplicates (two columns for one field, e.g. 身份证号
    and id_number), unknown columns (also the backstop for mojibake from a wrong
    encoding, U9), then missing required columns.  Blank header cells are allowed (Excel
    writes phantom empty columns); data under them is a row error.
    """
    if len(cells) > limits.max_columns:
        raise unsupported(f"列数超过{limits.max_columns}", f"more than {limits.max_columns} columns")
    index = header_index(source)
    fields: list[str | None] = []
    labels: dict[str, str] = {}
    unknown: list[str] = []
    duplicates: list[str] = []
    for raw in cells:
        text = cell_text(raw)
        if not text:
            fields.append(None)
            continue
        name = index.get(header_key(text))
        if name is None:
            unknown.append(text)
            fields.append(None)
        elif name in labels:
            duplicates.append(f"{labels[name]} / {text}")
            fields.append(None)
        else:
            labels[name] = text
            fields.append(name)
    if duplicates:
        raise file_error("header_duplicate", sheet=sheet, row=1, column=duplicates[0],
                         columns="；".join(duplicates))
    if unknown:
        raise file_error("header_unknown", sheet=sheet, row=1, column=unknown[0],
                         columns="、".join(unknown[:10]) + ("…" if len(unknown) > 10 else ""))
    missing = [f"{source.field(n).label_zh}（{n}）" for n in source.required_fields
               if n not in labels]
    if missing:
        raise file_error("header_missing", sheet=sheet, row=1, column=missing[0],
                         columns="、".join(missing))
    return Header(tuple(fields), labels)


def is_repeated_header(source: Source, cells: list[object]) -> bool:
    """True if a data row consists of header texts: a second header row (U13)."""
    index = header_index(source)
    texts = [t for t in (cell_text(c) for c in cells) if t]
    return len(texts) >= min(2, len(source.fields)) and all(
        header_key(t) in index for t in texts
    )




def blank_column_with_data(header: Header, cells: list[Any]) -> int | None:
    """1-based index of the first header-less column that holds a value, if any."""
    for i, c in enumerate(cells):
        if (i >= len(header.fields) or header.fields[i] is None) and c is not None and str(c).strip():
            return i + 1
    return None

