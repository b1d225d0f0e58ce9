"""Set-based writes for the big write paths (issue 17 §1, ADR 0032).

The ORM's ``bulk_create`` prepares every value of every object field by field and, on SQLite,
sends at most 999 bound values a statement (≈ 30 rows of a wide table). The paths that write
hundreds of thousands of rows (department records, warnings and their events, outbox messages,
the registry load) go through here instead, behind one vendor switch:

- **PostgreSQL**: primary keys are drawn from the table's sequence in one statement, the rows go
  in with ``COPY … FROM STDIN`` (psycopg 3's copy); rows that may already exist are copied into a
  temporary staging table and merged with one ``INSERT … SELECT … ON CONFLICT DO NOTHING``.
- **SQLite**: one ``executemany`` per chunk. Primary keys are ``MAX(id) + 1 …``: safe because the
  project's SQLite transactions are ``IMMEDIATE`` (the write lock is held from ``BEGIN``), and
  these helpers refuse to run outside a transaction.

Callers keep their own transaction (atomic per batch, as before): nothing here commits.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

import numpy as np
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.db.models.expressions import RawSQL
from django.utils import timezone

Row = tuple[Any, ...]


def _require_transaction() -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("bulkwrite helpers must run inside transaction.atomic()")


def columns(model: type[models.Model]) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


_JSON = DjangoJSONEncoder(ensure_ascii=False)  # one encoder for every value (the C encoder, no per-call set-up)


def _json_text(v: Any) -> str | None:
    return None if v is None else _JSON.encode(v)


def _uuid_hex(v: Any) -> str | None:
    """SQLite stores UUIDs as 32 hex digits: a ``UUID`` or its text (with or without dashes)."""
    if v is None:
        return None
    return v.hex if isinstance(v, uuid.UUID) else str(v).replace("-", "")


def _decimal_text(v: Any) -> str | None:
    return None if v is None else str(v)


def _datetime_adapter() -> Callable[[Any], Any]:
    """SQLite's datetime adaptation, remembering the last value (one ``now`` for a whole chunk)."""
    last: list[Any] = [object(), None]

    def adapt(v: Any) -> Any:
        if v is not last[0]:
            last[0], last[1] = v, connection.ops.adapt_datetimefield_value(v)
        return last[1]
    return adapt


def _adapters(model: type[models.Model], cols: Sequence[str] | None = None,
              encoded: Collection[str] = ()) -> dict[int, Callable[[Any], Any]]:
    """Per column index (of *cols*, default all columns): what the raw driver needs (JSON as text
    unless the column is in *encoded*: JSON text already; on SQLite UUIDs as hex, UTC datetimes,
    decimals as text)."""
    out: dict[int, Callable[[Any], Any]] = {}
    sqlite = connection.vendor != "postgresql"
    by_column = {f.column: f for f in model._meta.concrete_fields}
    for i, column in enumerate(cols if cols is not None else columns(model)):
        internal = by_column[column].get_internal_type()
        if internal == "JSONField" and column in encoded:
            continue
        if internal == "JSONField":
            out[i] = _json_text
        elif sqlite and internal == "UUIDField":
            out[i] = _uuid_hex
        elif sqlite and internal == "DateTimeField":
            out[i] = _datetime_adapter()
        elif sqlite and internal == "DecimalField":
            out[i] = _decimal_text
    return out


def uuid4_texts(n: int) -> list[str]:
    """*n* random (version 4) UUIDs as text, from one draw of the OS CSPRNG (what ``uuid.uuid4`` does
    per value, at a fraction of the cost: no ``UUID`` object per row)."""
    if n <= 0:
        return []
    raw = np.frombuffer(bytearray(os.urandom(16 * n)), dtype=np.uint8).reshape(n, 16)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    h = raw.tobytes().hex()
    return [f"{h[o:o + 8]}-{h[o + 8:o + 12]}-{h[o + 12:o + 16]}-{h[o + 16:o + 20]}-{h[o + 20:o + 32]}"
            for o in range(0, 32 * n, 32)]


def among(model: type[models.Model], column: str, values: Sequence[Any], *, ints: bool | None = None) -> RawSQL:
    """A filter: *model*'s *column* is one of *values*, with one bound parameter whatever their number.

    ``Model.objects.filter(among(Model, "key_digest", keys), …)``. The ORM's ``__in`` binds one
    parameter per value (thousands to prepare per query, and SQLite's limit on their number); this
    binds one: on PostgreSQL an array (``col = ANY(%s::text[])``, ``bigint[]`` for integers: an index
    or hashed scan whatever the table's statistics say — a ``IN (SELECT unnest(…))`` subquery was
    planned as a nested loop over a table grown in the same transaction, seconds per lookup), on
    SQLite a JSON list (``col IN (SELECT value FROM json_each(%s))``). Values are text or integers
    (bound, never inlined); an empty list is taken as text unless *ints* says otherwise.
    """
    items = list(values)
    if ints is None:
        ints = bool(items) and all(isinstance(v, int) and not isinstance(v, bool) for v in items)
    if not all(isinstance(v, int) and not isinstance(v, bool) if ints else isinstance(v, str) for v in items):
        raise TypeError("among() takes text or integers, all of one kind")
    qn = connection.ops.quote_name
    col = f"{qn(model._meta.db_table)}.{qn(model._meta.get_field(column).column)}"
    # Constant text (quoted names of the model, a cast chosen from two): the values are one bound parameter.
    if connection.vendor == "postgresql":
        kind = "bigint" if ints else "text"
        if ints or not any("," in v or not v for v in items):
            # One text joined by commas: dumping a Python list of thousands checks every element's type
            # (≈ 4 µs each in psycopg); digests, tokens and numbers never hold a comma (nor are empty).
            return RawSQL(f"{col} = ANY(string_to_array(%s, ',')::{kind}[])",  # noqa: S611
                          [",".join(map(str, items))], output_field=models.BooleanField())
        return RawSQL(f"{col} = ANY(%s::{kind}[])", [items], output_field=models.BooleanField())  # noqa: S611
    return RawSQL(f"{col} IN (SELECT value FROM json_each(%s))", [json.dumps(items)],  # noqa: S608, S611
                  output_field=models.BooleanField())


def allocate_ids(model: type[models.Model], n: int) -> list[int]:
    """*n* fresh primary keys for *model* (inside the caller's transaction)."""
    _require_transaction()
    if n <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "  # noqa: S608
                        "FROM generate_series(1, %s)", [n])
            return [r[0] for r in cur.fetchall()]
        cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        start = int(cur.fetchone()[0]) + 1
    return list(range(start, start + n))


def rows_of(model: type[models.Model], objs: Iterable[models.Model]) -> list[Row]:
    """Column tuples of unsaved *objs* (defaults and auto_now applied, as ``save()`` would)."""
    fields = model._meta.concrete_fields
    now = timezone.now()
    stamp = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    out = []
    for obj in objs:
        for f in stamp:
            if getattr(obj, f.attname) is None or getattr(f, "auto_now", False):
                setattr(obj, f.attname, now)
        out.append(tuple(getattr(obj, f.attname) for f in fields))
    return out


def _adapt(model: type[models.Model], rows: Sequence[Row], cols: Sequence[str] | None = None,
           encoded: Collection[str] = ()) -> Sequence[Row]:
    adapters = list(_adapters(model, cols, encoded).items())
    if not adapters:
        return rows
    converted = []
    for row in rows:
        values = list(row)
        for i, adapt in adapters:
            values[i] = adapt(values[i])
        converted.append(tuple(values))
    return converted


def insert_rows(model: type[models.Model], rows: Sequence[Row], cols: Sequence[str] | None = None, *,
                encoded: Collection[str] = ()) -> None:
    """Insert full column tuples, primary keys included: in ``columns(model)`` order, or in the order
    of *cols* (which must name every column of the model: no default is filled in here). JSON
    columns named in *encoded* hold JSON text already (written as is)."""
    _require_transaction()
    if not rows:
        return
    table = model._meta.db_table
    if cols is None:
        cols = columns(model)
    elif sorted(cols) != sorted(columns(model)):
        raise ValueError(f"{table}: the columns given are not the model's columns")
    rows = _adapt(model, rows, cols, encoded)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:  # noqa: S608
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(cols))
            cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)  # noqa: S608


def create(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """``bulk_create`` without the ORM's per-value work: ids assigned, then one COPY / executemany."""
    if not objs:
        return
    ids = allocate_ids(model, sum(1 for o in objs if o.pk is None))
    it = iter(ids)
    for obj in objs:
        if obj.pk is None:
            obj.pk = next(it)
        obj._state.adding = False
        obj._state.db = connection.alias
    insert_rows(model, rows_of(model, objs))


def create_missing(model: type[models.Model], objs: Sequence[models.Model], conflict: Sequence[str]) -> int:
    """Insert the *objs* whose *conflict* columns (a unique key) are not stored yet; returns how many.

    Which objects were inserted is not reported back (their ``pk`` is not set). See :func:`insert_missing`.
    """
    _require_transaction()
    if not objs:
        return 0
    cols = columns(model)
    if cols[0] != model._meta.pk.column:  # never the case for these tables
        raise ValueError(f"{model._meta.db_table}: primary key must be the first column")
    return insert_missing(model, [r[1:] for r in rows_of(model, objs)], cols[1:], conflict)


def insert_missing(model: type[models.Model], rows: Sequence[Row], cols: Sequence[str], conflict: Sequence[str], *,
                   encoded: Collection[str] = ()) -> int:
    """Insert the rows (every column but the primary key, in *cols* order) whose *conflict* columns
    (a unique key) are not stored yet; returns how many. The database numbers the new rows.

    PostgreSQL: COPY into a temporary staging table, then ``INSERT … SELECT … ON CONFLICT DO NOTHING``
    (the sequence values of skipped rows are simply unused). SQLite: ``INSERT OR IGNORE`` in one
    executemany. JSON columns named in *encoded* hold JSON text already.
    """
    _require_transaction()
    if not rows:
        return 0
    table, pk_col = model._meta.db_table, str(model._meta.pk.column)
    data_cols = list(cols)
    if sorted([pk_col, *data_cols]) != sorted(columns(model)):
        raise ValueError(f"{table}: the columns given are not the model's columns but its primary key")
    rows = _adapt(model, rows, data_cols, encoded)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            stage = f"_stage_{table}"
            # Unindexed, no constraints: only the data columns, dropped at the commit.
            cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DROP AS "  # noqa: S608
                        f"SELECT {', '.join(data_cols)} FROM {table} WITH NO DATA")
            cur.execute(f"TRUNCATE {stage}")  # noqa: S608
            with cur.cursor.copy(f"COPY {stage} ({', '.join(data_cols)}) FROM STDIN") as copy:  # noqa: S608
                for row in rows:
                    copy.write_row(row)
            keys = ", ".join(conflict)
            cur.execute(
                f"INSERT INTO {table} ({', '.join(data_cols)}) "  # noqa: S608
                f"SELECT DISTINCT ON ({keys}) {', '.join(data_cols)} FROM {stage} "
                f"ORDER BY {keys} ON CONFLICT ({keys}) DO NOTHING")
            return int(cur.rowcount)
        before = connection.connection.total_changes
        marks = ", ".join(["%s"] * len(data_cols))
        cur.executemany(f"INSERT OR IGNORE INTO {table} ({', '.join(data_cols)}) VALUES ({marks})", rows)  # noqa: S608
        return int(connection.connection.total_changes - before)


def update(model: type[models.Model], objs: Sequence[models.Model], fields: Sequence[str]) -> None:
    """``bulk_update`` set-based: *fields* (attribute names) of stored *objs*, by primary key.

    ``auto_now`` fields among *fields* are stamped. See :func:`update_rows`.
    """
    _require_transaction()
    if not objs:
        return
    meta = model._meta
    chosen = [meta.get_field(name) for name in fields]
    now = timezone.now()
    for f in chosen:
        if getattr(f, "auto_now", False):
            for obj in objs:
                setattr(obj, f.attname, now)
    update_rows(model, [f.column for f in chosen],
                [(*(getattr(o, f.attname) for f in chosen), o.pk) for o in objs])


def update_rows(model: type[models.Model], cols: Sequence[str], rows: Sequence[Row], *,
                encoded: Collection[str] = ()) -> None:
    """Set *cols* of stored rows: each row is the new values in *cols* order, then the primary key
    (JSON columns named in *encoded* hold JSON text already).

    PostgreSQL: COPY the new values into a temporary table, one ``UPDATE … FROM``. SQLite: one
    executemany of ``UPDATE … WHERE id = ?``. Nothing is stamped here (pass ``updated_at``).
    """
    _require_transaction()
    if not rows:
        return
    meta = model._meta
    table, pk_col = meta.db_table, str(meta.pk.column)
    rows = _adapt(model, rows, [*cols, pk_col], encoded)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            stage = f"_upd_{table}"
            cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DROP AS "  # noqa: S608
                        f"SELECT {', '.join(cols)}, {pk_col} FROM {table} WITH NO DATA")
            cur.execute(f"TRUNCATE {stage}")  # noqa: S608
            with cur.cursor.copy(f"COPY {stage} ({', '.join(cols)}, {pk_col}) FROM STDIN") as copy:  # noqa: S608
                for row in rows:
                    copy.write_row(row)
            sets = ", ".join(f"{c} = s.{c}" for c in cols)
            cur.execute(f"UPDATE {table} t SET {sets} FROM {stage} s WHERE t.{pk_col} = s.{pk_col}")  # noqa: S608
        else:
            sets = ", ".join(f"{c} = %s" for c in cols)
            cur.executemany(f"UPDATE {table} SET {sets} WHERE {pk_col} = %s", rows)  # noqa: S608
