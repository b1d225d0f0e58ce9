"""The registry snapshot the determination engine reads (Parquet, one file per table).

The Django side exports it as of a date; :func:`source_to_snapshot` builds it from the
synthetic generator's source Parquet so the engine runs without a database.  No table
holds a plaintext ID number: members carry ``person_key`` (a blind index, text) and
``birth_date``.  Money is ``decimal128(18, 2)`` yuan; dates are ``date32``.

=================  ===========================================================================
table              columns
=================  ===========================================================================
households         household_id, county_code, area_type, refused_on, left_assistance_on,
                   left_assistance_reason, county_confirmed_hardship, poverty_monitoring
members            household_id, member_id, person_key, birth_date, relation, work_capacity,
                   work_capacity_assessed_by, disability_type, disability_grade, serious_illness,
                   school_stage, employment, adl_eating … adl_bathing, in_prison, compulsory_detox,
                   declared_missing, religious_away, military_service, orphan, receiving_tekun,
                   difficult_worker
income_items       household_id, member_id, income_type, subtype, amount, period_start, period_end,
                   counted, exclusion_reason (a caseworker's exclusion; null counted = counted)
property_items     household_id, member_id, property_type, value, exempt
expenses           household_id, member_id, expense_type, amount, period_start, period_end
supporters         household_id, supporter_id, relation, able_to_support, reason
support_links      household_id, supporter_id, member_id — the member(s) each supporter is
                   obliged to support (a supporter without links: not recorded)
=================  ===========================================================================

Every table also carries integer surrogate keys (``KEY_COLUMNS``), so the batch joins and
groups on integers instead of text: ``household_key`` (every table) is unique per household
and equal on every row of that household; ``member_key`` (members, income_items, expenses)
is unique per (household_id, member_id) of the members table, and on an item it is the key
of the member with the same household_id and member_id (null when there is none).  The
Django export uses the registry's primary keys; :func:`add_keys` derives them from the text
ids (used by :func:`source_to_snapshot` and for in-memory tables).

Columns and tables added later (``OPTIONAL``: the supporters' links, the work-capacity assessor,
the caseworker's income exclusions) may be absent from an older snapshot: they read as null /
empty (:func:`missing_optional`), so an older snapshot still runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from jiuzhu.rules.vocab import ADL_ITEMS

__all__ = [
    "EXCLUSION_FLAGS", "KEY_COLUMNS", "SNAPSHOT_SCHEMAS", "TABLES", "add_keys", "conform", "source_to_snapshot",
    "validate_snapshot",
]

MONEY: Final = pa.decimal128(18, 2)

EXCLUSION_FLAGS: Final[tuple[str, ...]] = (
    "in_prison",  # 服刑
    "compulsory_detox",  # 强制隔离戒毒
    "declared_missing",  # 宣告失踪
    "religious_away",  # 宗教教职人员离家满3年
    "military_service",  # 义务兵
)

SNAPSHOT_SCHEMAS: Final[dict[str, pa.Schema]] = {
    "households": pa.schema([
        ("household_id", pa.string()),
        ("county_code", pa.string()),
        ("area_type", pa.string()),
        ("refused_on", pa.date32()),
        ("left_assistance_on", pa.date32()),
        ("left_assistance_reason", pa.string()),
        ("county_confirmed_hardship", pa.bool_()),
        ("poverty_monitoring", pa.bool_()),
        ("household_key", pa.int64()),
    ]),
    "members": pa.schema([
        ("household_id", pa.string()),
        ("member_id", pa.string()),
        ("person_key", pa.string()),
        ("birth_date", pa.date32()),
        ("relation", pa.string()),
        ("work_capacity", pa.string()),
        ("work_capacity_assessed_by", pa.string()),
        ("disability_type", pa.string()),
        ("disability_grade", pa.int8()),
        ("serious_illness", pa.bool_()),
        ("school_stage", pa.string()),
        ("employment", pa.string()),
        *[(name, pa.bool_()) for name in ADL_ITEMS],
        *[(name, pa.bool_()) for name in EXCLUSION_FLAGS],
        ("orphan", pa.bool_()),
        ("receiving_tekun", pa.bool_()),
        ("difficult_worker", pa.bool_()),
        ("household_key", pa.int64()),
        ("member_key", pa.int64()),
    ]),
    "income_items": pa.schema([
        ("household_id", pa.string()),
        ("member_id", pa.string()),
        ("income_type", pa.string()),
        ("subtype", pa.string()),
        ("amount", MONEY),
        ("period_start", pa.date32()),
        ("period_end", pa.date32()),
        ("counted", pa.bool_()),
        ("exclusion_reason", pa.string()),
        ("household_key", pa.int64()),
        ("member_key", pa.int64()),
    ]),
    "property_items": pa.schema([
        ("household_id", pa.string()),
        ("member_id", pa.string()),
        ("property_type", pa.string()),
        ("value", MONEY),
        ("exempt", pa.bool_()),
        ("household_key", pa.int64()),
        ("member_key", pa.int64()),
    ]),
    "expenses": pa.schema([
        ("household_id", pa.string()),
        ("member_id", pa.string()),
        ("expense_type", pa.string()),
        ("amount", MONEY),
        ("period_start", pa.date32()),
        ("period_end", pa.date32()),
        ("household_key", pa.int64()),
        ("member_key", pa.int64()),
    ]),
    "supporters": pa.schema([
        ("household_id", pa.string()),
        ("supporter_id", pa.string()),
        ("relation", pa.string()),
        ("able_to_support", pa.bool_()),
        ("reason", pa.string()),
        ("household_key", pa.int64()),
    ]),
    "support_links": pa.schema([
        ("household_id", pa.string()),
        ("supporter_id", pa.string()),
        ("member_id", pa.string()),
        ("household_key", pa.int64()),
        ("member_key", pa.int64()),
    ]),
}
TABLES: Final[tuple[str, ...]] = tuple(SNAPSHOT_SCHEMAS)
KEY_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    name: tuple(c for c in ("household_key", "member_key") if c in schema.names)
    for name, schema in SNAPSHOT_SCHEMAS.items()
}
# Added after the first snapshots were written: absent reads as null (columns) or empty (tables).
OPTIONAL_TABLES: Final[frozenset[str]] = frozenset({"support_links"})
OPTIONAL_COLUMNS: Final[dict[str, frozenset[str]]] = {
    "members": frozenset({"work_capacity_assessed_by"}),
    "income_items": frozenset({"counted", "exclusion_reason"}),
}


def missing_optional(directory: str | Path) -> bool:
    """True when the snapshot lacks an optional table or column (an older snapshot)."""
    root = Path(directory)
    for name in SNAPSHOT_SCHEMAS:
        path = root / f"{name}.parquet"
        if not path.exists():
            if name in OPTIONAL_TABLES:
                return True
            continue
        have = set(pq.read_schema(path).names)
        if OPTIONAL_COLUMNS.get(name, frozenset()) - have:
            return True
    return False


def read_table(directory: str | Path, name: str) -> pa.Table:
    """One snapshot table, conformed to its schema (an absent optional table is empty)."""
    path = Path(directory) / f"{name}.parquet"
    if not path.exists() and name in OPTIONAL_TABLES:
        return SNAPSHOT_SCHEMAS[name].empty_table()
    return conform(pq.read_table(path), name)


def _member_ref(household_id: pa.ChunkedArray | pa.Array, member_id: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """(household_id, member_id) as one unambiguous string: len(household_id) ':' household_id member_id."""
    length = pc.cast(pc.utf8_length(household_id), pa.string())
    return pc.binary_join_element_wise(length, ":", household_id, member_id, "")


def _index(values: pa.ChunkedArray | pa.Array, value_set: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(value_set, pa.ChunkedArray):
        value_set = value_set.combine_chunks()
    out = pc.cast(pc.index_in(values, value_set=value_set), pa.int64())
    return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


def add_keys(tables: Mapping[str, pa.Table]) -> dict[str, pa.Table]:
    """The tables with ``household_key`` / ``member_key`` derived from the text ids.

    A household's key is the position of the first households row with its id; a member's
    key, the position of the first members row with its (household_id, member_id) — so an
    item's keys are exactly those of the rows its text ids refer to (null if none).
    """
    hh_ids = tables["households"].column("household_id")
    members = tables["members"]
    member_refs = _member_ref(members.column("household_id"), members.column("member_id"))
    out: dict[str, pa.Table] = {}
    for name, table in tables.items():
        keys = {"household_key": _index(table.column("household_id"), hh_ids)}
        if "member_key" in KEY_COLUMNS.get(name, ()):
            keys["member_key"] = _index(_member_ref(table.column("household_id"), table.column("member_id")), member_refs)
        for col, arr in keys.items():
            if col in table.column_names:
                table = table.set_column(table.schema.get_field_index(col), col, arr)
            else:
                table = table.append_column(col, arr)
        out[name] = table
    return out


def conform(table: pa.Table, name: str) -> pa.Table:
    """Select and cast the columns of *table* to the snapshot schema (missing → null)."""
    schema = SNAPSHOT_SCHEMAS[name]
    cols = []
    for f in schema:
        if f.name in table.column_names:
            col = table.column(f.name)
            cols.append(col if col.type == f.type else col.cast(f.type))
        else:
            cols.append(pa.nulls(table.num_rows, f.type))
    return pa.Table.from_arrays(cols, schema=schema)


def validate_snapshot(directory: str | Path) -> None:
    """Check every table file exists and has the snapshot columns (raises ValueError)."""
    root = Path(directory)
    for name, schema in SNAPSHOT_SCHEMAS.items():
        path = root / f"{name}.parquet"
        if not path.exists():
            if name in OPTIONAL_TABLES:
                continue
            raise ValueError(f"快照缺少表 {name}.parquet / snapshot table {name}.parquet is missing")
        have = pq.read_schema(path)
        # the surrogate keys and the optional columns may be absent (an older snapshot): the
        # batch then derives the keys and reads the optional columns as null
        optional = set(KEY_COLUMNS[name]) | OPTIONAL_COLUMNS.get(name, frozenset())
        missing = [f.name for f in schema if f.name not in have.names and f.name not in optional]
        if missing:
            raise ValueError(f"快照表 {name} 缺少列 {missing} / snapshot table {name} lacks columns {missing}")


def _person_key(id_numbers: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Stand-in blind index: sha256 of the ID number (the real one is a keyed HMAC in pii)."""
    values = id_numbers.to_pylist()
    return pa.array(
        [hashlib.sha256(v.encode("ascii")).hexdigest() if v else None for v in values], pa.string()
    )


_RENAMES: Final[dict[str, dict[str, str]]] = {
    # generator column → snapshot column, where they differ
    "households": {"refused_at": "refused_on", "left_at": "left_assistance_on"},
    "members": {"disability_level": "disability_grade", "in_school_stage": "school_stage"},
    "income_items": {"income_subtype": "subtype", "start_date": "period_start", "end_date": "period_end"},
    "property_items": {"amount": "value", "is_exempt": "exempt"},
    "expenses": {"start_date": "period_start", "end_date": "period_end"},
    "supporters": {"able": "able_to_support"},
    "support_links": {},
}


def _supporters_and_links(table: pa.Table) -> tuple[pa.Table, pa.Table]:
    """The generator writes one row per (supporter, supported member): one supporter row per
    person (per household, keyed by a hash of the ID number — never the number itself) and one
    link per member supported."""
    if "supporter_id_number" not in table.column_names or "supported_member_id" not in table.column_names:
        return table, SNAPSHOT_SCHEMAS["support_links"].empty_table()
    sid = pa.array([k[:20] if k else None for k in _person_key(table.column("supporter_id_number")).to_pylist()], pa.string())
    table = table.append_column("supporter_id", sid) if "supporter_id" not in table.column_names else table
    links = pa.table({
        "household_id": table.column("household_id"), "supporter_id": table.column("supporter_id"),
        "member_id": table.column("supported_member_id"),
    }).filter(pc.is_valid(table.column("supported_member_id")))
    keep = table.drop_columns(["supporter_id_number", "supported_member_id"])
    # first row per (household, supporter): the generator gives one person the same flags on each row
    idx = keep.append_column("_row", pa.array(range(keep.num_rows), pa.int64()))
    first = idx.group_by(["household_id", "supporter_id"], use_threads=False).aggregate([("_row", "min")])
    rows = pc.sort_indices(first.column("_row_min"))
    return keep.take(first.column("_row_min").take(rows)), links


def source_to_snapshot(
    src_dir: str | Path,
    out_dir: str | Path,
    *,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Convert the synthetic generator's source Parquet into the snapshot layout.

    Plaintext ``id_number`` is replaced by ``person_key`` (sha256 stand-in for the blind
    index) and dropped.  Columns already named as in the snapshot pass through; a few known
    generator spellings are renamed; absent columns become null.  Returns row counts.
    """
    src, out = Path(src_dir), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    tables: dict[str, pa.Table] = {}
    for name in TABLES:
        path = src / f"{name}.parquet"
        if name == "support_links":
            continue  # built from the supporters below
        if path.exists():
            table = pq.read_table(path)
        else:
            table = SNAPSHOT_SCHEMAS[name].empty_table()
        renames = {k: v for k, v in _RENAMES[name].items() if k in table.column_names and v not in table.column_names}
        if renames:
            table = table.rename_columns([renames.get(c, c) for c in table.column_names])
        if name == "members":
            workers = src / "dept_difficult_workers.parquet"
            if "difficult_worker" not in table.column_names and "id_number" in table.column_names and workers.exists():
                # 困难职工 come from the trade union's feed, matched on the ID number
                ids = pq.read_table(workers, columns=["id_number"]).column("id_number")
                table = table.append_column(
                    "difficult_worker", pc.fill_null(pc.is_in(table.column("id_number"), value_set=ids.combine_chunks()), False)
                )
            if "person_key" not in table.column_names and "id_number" in table.column_names:
                table = table.append_column("person_key", _person_key(table.column("id_number")))
            if "id_number" in table.column_names:
                table = table.drop_columns(["id_number"])
            if "serious_illness" in table.column_names and not pa.types.is_boolean(table.schema.field("serious_illness").type):
                # the generator names the illness (text, null = none); the snapshot keeps a flag
                table = table.set_column(
                    table.schema.get_field_index("serious_illness"), "serious_illness",
                    pc.is_valid(table.column("serious_illness")),
                )
            if "disability_grade" in table.column_names and pa.types.is_string(table.schema.field("disability_grade").type):
                table = table.set_column(
                    table.schema.get_field_index("disability_grade"), "disability_grade",
                    pc.cast(table.column("disability_grade"), pa.int8()),
                )
        if name == "supporters":
            table, links = _supporters_and_links(table)
            tables["support_links"] = conform(links, "support_links")
        tables[name] = conform(table, name)
    for name, table in add_keys(tables).items():
        pq.write_table(table, out / f"{name}.parquet", compression="zstd")
        counts[name] = table.num_rows
        if progress:
            progress(name)
    return counts
