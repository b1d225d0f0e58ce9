"""Every household of a registry snapshot, in batch on DuckDB (全量批量认定).

Reads the snapshot Parquet (see ``snapshot``), resolves the parameters once per
(county, area), runs the feature query, and streams record batches through the same
formulas as the single-household path, writing results Parquet and calling ``progress``
after each batch.  The results file is written to a temporary name and renamed at the
end, so a failed run leaves nothing half-written.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from jiuzhu.engine.determination.evaluate import (
    RESULT_SCHEMA,
    evaluate_batch,
    param_key_tables,
    result_columns,
)
from jiuzhu.engine.determination.features import feature_sql
from jiuzhu.engine.determination.snapshot import (
    KEY_COLUMNS,
    TABLES,
    add_keys,
    conform,
    validate_snapshot,
)
from jiuzhu.rules.determination.paramtable import ParamTable, build_param_table
from jiuzhu.rules.params.loader import ParameterSet, load_jiangxi

__all__ = ["BatchSummary", "ProgressFn", "connect_snapshot", "run_batch"]

ProgressFn = Callable[[int, int], None]


@dataclass
class BatchSummary:
    """What a batch run did."""

    households: int
    ok: int
    errors: int
    categories: dict[str, int]
    parameter_version: str
    as_of: date
    output: str
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    error_samples: list[dict[str, str]] = field(default_factory=list)


def connect_snapshot(snapshot_dir: str | Path, *, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with one view per snapshot table."""
    root = Path(snapshot_dir)
    validate_snapshot(root)
    con = duckdb.connect(config={"threads": threads or os.cpu_count() or 1})
    keyed = True
    for name in TABLES:
        path = str(root / f"{name}.parquet").replace("'", "''")
        keyed = keyed and all(c in pq.read_schema(root / f"{name}.parquet").names for c in KEY_COLUMNS[name])
        # table names are our constants; the path is quoted above
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")  # noqa: S608
    if keyed:
        keyed = not con.sql("SELECT 1 FROM households WHERE household_key IS NULL LIMIT 1").fetchall()
    if not keyed:
        # a snapshot without surrogate keys (written before they existed): derive them in memory
        tables = add_keys({name: conform(pq.read_table(root / f"{name}.parquet"), name) for name in TABLES})
        for name, table in tables.items():
            con.execute(f"DROP VIEW {name}")
            con.register(name, table)
    return con


def _param_table(con: duckdb.DuckDBPyConnection, params: ParameterSet, as_of: date) -> ParamTable:
    keys = con.sql("SELECT DISTINCT county_code, area_type FROM households").fetchall()
    return build_param_table(params, [(str(c), str(a)) for c, a in keys], as_of)


def run_batch(
    snapshot_dir: str | Path,
    as_of: date,
    output: str | Path,
    params: ParameterSet | None = None,
    *,
    progress: ProgressFn | None = None,
    batch_rows: int = 50_000,
    threads: int | None = None,
    detail: str = "standard",
    eval_workers: int | None = None,
) -> BatchSummary:
    """Determine every household of the snapshot; write results Parquet to *output*.

    *detail* chooses the columns written (``summary`` | ``standard`` | ``full``, see
    :func:`~jiuzhu.engine.determination.evaluate.result_columns`); the complete trace of any
    household can always be re-derived with the single path and the same parameter version.
    """
    columns = result_columns(detail)
    schema = pa.schema([RESULT_SCHEMA.field(c) for c in columns])
    t0 = time.perf_counter()
    params = params or load_jiangxi()
    con = connect_snapshot(snapshot_dir, threads=threads)
    try:
        total, distinct, keys, no_key = con.sql(
            "SELECT COUNT(*), COUNT(DISTINCT household_id), COUNT(DISTINCT household_key), "
            "COUNT(*) FILTER (WHERE county_code IS NULL OR area_type IS NULL) FROM households"
        ).fetchall()[0]
        total = int(total)
        if int(distinct) != total:
            raise ValueError(
                f"快照 households 表中 household_id 有重复（{total - int(distinct)} 行）/ "
                f"snapshot households has {total - int(distinct)} duplicate household_id row(s)"
            )
        if int(keys) != total:
            raise ValueError(
                "快照 households 表中 household_key 缺失或重复 / snapshot households has missing or duplicate household_key"
            )
        ptab = _param_table(con, params, as_of)
        pk, px = param_key_tables(ptab)
        con.register("pk", pk)
        con.register("px", px)
        # one income window and one set of non-counted subtypes for the whole run (the usual
        # case: they are provincial): constants in the query instead of joins
        uniform = (int(no_key) == 0 and len(set(ptab.windows)) == 1
                   and len({tuple(sorted(x)) for x in ptab.excluded_subtypes}) == 1)
        window = ptab.windows[0] if uniform else None
        excluded = tuple(sorted(ptab.excluded_subtypes[0])) if uniform else None
        t1 = time.perf_counter()
        out = Path(output)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".partial")
        done = ok = 0
        counts: dict[str, int] = {}
        samples: list[dict[str, str]] = []
        t_eval = 0.0
        reader = con.sql(
            feature_sql("duckdb", as_of, window=window, excluded_subtypes=excluded)
        ).to_arrow_reader(batch_rows)
        workers = max(1, eval_workers or threads or os.cpu_count() or 1)

        def work(batch: pa.RecordBatch) -> tuple[pa.RecordBatch, float]:
            te = time.perf_counter()
            return evaluate_batch(batch, ptab).select(columns), time.perf_counter() - te

        # The formulas are numpy/Arrow code that releases the GIL: evaluate batches on a
        # small thread pool, write them in order (the file is deterministic).
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer, \
                ThreadPoolExecutor(max_workers=workers) as pool:
            pending: deque[Future[tuple[pa.RecordBatch, float]]] = deque()

            def drain(keep: int) -> None:
                nonlocal done, ok, t_eval
                while len(pending) > keep:
                    res, dt = pending.popleft().result()
                    t_eval += dt
                    writer.write_batch(res)
                    done += res.num_rows
                    status = res.column("status")
                    n_ok = int(pc.sum(pc.equal(status, "ok")).as_py() or 0)
                    ok += n_ok
                    for item in pc.value_counts(pc.list_flatten(res.column("categories"))).to_pylist():
                        counts[item["values"]] = counts.get(item["values"], 0) + int(item["counts"])
                    if len(samples) < 20 and n_ok < res.num_rows:
                        for row in res.filter(pc.equal(status, "error")).slice(0, 20 - len(samples)).to_pylist():
                            samples.append({"household_id": row["household_id"], "code": row["error_code"],
                                            "message_zh": row["error_zh"], "message_en": row["error_en"]})
                    if progress:
                        progress(done, total)

            for batch in reader:
                pending.append(pool.submit(work, batch))
                drain(workers)
            drain(0)
        os.replace(tmp, out)
    except BaseException:
        if "tmp" in locals() and tmp.exists():
            tmp.unlink()
        raise
    finally:
        con.close()
    t2 = time.perf_counter()
    return BatchSummary(
        households=done, ok=ok, errors=done - ok, categories=counts,
        parameter_version=ptab.version, as_of=as_of, output=str(out), seconds=t2 - t0,
        timings={"prepare": t1 - t0, "features_formulas_write": t2 - t1, "formulas_cpu": t_eval},
        error_samples=samples,
    )
