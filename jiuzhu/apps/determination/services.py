"""The registry meets the determination engine.

One mapping (``_ROWS``) turns registry records into the engine's interchange
rows; it feeds both the single-household path (the household page, the API)
and the Parquet snapshot the batch reads, so the two paths see the same data.
The snapshot carries the blind index (``person_key``), never an ID number.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.utils import timezone

from jiuzhu.apps.core import bulkwrite
from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.errors import RefusedError
from jiuzhu.apps.core.hooks import notify
from jiuzhu.apps.core.models import User
from jiuzhu.apps.jobs.runner import run_inline
from jiuzhu.apps.jobs.services import job_start
from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.apps.registry.models import (
    Expense,
    Household,
    IncomeItem,
    Member,
    PropertyItem,
    Supporter,
)
from jiuzhu.engine.determination.batch import run_batch
from jiuzhu.engine.determination.evaluate import result_columns
from jiuzhu.engine.determination.single import determine_household
from jiuzhu.engine.determination.snapshot import SNAPSHOT_SCHEMAS, conform
from jiuzhu.engine.determination.spark import run_spark
from jiuzhu.rules.money import from_fen
from jiuzhu.rules.params import ParameterSet

from .facts import facts_for
from .models import DeterminationResult, DeterminationRun, DeterminationTotal

Progress = Callable[[str, int, int], None]

# Registry values() → interchange/snapshot rows, one definition per table.
_HOUSEHOLD_FIELDS = ["id", "code", "county_id", "area_type"]
_MEMBER_FIELDS = [
    "id", "household_id", "household__code", "id_number_index", "birth_date", "relation", "work_capacity",
    "work_capacity_assessed_by", "disability_type", "disability_grade", "serious_illness", "school_stage", "employment",
    "adl_eating", "adl_dressing", "adl_transfer", "adl_toileting", "adl_walking", "adl_bathing",
]
_ITEM_FIELDS = {
    "income_items": (IncomeItem, ["household__code", "household_id", "member_id", "member__household_id", "income_type", "subtype", "amount", "period_start", "period_end", "counted", "exclusion_reason"]),
    "property_items": (PropertyItem, ["household__code", "household_id", "member_id", "member__household_id", "property_type", "value", "exempt"]),
    "expenses": (Expense, ["household__code", "household_id", "member_id", "member__household_id", "expense_type", "amount", "period_start", "period_end"]),
    "supporters": (Supporter, ["household__code", "household_id", "uid", "relation", "able_to_support", "reason"]),
}
# The snapshot's integer surrogate keys (engine.determination.snapshot): the registry's primary
# keys.  An item's member_key is its member's only when that member is of the item's household
# (the engine matches members by household and member id).
_KEY_FIELDS = ("household_key", "member_key")


def _household_row(v: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any]:
    # Refusals, exits from assistance, county confirmations and agriculture's monitoring flag
    # are CaseFacts recorded by the modules that establish them (determination.facts).
    return {
        "household_id": v["code"], "household_key": v["id"], "county_code": v["county_id"], "area_type": v["area_type"],
        "refused_on": facts.get("refused_on"), "left_assistance_on": facts.get("left_assistance_on"),
        "left_assistance_reason": facts.get("left_assistance_reason"),
        "county_confirmed_hardship": facts.get("county_confirmed_hardship", False),
        "poverty_monitoring": facts.get("poverty_monitoring", False),
    }


def _member_row(v: dict[str, Any], flags: set[str]) -> dict[str, Any]:
    row = {k: v[k] for k in _MEMBER_FIELDS[4:]}
    row.update({
        "household_id": v["household__code"], "member_id": str(v["id"]), "person_key": v["id_number_index"],
        "household_key": v["household_id"], "member_key": v["id"],
        "serious_illness": bool(v["serious_illness"]),
        "disability_grade": v["disability_grade"] or None,  # 0 in the registry = no disability
        "work_capacity_assessed_by": v["work_capacity_assessed_by"] or None,
        "in_prison": "in_prison" in flags, "compulsory_detox": False, "declared_missing": False,
        "religious_away": False, "military_service": False, "orphan": False,
        "receiving_tekun": "receiving_tekun" in flags, "difficult_worker": "difficult_worker" in flags,
    })
    return row


def _item_row(table: str, v: dict[str, Any]) -> dict[str, Any] | None:
    # An income item the caseworker marked "not counted" travels with its reason: the engine
    # leaves it out of the household income and the sheet lists it under "not counted".
    row = {k: v[k] for k in v if k not in ("household__code", "household_id", "member_id", "member__household_id", "uid")}
    if table == "income_items":
        row["counted"] = None if v["counted"] else False  # absent = counted
        row["exclusion_reason"] = v["exclusion_reason"] or None
    row["household_id"] = v["household__code"]
    row["household_key"] = v["household_id"]
    if "member__household_id" in v:
        row["member_key"] = v["member_id"] if v["member__household_id"] == v["household_id"] else None
    for key in ("subtype", "reason", "relation"):
        if key in row and not row[key]:
            row[key] = None  # the engine treats "no detail" as absent, not as an empty code
    if table == "supporters":
        row["supporter_id"] = str(v["uid"])
    else:
        row["member_id"] = str(v["member_id"]) if v["member_id"] is not None else None
    return row


def _rows(households: Any) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(table, rows) chunks for a queryset of households, in snapshot column names."""
    ids = households.values("id")
    hfacts, mflags = facts_for(household_ids=ids)
    yield "households", [_household_row(v, hfacts.get(v["id"], {}))
                         for v in households.values(*_HOUSEHOLD_FIELDS).iterator(chunk_size=5000)]
    yield "members", [
        _member_row(v, mflags.get(v["id"], set()))
        for v in Member.objects.filter(household__in=ids).values(*_MEMBER_FIELDS).iterator(chunk_size=5000)
    ]
    for table, (model, fields) in _ITEM_FIELDS.items():
        if table == "supporters":
            continue
        rows = (_item_row(table, v) for v in model.objects.filter(household__in=ids).values(*fields).iterator(chunk_size=5000))
        yield table, [r for r in rows if r is not None]
    # Supporters and whom each must support (issue 15) in one query: one row per (supporter,
    # supported member), a supporter without links once with none.
    fields = [*_ITEM_FIELDS["supporters"][1], "supported_members", "supported_members__household_id"]
    supporters: dict[Any, dict[str, Any]] = {}
    links: list[dict[str, Any]] = []
    for v in Supporter.objects.filter(household__in=ids).values(*fields).iterator(chunk_size=5000):
        member, member_household = v.pop("supported_members"), v.pop("supported_members__household_id")
        if v["uid"] not in supporters:
            supporters[v["uid"]] = _item_row("supporters", v)
        if member is not None:
            links.append({"household_id": v["household__code"], "household_key": v["household_id"],
                          "supporter_id": str(v["uid"]), "member_id": str(member),
                          "member_key": member if member_household == v["household_id"] else None})
    yield "supporters", [r for r in supporters.values() if r is not None]
    yield "support_links", links

def interchange(household: Household) -> dict[str, Any]:
    """One registry household in the interchange format (docs/schemas/household.schema.json)."""
    tables = {
        table: [{k: v for k, v in r.items() if k not in _KEY_FIELDS} for r in rows]
        for table, rows in _rows(Household.objects.filter(pk=household.pk))
    }
    out = tables["households"][0]
    out["members"] = tables["members"]
    for table in ("income_items", "property_items", "expenses", "supporters"):
        out[table] = [_jsonable(r) for r in tables[table]]
    supported: dict[str, list[str]] = {}
    for link in tables["support_links"]:
        supported.setdefault(link["supporter_id"], []).append(link["member_id"])
    for s in out["supporters"]:
        if s["supporter_id"] in supported:
            s["supported_member_ids"] = sorted(supported[s["supporter_id"]], key=int)
    out["members"] = [_jsonable(m) for m in out["members"]]
    return _jsonable(out)


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if isinstance(v, Decimal):
            out[k] = f"{v:.2f}"
        elif isinstance(v, dt.date):
            out[k] = v.isoformat()
        elif v is None:
            continue
        else:
            out[k] = v
    return out


def export_snapshot(out_dir: Path, households: Any = None,
                    progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Write the registry (or a queryset of households) as the engine's Parquet snapshot.

    *progress(tables written, tables)* after each table.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    households = households if households is not None else Household.objects.all()
    counts = {}
    for table, rows in _rows(households.order_by("code")):
        schema = SNAPSHOT_SCHEMAS[table]
        arrow = pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table()
        pq.write_table(conform(arrow, table), out_dir / f"{table}.parquet")
        counts[table] = len(rows)
        if progress:
            progress(len(counts), len(SNAPSHOT_SCHEMAS))
    for table, schema in SNAPSHOT_SCHEMAS.items():
        if table not in counts:  # a table the registry has nothing for
            pq.write_table(schema.empty_table(), out_dir / f"{table}.parquet")
            counts[table] = 0
    if progress:
        progress(len(counts), len(SNAPSHOT_SCHEMAS))
    return counts


class _Shared:
    """The registry snapshot of one ``shared_snapshot()`` block: exported on first use, then reused."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.counts: dict[str, int] | None = None


_SHARED: ContextVar[_Shared | None] = ContextVar("jiuzhu_shared_snapshot", default=None)


def spark_workdir(backend: str) -> str | None:
    """Where a job puts the files Spark's executors read and write: the shared directory of a
    multi-machine cluster (setting JIUZHU_SPARK_SHARED_DIR), else the system's temporary directory."""
    shared = str(getattr(settings, "JIUZHU_SPARK_SHARED_DIR", "") or "")
    if backend != "spark" or not shared:
        return None
    if not Path(shared).is_dir():  # a mount that is missing: say so before anything is exported
        raise RefusedError("spark_shared_dir", f"Spark 共享目录不存在或未挂载：{shared}（JIUZHU_SPARK_SHARED_DIR）",
                           f"The Spark shared directory does not exist or is not mounted: {shared} "
                           "(JIUZHU_SPARK_SHARED_DIR)")
    return shared


@contextmanager
def shared_snapshot(directory: str | None = None) -> Iterator[None]:
    """Inside this block, the registry-wide snapshot is exported once and read by every job run in it.

    The monthly cycle runs the determination and the full comparison back to back in one process
    on an unchanged registry (the imports are done before): both read the same snapshot instead of
    exporting it twice. The directory (personal data, keyed) is removed when the block ends.
    """
    root = Path(tempfile.mkdtemp(prefix="jiuzhu-cycle-snapshot-", dir=directory))
    token = _SHARED.set(_Shared(root))
    try:
        yield
    finally:
        _SHARED.reset(token)
        shutil.rmtree(root, ignore_errors=True)


def registry_snapshot(out_dir: Path, progress: Callable[[int, int], None] | None = None
                      ) -> tuple[Path, dict[str, int]]:
    """The whole registry's snapshot: (its directory, row counts per table).

    Written to *out_dir*, or inside ``shared_snapshot()`` the block's one export (made now if it is
    the first use).
    """
    shared = _SHARED.get()
    if shared is None:
        return out_dir, export_snapshot(out_dir, progress=progress)
    if shared.counts is None:
        shared.counts = export_snapshot(shared.root / "snapshot", progress=progress)
    elif progress:
        progress(len(shared.counts), len(shared.counts))
    return shared.root / "snapshot", dict(shared.counts)


def determine_one(household: Household, as_of: dt.date | None = None, params: ParameterSet | None = None) -> dict[str, Any]:
    """Categories, benefits and explanation of one registry household (the on-screen path)."""
    return determine_household(interchange(household), as_of or timezone.localdate(), params or current_parameters())


def determine_registry(ctx: Any, *, as_of: str, backend: str = "duckdb") -> dict[str, Any]:
    """The job ``determination.run``: every household of the registry in batch (DuckDB), results stored in bulk.

    Reads and computes outside any transaction; the run and its results are written in the
    job's ``commit()`` (chunked, a cancel point between chunks), so a cancelled, failed or
    killed run leaves nothing and a retry stores them exactly once.
    """
    on = dt.date.fromisoformat(as_of)
    params = current_parameters()
    with tempfile.TemporaryDirectory(prefix="jiuzhu-snapshot-", dir=spark_workdir(backend)) as tmp:
        out = Path(tmp) / "results.parquet"
        ctx.phase("snapshot", total=len(SNAPSHOT_SCHEMAS))
        snap, counts = registry_snapshot(Path(tmp) / "snapshot", progress=ctx.progress)
        ctx.phase("determine", total=counts["households"])
        if backend == "spark":  # the monthly cycle's --backend spark (local, or SPARK_MASTER's cluster)
            full = run_spark(snap, on, params, output=Path(tmp) / "spark-results")  # not via the driver's heap
            table = full.select(list(result_columns("summary")))
            ctx.progress(counts["households"])
        else:
            run_batch(snap, on, out, params, detail="summary", progress=ctx.progress)
            table = pq.read_table(out)
    ctx.phase("store", total=table.num_rows)
    with ctx.commit():
        run = DeterminationRun.objects.create(job_id=ctx.job_id, as_of=on, parameter_version=params.version)
        stored = _store_results(run, table, params.version, progress=ctx.progress)
        DeterminationRun.objects.filter(pk=run.pk).update(households=stored)
        audit("determination.run", actor=ctx.actor, object_type="determination_run", object_id=run.pk,
              as_of=on.isoformat(), households=stored, parameter_version=params.version, job=ctx.job_id)
        ctx.set_result({"run": run.pk, "households": stored, "as_of": on.isoformat(),
                        "parameter_version": params.version})
        notify("determination.stored", run=run, actor=ctx.actor)  # e.g. the people-to-serve list follows
    return ctx.job.result


def run_all(*, actor: User | None, as_of: dt.date, progress: Progress | None = None) -> DeterminationRun:
    """The registry-wide determination in this process (commands, the demo): the same job, run in the foreground.

    Raises ``RefusedError`` when the job did not complete (its Chinese/English message).
    """

    job = job_start(actor=actor, kind="determination.run", params={"as_of": as_of.isoformat()},
                    channel="ui" if getattr(actor, "pk", None) else "cli", enqueue=False)
    job = run_inline(job, reporter=progress)
    if job.state != "done":
        raise RefusedError(job.state, job.error_zh or "认定未完成", job.error_en or "the determination did not complete")
    return DeterminationRun.objects.get(job=job)


# Result column (integer fen) → benefit name in the interchange output.
_BENEFITS = {
    "dibao_amount_fen": "dibao", "dibao_supplement_fen": "dibao_supplement", "tekun_basic_fen": "tekun_basic",
    "tekun_care_fen": "tekun_care", "single_inclusion_fen": "single_inclusion", "total_benefit_fen": "total",
}


STORE_CHUNK = 5000


_RESULT_COLUMNS = ("id", "run_id", "household_id", "as_of", "main_category", "categories", "benefits", "total_benefit",
                   "member_categories", "parameter_version", "error")


def _store_results(run: DeterminationRun, table: pa.Table, version: str,
                   progress: Callable[[int, int], None] | None = None) -> int:
    """Insert the results in chunks (inside the caller's transaction); *progress* after each chunk.

    Set-based (``core.bulkwrite``: COPY on PostgreSQL, executemany on SQLite), rows as tuples.
    """
    ids = {code: (pk, township) for code, pk, township in Household.objects.values_list("code", "id", "township_id")}
    cols = {name: table.column(name).to_pylist() for name in table.column_names}
    rows: list[tuple[Any, ...]] = []
    # persons by (township, category): each person counted once, in his one category (issue 15)
    persons: dict[tuple[str, str], list[int]] = {}
    fen = [(name, cols[col]) for col, name in _BENEFITS.items()]
    for i, code in enumerate(cols["household_id"]):
        benefits = {name: f"{from_fen(values[i] or 0)}" for name, values in fen}
        pk, township = ids[code]
        members = dict(zip(cols["member_ids"][i] or [], cols["member_categories"][i] or [], strict=True))
        rows.append((None, run.pk, pk, run.as_of, cols["main_category"][i] or "", list(cols["categories"][i] or []),
                     benefits, Decimal(benefits["total"]), members, version, str(cols["error_zh"][i] or "")[:300]))
        seen: set[str] = set()
        for category in members.values():
            entry = persons.setdefault((township, category), [0, 0])
            entry[0] += 1
            if category not in seen:
                entry[1] += 1
                seen.add(category)
    for start in range(0, len(rows), STORE_CHUNK):
        chunk = rows[start:start + STORE_CHUNK]
        pks = bulkwrite.allocate_ids(DeterminationResult, len(chunk))
        bulkwrite.insert_rows(DeterminationResult, [(pk, *row[1:]) for pk, row in zip(pks, chunk, strict=True)],
                              _RESULT_COLUMNS)
        if progress:
            progress(min(start + STORE_CHUNK, len(rows)), len(rows))
    DeterminationTotal.objects.bulk_create([
        DeterminationTotal(run=run, township_id=township, category=category, persons=n, households=h)
        for (township, category), (n, h) in sorted(persons.items())
    ], batch_size=2000)
    return len(rows)
