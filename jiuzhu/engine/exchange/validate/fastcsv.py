"""The column-wise CSV path: a block of lines split and checked as Arrow columns (ADR 0005 §11).

Pure Python (pyarrow + numpy), no Django.  :class:`CsvPlan` holds what the path needs about
one file; :meth:`CsvPlan.prepare` turns a block of whole lines into a :class:`Block` (the
simple lines' cells, which of them are proven valid, and their typed values).  The
validator (:meth:`~jiuzhu.engine.exchange.validate.validator.Validator.batches`) finishes
each block in file order, sending every line not proven valid through the per-row path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jiuzhu.engine.exchange.readers import CsvReader
from jiuzhu.engine.exchange.validate.cells import RegionCheck
from jiuzhu.engine.exchange.validate.columns import FastColumns
from jiuzhu.rules.exchange.sources import Source


def np_bool(arr: pa.Array) -> np.ndarray[Any, np.dtype[np.bool_]]:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=np.bool_)


@dataclass
class Block:
    """One CSV block after the column checks (see :meth:`Validator._csv_batches`)."""

    start: int  # number of the block's first line
    n: int  # lines in the block
    raw: pa.Array  # the lines, with their terminators
    idx: np.ndarray[Any, Any]  # positions of the simple lines
    ok: np.ndarray[Any, Any]  # per simple line: every cell proven valid (regions: shape only)
    cells: list[pa.Array]  # per header column: the simple lines' cells
    typed: list[pa.Array]  # per source field: canonical values of the simple lines


class CsvPlan:
    """What the column-wise CSV path needs about one file; :meth:`prepare` is thread-safe
    (pure Arrow/numpy on its arguments; it never calls ``region_ok``)."""

    def __init__(self, source: Source, reader: CsvReader, schema: pa.Schema, *, today: date | None,
                 region_ok: RegionCheck | None, not_after: date | None = None) -> None:
        self.reader = reader
        self.schema = schema
        self.source = source
        self.fast = FastColumns(source, today=today, region_ok=region_ok, not_after=not_after)
        self.header = reader.header_fields
        self.header_row = reader.header_row
        self.delim = reader.delimiter or ","
        self.position = {name: j for j, name in enumerate(self.header) if name is not None}
        # Columns with a blank header must be empty on a simple line; ignored columns (序号,
        # 备注, a mapping's ignores) may hold anything and are never read.
        self.blank_cols = reader.blank_columns
        self.key_pos = [source.field_names.index(k) for k in source.natural_key]
        self.region_cols = [self.position[f.name] for f in source.fields
                            if f.type == "region_code" and f.name in self.position
                            and region_ok is not None]

    def prepare(self, start: int, data: bytes) -> Block:
        expected = len(self.header)
        buf = np.frombuffer(data, dtype=np.uint8)
        ends = np.flatnonzero(buf == 10)  # each line's "\n"
        n = len(ends)
        offsets = np.zeros(n + 1, dtype=np.int32)
        offsets[1:] = ends + 1
        lengths = np.diff(offsets)  # bytes of each line with its terminator
        crlf = np.zeros(n, dtype=np.bool_)
        crlf[lengths > 1] = buf[ends[lengths > 1] - 1] == 13
        raw = pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))
        raw.validate(full=True)  # UTF-8, as the pre-scan established
        linenos = np.arange(start, start + n, dtype=np.int64)
        simple = ~np_bool(pc.match_substring(raw, '"'))
        simple &= pc.count_substring(raw, self.delim).to_numpy() == expected - 1
        # A line of delimiters only is skipped as blank by the row path.
        chars = pc.utf8_length(raw).to_numpy() - 1 - crlf
        simple &= chars != expected - 1
        # Lines up to the header (title rows), and the line under it (a possibly repeated
        # header), go the per-row way.
        simple &= linenos > self.header_row + 1
        idx = np.flatnonzero(simple)
        cells = split_simple(data, buf, simple, lengths, raw, idx, self.delim, expected)
        ok = np.ones(len(idx), dtype=np.bool_)
        for b in self.blank_cols:
            ok &= np_bool(pc.equal(pc.binary_length(cells[b]), 0))
        if self.blank_cols:  # no cell of a line with data under a blank header is checked
            keep = pa.array(ok)
            idx = idx[ok]
            cells = [pc.filter(c, keep) for c in cells]
            ok = ok[ok]
        typed: list[pa.Array] = []
        for f in self.source.fields:
            col = self.position.get(f.name)
            if col is None:  # an optional column the file does not have
                typed.append(pa.nulls(len(idx), self.schema.field(f.name).type))
                continue
            good, values = self.fast.check(f, cells[col])
            ok &= good
            typed.append(values)
        return Block(start, n, raw, idx, ok, cells, typed)


def strip_eol(line: str) -> str:
    return line.rstrip("\r\n")


def split_simple(data: bytes, buf: np.ndarray[Any, Any], simple: np.ndarray[Any, Any],
                  lengths: np.ndarray[Any, Any], raw: pa.Array, idx: np.ndarray[Any, Any],
                  delim: str, expected: int) -> list[pa.Array]:
    """The cells of the simple lines (no quote, one cell per column) as string columns.

    For a one-byte delimiter the lines are handed to Arrow's CSV parser with quoting off:
    on such lines it splits exactly like the row path (``csv`` with no quote in the line).
    """
    if len(idx) == 0:
        return [pa.array([], pa.string()) for _ in range(expected)]
    if len(delim.encode("utf-8")) == 1:
        import pyarrow.csv as pacsv

        body = data if len(idx) == len(simple) else buf[np.repeat(simple, lengths)].tobytes()
        names = [f"c{j}" for j in range(expected)]
        table = pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(column_names=names, block_size=max(len(body), 1 << 20)),
            parse_options=pacsv.ParseOptions(delimiter=delim, quote_char=False, escape_char=False,
                                             newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
        if table.num_rows == len(idx):
            return [table.column(j).combine_chunks() for j in range(expected)]
    lines = pc.utf8_rtrim(pc.take(raw, pa.array(idx, pa.int64())), characters="\r\n")
    lists = pc.split_pattern(lines, delim)
    return [pc.list_element(lists, j) for j in range(expected)]


