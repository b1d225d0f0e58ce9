"""Benchmark: the cycle's engine phases on a Spark standalone cluster, at two sizes, against DuckDB.

The engine phases of ``jiuzhu cycle`` are the determination of every household and the full
early-warning comparison.  For each size in --sizes (default 1,000,000 and 4,000,000 households):

* **data** — the synthetic province as ``bench/bench_monitoring.py`` prepares it (generator,
  snapshot, the monitoring tables by its DuckDB adapter); not part of any figure;
* **duckdb** — ``run_batch`` (full detail) then ``run_comparison``, the default embedded backend,
  one fresh process;
* **spark** — ``run_spark`` then ``run_comparison(backend="spark")`` in one fresh driver process
  against a Spark standalone cluster started on this machine by
  ``jiuzhu.engine.spark.standalone_cluster``: one master, two workers (one core and --worker-memory
  each), the executors reading the same Parquet files.  The JVM/executor start is reported apart.

Parity: the Spark results must equal DuckDB's (every column of every household's determination;
the (indicator, fingerprint) of every finding); the benchmark fails otherwise.  Writes the
section "## Spark standalone cluster (issue 17)" of docs/benchmarks.md.

    .venv/bin/python bench/bench_spark_cluster.py [--sizes 1000000,4000000] [--dir /work/benchdata/spark]
"""

# ruff: noqa: S603  (our own interpreter and scripts)

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
PY = sys.executable
SECTION = "## Spark standalone cluster (issue 17)"

from _doc import replace_section  # noqa: E402
from bench_monitoring import AS_OF, _machine, _rss_mb, prepare  # noqa: E402


def child(mode: str, work: Path, out: Path, executor_memory: str) -> None:
    import pyarrow.parquet as pq

    from jiuzhu.engine.determination.batch import run_batch
    from jiuzhu.engine.monitoring.compare import run_comparison
    from jiuzhu.rules.params.loader import load_jiangxi

    snap, data = work / "snapshot", work / "data"
    params = load_jiangxi()
    result: dict[str, Any] = {"mode": mode}
    det_out = out.with_name(f"det-{mode}.parquet")
    if mode == "duckdb":
        t = time.perf_counter()
        run_batch(snap, AS_OF, det_out, params, detail="full")
        result["determination_s"] = time.perf_counter() - t
        t = time.perf_counter()
        f = run_comparison(snap, data, AS_OF, params)
        result["comparison_s"] = time.perf_counter() - t
    else:
        import psutil

        from jiuzhu.engine.determination.spark import run_spark
        from jiuzhu.engine.spark import local_session

        t = time.perf_counter()
        session = local_session("jiuzhu-bench", cores=2, driver_memory="6g", executor_memory=executor_memory)
        session.range(4).repartition(2).count()  # executors up on both workers
        result["start_s"] = time.perf_counter() - t
        result["master"] = session.sparkContext.master
        result["executors"] = session.sparkContext._jsc.sc().getExecutorMemoryStatus().size() - 1
        t = time.perf_counter()
        table = run_spark(snap, AS_OF, params, spark=session, output=work / "spark-results")
        result["determination_s"] = time.perf_counter() - t
        pq.write_table(table, det_out)
        del table
        t = time.perf_counter()
        f = run_comparison(snap, data, AS_OF, params, backend="spark", spark=session)
        result["comparison_s"] = time.perf_counter() - t
        jvm = [c for c in psutil.Process().children(recursive=True) if "java" in c.name()]
        result["driver_jvm_rss_mb"] = sum(_rss_mb(c.pid) for c in jvm)
        session.stop()
    result["findings"] = f.counts
    pq.write_table(f.table.select(["indicator", "fingerprint"]), out.with_name(f"findings-{mode}.parquet"))
    result["rss_mb"] = _rss_mb()
    out.write_text(json.dumps(result))


def measure(mode: str, work: Path, executor_memory: str, env: dict[str, str]) -> dict[str, Any]:
    out = work / f"cluster-{mode}.json"
    t = time.perf_counter()
    subprocess.run([PY, __file__, "--child", mode, "--work", str(work), "--executor-memory", executor_memory],
                   check=True, cwd=ROOT, env={**os.environ, **env, "PYTHONPATH": str(ROOT)})
    result: dict[str, Any] = json.loads(out.read_text())
    result["process_s"] = time.perf_counter() - t
    print(f"  {mode}: determination {result['determination_s']:.1f} s, comparison {result['comparison_s']:.1f} s"
          f" (process {result['process_s']:.1f} s)", flush=True)
    return result


def parity(work: Path) -> dict[str, Any]:
    """Spark's stored results equal DuckDB's, column by column; the findings, fingerprint by fingerprint."""
    import pyarrow.parquet as pq

    duck = pq.read_table(work / "det-duckdb.parquet").sort_by("household_id")
    spark = pq.read_table(work / "det-spark.parquet").sort_by("household_id")
    assert duck.num_rows == spark.num_rows, (duck.num_rows, spark.num_rows)
    assert spark.schema.equals(duck.schema), "determination schemas differ"
    for name in duck.column_names:
        assert spark.column(name).equals(duck.column(name)), f"determination column {name} differs"
    fd = pq.read_table(work / "findings-duckdb.parquet").sort_by([("indicator", "ascending"),
                                                                   ("fingerprint", "ascending")])
    fs = pq.read_table(work / "findings-spark.parquet").sort_by([("indicator", "ascending"),
                                                                  ("fingerprint", "ascending")])
    assert fd.equals(fs), "findings differ"
    return {"households": duck.num_rows, "findings": fd.num_rows}


def report(sizes: list[dict[str, Any]], cluster: dict[str, Any]) -> str:
    lines = [
        SECTION,
        "",
        f"`bench/bench_spark_cluster.py`, {time.strftime('%Y-%m-%d')}: the cycle's two engine phases (the "
        "determination of every household, `run_spark` / `run_batch`; the full early-warning comparison, "
        "`run_comparison`) on a **Spark standalone cluster started on this machine** (one master, "
        f"{cluster['workers']} workers × {cluster['cores']} core × {cluster['memory']}, "
        "`jiuzhu.engine.spark.standalone_cluster`; the driver a separate process, as `SPARK_MASTER=spark://…` "
        "makes `jiuzhu cycle --backend spark` do) and on DuckDB (the default backend) over the same Parquet "
        "files. Each backend one fresh process per size; the time is the phase's call (tables exported, JVM "
        "and executors started beforehand: reported apart).",
        "",
        f"- Machine: {_machine()}; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} (1/5/15 min) at "
        "the end.",
        f"- Cluster start (master + workers registered): {cluster['start_s']:.1f} s.",
        "",
        "| households | persons | dept rows | findings | phase | DuckDB (s) | Spark cluster (s) | Spark / DuckDB |",
        "|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for s in sizes:
        d, p = s["duckdb"], s["spark"]
        for phase in ("determination", "comparison"):
            key = f"{phase}_s"
            lines.append(f"| {s['households']:,} | {s['persons']:,} | {s['dept_rows']:,} | {s['parity']['findings']:,} "
                         f"| {phase} | {d[key]:.1f} | {p[key]:.1f} | {p[key] / d[key]:.2f}× |")
    lines.append("")
    if len(sizes) > 1:
        a, b = sizes[0], sizes[-1]
        k = b["households"] / a["households"]
        grow = []
        for backend in ("duckdb", "spark"):
            for phase in ("determination", "comparison"):
                key = f"{phase}_s"
                grow.append(f"{backend} {phase} {b[backend][key] / a[backend][key]:.2f}×")
        lines.append(f"- Growth from {a['households']:,} to {b['households']:,} households ({k:.0f}× the data): "
                     + ", ".join(grow) + " the time.")
    for s in sizes:
        p = s["spark"]
        lines.append(f"- {s['households']:,} households: Spark driver start with {p['executors']} executors "
                     f"{p['start_s']:.1f} s; driver RSS {p['rss_mb']:,.0f} MB + driver JVM {p['driver_jvm_rss_mb']:,.0f} "
                     f"MB; DuckDB process RSS {s['duckdb']['rss_mb']:,.0f} MB.")
    lines += [
        "- Parity: at every size the Spark cluster's determination equals DuckDB's in every column of every "
        "household, and its findings equal DuckDB's (indicator and fingerprint of every one); the benchmark "
        "fails otherwise. The test `tests/cycle/test_cycle.py::test_backend_spark_on_a_standalone_cluster` "
        "runs the whole `jiuzhu cycle --backend spark` on such a cluster and compares the stored rows "
        "(`-m slow`).",
        "- Reading: on one machine the cluster's processes share its cores with the driver, so compare the "
        "growth between sizes (above), not the ratio to DuckDB; what the figures mean is written under the "
        "table by hand (docs/benchmarks.md).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000000,4000000")
    ap.add_argument("--dir", default="/work/benchdata/spark")
    ap.add_argument("--worker-memory", default="5g")
    ap.add_argument("--child")
    ap.add_argument("--work")
    ap.add_argument("--executor-memory", default="4500m")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    if args.child:
        child(args.child, Path(args.work), Path(args.work) / f"cluster-{args.child}.json", args.executor_memory)
        return
    from jiuzhu.engine.spark import standalone_cluster

    sizes: list[dict[str, Any]] = []
    cluster_info: dict[str, Any] = {}
    for n in (int(x) for x in args.sizes.split(",")):
        work = Path(args.dir) / f"h{n}"
        print(f"{n:,} households: preparing data in {work}", flush=True)
        info = prepare(work, n)
        entry: dict[str, Any] = {"households": n, "persons": info["persons"], "dept_rows": info["dept_rows"]}
        entry["duckdb"] = measure("duckdb", work, args.executor_memory, {})
        t = time.perf_counter()
        with standalone_cluster(2, 1, args.worker_memory, work_dir=work / "cluster") as c:
            cluster_info = {"workers": c.workers, "cores": c.cores_per_worker, "memory": c.memory_per_worker,
                            "start_s": time.perf_counter() - t}
            entry["spark"] = measure("spark", work, args.executor_memory, {"SPARK_MASTER": c.master})
        entry["parity"] = parity(work)
        print(f"  parity: {entry['parity']}", flush=True)
        sizes.append(entry)
    text = report(sizes, cluster_info)
    print(text)
    (Path(args.dir) / "result.json").write_text(json.dumps(sizes, indent=1))
    if not args.no_write:
        replace_section(SECTION, text)


if __name__ == "__main__":
    main()
