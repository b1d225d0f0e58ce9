"""The column-wise Parquet path gives exactly the per-row path's verdicts (ADR 0042).

Hypothesis writes Parquet files whose columns are text (canonical, spelled otherwise, invalid,
null) or typed — dates, decimals of several scales, integers of several widths, booleans, and
types the per-row path must judge (floats, timestamps, numbers in ID or text columns) — with
repeated and conflicting keys. Both paths must return the same valid rows (values and flags), the
same row errors, the same duplicate verdicts and counts.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from exchange_helpers import TODAY, make_id
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_exchange_columnar import ALLOWED_REGIONS, _cells

from jiuzhu.engine.exchange import (
    CLI_LIMITS,
    ExchangeFileError,
    PartitionedKeyTracker,
    StagingFile,
    Validator,
    open_table,
    staging_schema,
)
from jiuzhu.engine.exchange.validate.fastparquet import parquet_text
from jiuzhu.rules.exchange import get_source
from jiuzhu.rules.exchange.sources import Field, Source

SOURCES = [get_source(k) for k in (
    "medical_insurance_settlements",  # text, id, date, money, code, bool, region
    "disabled_certificates",  # int with a range, optional dates and money
    "natural_resources_real_estate",  # decimal
    "medical_insurance_enrolment",  # int, bool
    "hrss_social_insurance",  # a month
)]


def _typed(f: Field, rng: random.Random, n: int) -> pa.Array | None:
    """A typed column for *f* (valid and invalid values, nulls), or None to write text."""
    t, pick = f.type, rng.random()
    if t == "date":
        if pick < 0.5:
            days = [TODAY - dt.timedelta(days=rng.randrange(-40, 40000)) for _ in range(n)]
            days = [d.replace(day=1) if f.month and rng.random() < 0.8 else d for d in days]
            days += [dt.date(1899, 12, 31), dt.date(1900, 1, 1), dt.date(2100, 1, 1)]
            return pa.array([rng.choice(days) if rng.random() < 0.9 else None for _ in range(n)], pa.date32())
        if pick < 0.6:
            return pa.array([dt.datetime(2024, 3, 1, 8, 30) for _ in range(n)], pa.timestamp("s"))
    elif t in ("money", "decimal"):
        scale = rng.choice([0, 2, 2, 3])
        q = Decimal(1).scaleb(-scale)
        values = [Decimal(rng.randrange(-500, 10**7)).scaleb(-scale).quantize(q) for _ in range(n)]
        if pick < 0.5:
            return pa.array([v if rng.random() < 0.9 else None for v in values], pa.decimal128(18, scale))
        if pick < 0.6:
            return pa.array([float(v) for v in values], pa.float64())
    elif t == "int":
        if pick < 0.6:
            lo = f.min_value if f.min_value is not None else -5
            hi = min(f.max_value if f.max_value is not None else 10**6, lo + 200)
            kind = rng.choice([pa.int8(), pa.int16(), pa.int64()]) if -126 < lo and hi < 126 else \
                rng.choice([pa.int16(), pa.int64()]) if hi < 32000 else pa.int64()
            return pa.array([rng.randint(lo - 2, hi + 2) if rng.random() < 0.9 else None for _ in range(n)], kind)
    elif t == "bool":
        if pick < 0.6:
            return pa.array([rng.random() < 0.5 if rng.random() < 0.9 else None for _ in range(n)], pa.bool_())
    elif t == "id_number" and pick < 0.1:
        return pa.array([int(make_id(rng)[:17]) * 10 for _ in range(n)], pa.int64())
    elif t == "text" and pick < 0.1:
        return pa.array(list(range(n)), pa.int64())
    return None


@st.composite
def parquet_file(draw: st.DrawFn) -> tuple[Source, bytes]:
    source = draw(st.sampled_from(SOURCES))
    rng = random.Random(draw(st.integers(0, 1 << 30)))
    n = draw(st.integers(1, 40))
    optional = [f.name for f in source.fields if not f.required]
    dropped = set(draw(st.lists(st.sampled_from(optional), unique=True))) if optional else set()
    canonical = draw(st.floats(0.6, 1.0))
    columns: dict[str, pa.Array] = {}
    for f in source.fields:
        if f.name in dropped:
            continue
        typed = _typed(f, rng, n)
        if typed is None:
            cells = []
            for _ in range(n):
                options = _cells(f, rng)
                cell = options[0] if rng.random() < canonical else rng.choice(options)
                cells.append(None if cell == "" and rng.random() < 0.5 else cell)
            typed = pa.array(cells, pa.string())
        columns[f.name] = typed
    table = pa.table(columns)
    if n > 2 and rng.random() < 0.3:  # repeated rows: duplicates, or conflicts when one cell differs
        table = pa.concat_tables([table, table.slice(0, 2)])
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return source, buf.getvalue()


def _run(source: Source, data: bytes, fast: bool, batch_rows: int) -> Any:
    calls: list[str] = []

    def region_ok(code: str) -> bool:
        calls.append(code)
        return code in ALLOWED_REGIONS

    try:
        with open_table(source, io.BytesIO(data), filename="f.parquet", limits=CLI_LIMITS) as r:
            v = Validator(source, region_ok=region_ok, today=TODAY, columns=r.columns,
                          key_tracker=PartitionedKeyTracker(partitions=3))
            staging = StagingFile(staging_schema(source))
            errors = []
            for vb in v.batches(r, fast=fast, batch_rows=batch_rows):
                staging.add(vb.valid)
                errors.extend(vb.errors)
            valid = list(staging.items())
            staging.close()
            report = v.finish()
    except ExchangeFileError as e:
        return ("file", e.code, e.row)
    errors.sort(key=lambda e: (e.sheet or "", e.row or 0))
    return valid, errors, report, (v.rows_seen, v.rows_valid, v.rows_invalid), set(calls)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(f=parquet_file(), batch_rows=st.sampled_from([3, 17, 4096]))
def test_parquet_column_wise_path_equals_the_per_row_path(f: tuple[Source, bytes], batch_rows: int) -> None:
    source, data = f
    expected = _run(source, data, False, batch_rows)
    got = _run(source, data, True, batch_rows)
    if expected[0] == "file":
        assert got == expected
        return
    assert got[0] == expected[0]
    assert got[1] == expected[1]
    assert got[2:4] == expected[2:4]
    assert got[4] <= expected[4]  # codes asked about: only of rows that were still valid


def test_which_parquet_columns_take_the_column_checks() -> None:
    s = get_source("medical_insurance_settlements")
    date, money, flag, ident = (s.field(n) for n in ("settle_date", "total_cost", "chronic_or_serious", "id_number"))
    assert parquet_text(date, pa.array([dt.date(2024, 3, 7), None])).to_pylist() == ["2024-03-07", ""]
    assert parquet_text(money, pa.array([Decimal("12.50")], pa.decimal128(12, 2))).to_pylist() == ["12.50"]
    assert parquet_text(flag, pa.array([True, False])).to_pylist() == ["true", "false"]
    assert parquet_text(money, pa.array([12.5])) is None  # a float: the per-row path refuses it
    assert parquet_text(ident, pa.array([360102198001010013])) is None  # an ID as a number: refused per row
    assert parquet_text(date, pa.array([dt.date(2024, 3, 7)]), spreadsheet=True) is None
    assert parquet_text(ident, pa.array(["a"]).dictionary_encode()).to_pylist() == ["a"]
