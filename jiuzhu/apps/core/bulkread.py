"""Set-based reads for the engine's exports (ADR 0042): a queryset's rows as Arrow columns.

The ORM turns every value of every row into a Python object through its converters (on SQLite a
date is parsed from text, a timestamp from text and made aware): ≈ 20–30 µs a row of a wide
``values_list``. The exports that hand whole tables to DuckDB need columns, not objects: this runs
the queryset's own SQL on the raw cursor and lets Arrow convert each column at once (text dates and
timestamps cast per column on SQLite; PostgreSQL's driver gives them typed).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from django.db import connection
from django.db.models import QuerySet

CHUNK = 20_000


def _column(values: list[Any], kind: pa.DataType) -> pa.Array:
    if (pa.types.is_date(kind) or pa.types.is_timestamp(kind)) and any(isinstance(v, str) for v in values):
        arr = pa.array(values, pa.string())
        if pa.types.is_timestamp(kind) and kind.tz is not None:
            try:
                return arr.cast(kind)  # PostgreSQL's text of a timestamptz: ISO with its offset
            except pa.ArrowInvalid:  # SQLite: naive UTC, as Django stores it
                return arr.cast(pa.timestamp(kind.unit)).cast(kind)
        return arr.cast(kind)
    return pa.array(values, kind)


def read_arrow(qs: QuerySet[Any], schema: pa.Schema) -> pa.Table:
    """The rows of a ``values_list`` queryset as a table of *schema* (one field per selected value, in order).

    Values are the database driver's, cast by Arrow: text, integers, booleans, dates and timestamps
    (not decimals or JSON: select them as text; a timestamp selected as text is cast by Arrow too,
    which spares the driver's per-value time-zone handling).
    """
    sql, params = qs.query.sql_with_params()
    chunks: list[pa.RecordBatch] = []
    with connection.cursor() as cur:
        cur.execute(sql, params)
        while rows := cur.fetchmany(CHUNK):
            columns = list(zip(*rows, strict=True))
            if len(columns) != len(schema):
                raise ValueError("the queryset selects another number of columns than the schema has")
            chunks.append(pa.RecordBatch.from_arrays(
                [_column(list(c), f.type) for c, f in zip(columns, schema, strict=True)], schema=schema))
    return pa.Table.from_batches(chunks, schema=schema)
