"""Builders for department files used by the exchange tests (CSV, XLSX, JSONL, Parquet)."""

from __future__ import annotations

import io
import json
import random
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

import openpyxl

from jiuzhu.rules.identity import check_char

TODAY = date(2025, 6, 1)

# The ID number of RELIABILITY's examples (…1233), and a few more valid ones.
ID_A = "110101199003071233"  # valid check character
ID_B = "360102198001010013"
ID_C = "11010519491231002X"
ID_15 = "360102800101001"  # upgrades to 360102198001010013


def make_id(rng: random.Random, region: str = "360102") -> str:
    """A valid 18-digit ID number with a birth date between 1930 and 2020."""
    born = date(1930, 1, 1) + timedelta(days=rng.randrange(90 * 365))
    first17 = f"{region}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + check_char(first17)


def csv_bytes(rows: Sequence[Sequence[str]], *, encoding: str = "utf-8", delimiter: str = ",",
              newline: str = "\n") -> bytes:
    """Rows joined naively (no quoting) — tests control exactly what is written."""
    text = newline.join(delimiter.join(r) for r in rows) + newline
    return text.encode(encoding)


def xlsx_bytes(rows: Iterable[Sequence[Any]], *, epoch_1904: bool = False,
               formats: dict[str, str] | None = None, extra_sheets: dict[str, list[list[Any]]] | None = None,
               hidden: Sequence[str] = (), merge: str | None = None) -> bytes:
    wb = openpyxl.Workbook()
    if epoch_1904:
        wb.epoch = openpyxl.utils.datetime.MAC_EPOCH
    ws = wb.active
    assert ws is not None
    ws.title = "Sheet1"
    for r in rows:
        ws.append(list(r))
    for coord, fmt in (formats or {}).items():
        ws[coord].number_format = fmt
    if merge:
        ws.merge_cells(merge)
    for name, data in (extra_sheets or {}).items():
        other = wb.create_sheet(name)
        for r in data:
            other.append(r)
        if name in hidden:
            other.sheet_state = "hidden"
    bio = io.BytesIO()
    wb.save(bio)
    return bio.getvalue()


def jsonl_bytes(objs: Iterable[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs).encode("utf-8")


def write(tmp_path: Any, name: str, data: bytes) -> Any:
    p = tmp_path / name
    p.write_bytes(data)
    return p
