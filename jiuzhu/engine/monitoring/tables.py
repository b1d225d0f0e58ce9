"""The tables a comparison run reads (Parquet, one file per table), besides the registry snapshot.

Pure Python, no Django.  The registry snapshot is the determination engine's
(:data:`jiuzhu.engine.determination.snapshot.SNAPSHOT_SCHEMAS`); monitoring adds:

=================  ===========================================================================
mon_households     household_key, county_code, township_code, village_code, recipient (receives
                   dibao or tekun), last_review_on
assistance         the assistance chain: person_index, household_key, programme, start_date,
                   end_date, amount
d_<source>         one table per declared department feed: record_id, person_index, masked_id,
                   county_hint, region_hint, loaded_at, event_date and the feed's own fields
                   (the non-personal ones: payloads never hold identifiers), typed from the
                   declaration (money → decimal(18,2), date → date32, bool, int64, text)
=================  ===========================================================================

``county_hint`` is the county whose parameters apply to a person the registry does not
know (the feed's region code, else the area code of the ID number, else the province);
``region_hint`` is the most precise region code the feed gave (a township or village code
routes the warning to that township).  A missing file is read as an empty table.
"""

# ruff: noqa: S608  (queries are built from declared names only, never from input)

from __future__ import annotations

from pathlib import Path
from typing import Final

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from jiuzhu.engine.determination.snapshot import SNAPSHOT_SCHEMAS, TABLES
from jiuzhu.rules.exchange.sources import SOURCES, Source

__all__ = ["MON_SCHEMAS", "RAW_FEED_SCHEMA", "connect", "dept_schema", "dept_table_name", "flatten_feed", "write_table"]

MONEY: Final = pa.decimal128(18, 2)

MON_SCHEMAS: Final[dict[str, pa.Schema]] = {
    "mon_households": pa.schema([
        ("household_key", pa.int64()),
        ("county_code", pa.string()),
        ("township_code", pa.string()),
        ("village_code", pa.string()),
        ("recipient", pa.bool_()),
        ("last_review_on", pa.date32()),
    ]),
    "assistance": pa.schema([
        ("person_index", pa.string()),
        ("household_key", pa.int64()),
        ("programme", pa.string()),
        ("start_date", pa.date32()),
        ("end_date", pa.date32()),
        ("amount", MONEY),
    ]),
}

_COMMON: Final = (
    ("record_id", pa.int64()),
    ("person_index", pa.string()),
    ("masked_id", pa.string()),
    ("county_hint", pa.string()),
    ("region_hint", pa.string()),
    ("loaded_at", pa.timestamp("us", tz="UTC")),
    ("event_date", pa.date32()),
)
# A feed as stored (payload as JSON text), before :func:`flatten_feed`.
RAW_FEED_SCHEMA: Final = pa.schema([
    ("record_id", pa.int64()),
    ("person_index", pa.string()),
    ("masked_id", pa.string()),
    ("payload", pa.string()),
    ("event_date", pa.date32()),
    ("loaded_at", pa.timestamp("us", tz="UTC")),
])
_SQL_TYPES: Final[dict[str, str]] = {
    "money": "DECIMAL(18, 2)", "decimal": "DECIMAL(18, 2)", "date": "DATE", "bool": "BOOLEAN", "int": "BIGINT",
}
_TYPES: Final[dict[str, pa.DataType]] = {
    "money": MONEY, "decimal": MONEY, "date": pa.date32(), "bool": pa.bool_(), "int": pa.int64(),
}


def dept_table_name(source_key: str) -> str:
    return f"d_{source_key}"


def dept_schema(source: Source) -> pa.Schema:
    """The flattened table of one feed: common columns, then every stored payload field."""
    fields = [pa.field(n, t) for n, t in _COMMON]
    for f in source.fields:
        if f.name in source.encrypt or f.name in ("region_code",):
            continue  # identifiers are never in a payload; the region code becomes region_hint
        fields.append(pa.field(f.name, _TYPES.get(f.type, pa.string())))
    return pa.schema(fields)


def flatten_feed(raw: pa.Table, source: Source, counties: list[str], province: str = "360000") -> pa.Table:
    """The stored records of one feed (JSON payloads) as its typed table (:func:`dept_schema`), set-based.

    ``county_hint``: the county of the payload's region code, else the area code of the masked
    ID number, else *province*; ``region_hint``: the region code when it names a known county.
    """
    schema = dept_schema(source)
    con = duckdb.connect(config={"threads": 2})
    try:
        con.register("raw", raw.cast(RAW_FEED_SCHEMA))
        con.register("counties", pa.table({"code": pa.array(sorted(set(counties)), pa.string())}))
        cols = []
        for name in schema.names[len(_COMMON):]:
            f = source.field(name)
            text = f"NULLIF(json_extract_string(payload, '$.{name}'), '')"
            cols.append(f"CAST({text} AS {_SQL_TYPES.get(f.type, 'VARCHAR')}) AS {name}")
        sql = f"""
WITH r AS (SELECT *, coalesce(json_extract_string(payload, '$.region_code'), '') AS rc FROM raw)
SELECT record_id, person_index, masked_id,
       CASE WHEN left(rc, 6) IN (SELECT code FROM counties) THEN left(rc, 6)
            WHEN left(masked_id, 6) IN (SELECT code FROM counties) THEN left(masked_id, 6)
            ELSE '{province}' END AS county_hint,
       CASE WHEN left(rc, 6) IN (SELECT code FROM counties) THEN (CASE WHEN length(rc) >= 9 THEN rc ELSE left(rc, 6) END)
            ELSE '' END AS region_hint,
       loaded_at, event_date{"".join(", " + c for c in cols)}
FROM r ORDER BY record_id"""
        return con.sql(sql).to_arrow_table().cast(schema)
    finally:
        con.close()


def _view(con: duckdb.DuckDBPyConnection, name: str, path: Path, schema: pa.Schema) -> None:
    if path.exists():
        quoted = str(path).replace("'", "''")
        # table names are our constants; the path is quoted above
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{quoted}')")  # noqa: S608
    else:
        con.register(f"{name}__empty", schema.empty_table())
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM {name}__empty")  # noqa: S608


# The registry as the indicators see it: one row per member, with the household's routing.
_REG_VIEW: Final = """
CREATE VIEW reg AS
SELECT m.person_key, m.member_key, m.household_key, h.county_code, h.township_code, h.village_code, h.recipient,
       coalesce(m.serious_illness, false) AS serious_illness, m.disability_type, m.disability_grade,
       m.school_stage, m.employment, m.birth_date
FROM members m JOIN mon_households h ON h.household_key = m.household_key
"""


def connect(snapshot_dir: str | Path, data_dir: str | Path, *, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a view per registry, monitoring and feed table."""
    snap, data = Path(snapshot_dir), Path(data_dir)
    con = duckdb.connect(config={"threads": threads or 2})
    for name in TABLES:
        _view(con, name, snap / f"{name}.parquet", SNAPSHOT_SCHEMAS[name])
    for name, schema in MON_SCHEMAS.items():
        _view(con, name, data / f"{name}.parquet", schema)
    for source in SOURCES.values():
        _view(con, dept_table_name(source.key), data / f"{dept_table_name(source.key)}.parquet", dept_schema(source))
    con.execute(_REG_VIEW)
    return con


def write_table(rows: list[dict[str, object]] | pa.Table, schema: pa.Schema, path: Path) -> int:
    """Write rows (or an Arrow table) with *schema* to *path*; returns the row count."""
    table = rows if isinstance(rows, pa.Table) else (
        pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table())
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table.cast(schema), path)
    return int(table.num_rows)
