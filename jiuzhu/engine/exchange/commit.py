"""The database commit's per-row texts, computed per column (ADR 0042). Pure: pyarrow + DuckDB, no Django.

The commit (``jiuzhu.apps.exchange.services._store``) needs, for every staged valid row, the
canonical text of its natural key and of all its values (the inputs of the two HMAC-SM3
digests), the person's ID number and its mask, the payload (the values that are not
encrypted) as JSON, and the record's event date. Computed row by row in Python these cost
more than the encryption; here they are computed once per block of rows with Arrow compute
kernels and one DuckDB ``to_json`` query.

The per-row definitions stay the reference (:func:`canon`, :func:`payload_value`,
``mask_id_number``, :func:`event_date`): the commit uses them for the rows it must merge with a
stored record (a file without some optional column), and ``tests/exchange/test_exchange_commit.py``
checks the column-wise results equal them for every type of value.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jiuzhu.pii.masking import mask_id_number
from jiuzhu.rules.exchange.sources import Source

__all__ = ["SEP", "Prepared", "canon", "canon_column", "event_date", "payload_value", "prepare"]

SEP = "\x1f"  # between values in the texts the digests are taken of
_ID18 = r"^[0-9]{17}[0-9X]$"


def canon(value: object) -> str:
    """The text of one value in the digests' input (``None`` → ``""``, a date in ISO form, else ``str``)."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def payload_value(value: object) -> object:
    """One value as stored in the JSON payload: dates and decimals as their canonical text."""
    if isinstance(value, (dt.date, Decimal)):
        return canon(value)
    return value


def event_date(row: dict[str, Any], date_fields: tuple[str, ...]) -> dt.date | None:
    """A record's event date: the first of its date fields (in declared order) that has a value."""
    for name in date_fields:
        value = row.get(name)
        if isinstance(value, dt.date):
            return value
    return None


def canon_column(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """:func:`canon` of every value of a staged column (string, date32, decimal, int64, bool)."""
    t = arr.type
    if pa.types.is_boolean(t):
        text = pc.if_else(arr, "True", "False")  # str(True), not Arrow's "true"
    elif pa.types.is_string(t):
        text = arr
    elif pa.types.is_date(t) or pa.types.is_decimal(t) or pa.types.is_integer(t):
        # ISO dates; decimals with their scale ("12.50", as str(Decimal)); integers.
        text = pc.cast(arr, pa.string())
    else:
        raise TypeError(f"no canonical text for staged type {t}")
    return pc.fill_null(text, "")


def _joined(cols: list[pa.Array]) -> list[str]:
    if len(cols) == 1:
        return list(cols[0].to_pylist())
    return list(pc.binary_join_element_wise(*cols, SEP).to_pylist())


def _masked(ids: pa.Array) -> list[str]:
    """``mask_id_number`` of every ID: the 18-character canonical ones column-wise, others one by one."""
    simple = pc.fill_null(pc.match_substring_regex(ids, _ID18), False)
    quick = pc.binary_join_element_wise(pc.utf8_slice_codeunits(ids, 0, 6), pc.utf8_slice_codeunits(ids, 14, 18),
                                        "********")
    out: list[str | None] = pc.if_else(simple, quick, pa.nulls(len(ids), pa.string())).to_pylist()
    if not pc.all(simple).as_py():
        for i, (v, m) in enumerate(zip(ids.to_pylist(), out, strict=True)):
            if m is None:
                out[i] = mask_id_number(v)
    return out  # type: ignore[return-value]


def _payload_json(batch: pa.RecordBatch, names: list[str]) -> list[str]:
    """The payload of every row as JSON text: ``{name: payload_value(value), …}`` in field order."""
    if not names:
        return ["{}"] * batch.num_rows
    parts = []
    for name in names:
        t = batch.schema.field(name).type
        ref = '"' + name + '"'  # field names are identifiers ([a-z_][a-z0-9_]*), declared in rules
        parts.append(f"{ref} := {ref}::VARCHAR" if pa.types.is_decimal(t) else f"{ref} := {ref}")
    con = _duckdb()
    con.register("staged", pa.Table.from_batches([batch.select(names)]))
    try:
        rel = con.sql(f"SELECT to_json(struct_pack({', '.join(parts)})) AS j FROM staged")  # noqa: S608
        return list(rel.to_arrow_table().column("j").to_pylist())
    finally:
        con.unregister("staged")


_local = threading.local()


def _duckdb() -> duckdb.DuckDBPyConnection:
    """This thread's in-memory DuckDB connection (opening one costs ~15 ms: once per thread, not per block)."""
    con: duckdb.DuckDBPyConnection | None = getattr(_local, "con", None)
    if con is None:
        con = _local.con = duckdb.connect(config={"threads": 1})
    return con


def _flagged(flags: pa.Array | pa.ChunkedArray, flag: str) -> list[bool]:
    """Per row: whether its list of flags holds *flag*."""
    flags = flags.combine_chunks() if isinstance(flags, pa.ChunkedArray) else flags
    out = np.zeros(len(flags), dtype=np.bool_)
    hit = pc.equal(pc.list_flatten(flags), flag)
    out[pc.filter(pc.list_parent_indices(flags), pc.fill_null(hit, False)).to_numpy()] = True
    return list(out.tolist())


@dataclass
class Prepared:
    """One block of staged rows with the texts the commit needs (lists, one entry per row)."""

    source: Source
    batch: pa.RecordBatch
    sheets: list[str | None]
    upgraded: list[bool]  # the person's ID was upgraded from 15 digits (U6)
    key_text: list[str]
    values_text: list[str]
    person: list[str]
    masked: list[str]
    payload: list[str]
    event_date: list[dt.date | None]
    _columns: list[list[Any]] | None = field(default=None, repr=False)
    _names: tuple[str, ...] = field(default=(), repr=False)

    def __len__(self) -> int:
        return int(self.batch.num_rows)

    def column(self, name: str) -> list[Any]:
        """The Python values of one field (as the per-row validator gives them)."""
        return list(self.batch.column(name).to_pylist())

    def values(self, i: int) -> dict[str, Any]:
        """Row *i* as ``{field: value}`` (the staged row's values)."""
        if self._columns is None:
            self._names = self.source.field_names
            self._columns = [self.column(n) for n in self._names]
        return {n: col[i] for n, col in zip(self._names, self._columns, strict=True)}


def prepare(source: Source, batch: pa.RecordBatch) -> Prepared:
    """The commit's texts for a block of staged rows (the staging schema: meta columns, then the fields)."""
    names = list(source.field_names)
    canon_cols = {n: canon_column(batch.column(n)) for n in names}
    dates = [n for n in names if source.field(n).type == "date"]
    if dates:
        first = pc.coalesce(*(batch.column(n) for n in dates)) if len(dates) > 1 else batch.column(dates[0])
        event_dates: list[dt.date | None] = first.to_pylist()
    else:
        event_dates = [None] * batch.num_rows
    person = batch.column(source.person_field)
    people = [str(v) for v in person.to_pylist()]  # as the per-row commit wrote it: str(value)
    hidden = set(source.encrypt)
    return Prepared(
        source=source, batch=batch,
        sheets=batch.column("_sheet").to_pylist(),
        upgraded=_flagged(batch.column("_flags"), f"{source.person_field}:upgraded_from_15"),
        key_text=_joined([canon_cols[n] for n in source.natural_key]),
        values_text=_joined([canon_cols[n] for n in names]),
        person=people,
        masked=_masked(pa.array(people, pa.string())),
        payload=_payload_json(batch, [n for n in names if n not in hidden]),
        event_date=event_dates,
    )
