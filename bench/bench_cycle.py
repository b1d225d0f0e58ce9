"""Benchmark: the province's monthly cycle end to end on PostgreSQL (issue 17 §3).

One run, all in subprocesses of the real commands against a private PostgreSQL with the
production durability settings (``PG_FSYNC=on scripts/pg-test.sh``: fsync and full-page writes on):

1. **data** — ``jiuzhu generate --households N --seed 1 --out DIR/feeds`` (reused if present);
2. **one-time registry load** — ``jiuzhu load DIR/feeds`` (persons/s), floor: a plain ``COPY`` of
   the same source rows into unindexed text tables;
3. **the cycle** — ``jiuzhu cycle --month M --feeds DIR/feeds --json``, ``--runs`` times, each on a fresh
   copy of the loaded database (``CREATE DATABASE … TEMPLATE``): each phase's time and rows, CPU time
   and peak RSS of the process tree (psutil, sampled every 0.2 s); then the same command again on the
   last copy (the re-run must change nothing). With ``--baseline REV`` the same runs of the code at git
   revision REV (``git archive`` into a temporary directory), alternated with the current code's, and
   one registry load of each: medians and the ratio baseline ÷ current, measured in the same run;
4. **floors, measured in the same run** — write paths: a plain ``COPY`` of the same rows into an
   unindexed table (import: the department files' rows; snapshot: ``COPY … TO STDOUT`` of the
   registry tables; warnings: the stored warnings, their events and outbox messages; matching:
   the stored matches; payroll: the stored lines); engine phases: the engine's own DuckDB SQL
   on the exported snapshot, no database (``run_batch``, ``run_comparison``).

Writes the section "## Monthly cycle (issue 17)" of docs/benchmarks.md (replaced if present).

    .venv/bin/python bench/bench_cycle.py --households 20000 [--dir /work/benchdata/cycle-20000] [--runs 3]
        [--baseline aa5560f] [--no-doc]
"""

# ruff: noqa: S603, S607, S608  (our own interpreter, scripts and table names)

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil
from _doc import replace_section  # bench/ is the script's own folder

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SECTION = "## Monthly cycle (issue 17)"
REGISTRY_FILES = ["households", "members", "income_items", "property_items", "expenses", "supporters"]
STORED = {  # phase -> tables whose rows the phase wrote (their plain COPY is the floor)
    "warnings": ["monitoring_warning", "monitoring_warningevent", "exchange_outboxmessage"],
    "matching": ["assistance_match"],
    "payroll": ["assistance_payrollline"],
}
SNAPSHOT_TABLES = ["registry_household", "registry_member", "registry_incomeitem", "registry_propertyitem",
                   "registry_expense", "registry_supporter"]


class PeakRSS(threading.Thread):
    """Peak resident memory of a process and its children, sampled."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.proc, self.peak, self.stop = psutil.Process(pid), 0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in procs if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.2)


CPU: dict[str, float] = {}  # CPU seconds (user + system) of each command's process tree, by its first argument


def run(env: dict[str, str], *args: str, root: Path = ROOT) -> tuple[float, int, str]:
    """(seconds, peak RSS bytes, stdout) of ``jiuzhu ARGS`` (the code under *root*); its CPU time goes to
    ``CPU[args[0]]``."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    p = subprocess.Popen([PY, "-m", "jiuzhu.cli", *args], cwd=root, env={**env, "PYTHONPATH": str(root)},
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    rss = PeakRSS(p.pid)
    rss.start()
    out, err = p.communicate()
    rss.stop.set()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[args[0]] = CPU.get(args[0], 0.0) + (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode != 0:
        raise SystemExit(f"jiuzhu {' '.join(args)} failed ({p.returncode}):\n{out[-3000:]}\n{err[-3000:]}")
    return seconds, rss.peak, out


def copy_floor_parquet(url: str, files: list[Path]) -> tuple[float, int]:
    """Plain COPY of the files' rows (as text) into fresh unindexed tables: (seconds, rows)."""
    import psycopg
    import pyarrow.parquet as pq

    total, seconds = 0, 0.0
    with psycopg.connect(url) as con:
        for n, path in enumerate(files):
            table = pq.read_table(path)
            cols = [f"c{i} text" for i in range(table.num_columns)]
            rows = [tuple(None if v is None else str(v) for v in r.values()) for r in table.to_pylist()]
            with con.cursor() as cur:
                cur.execute(f"DROP TABLE IF EXISTS floor_{n}; CREATE TABLE floor_{n} ({', '.join(cols)})")
                con.commit()
                started = time.perf_counter()
                with cur.copy(f"COPY floor_{n} FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row(r)
                con.commit()
                seconds += time.perf_counter() - started
                cur.execute(f"DROP TABLE floor_{n}")
                con.commit()
            total += len(rows)
    return seconds, total


def copy_floor_tables(url: str, tables: list[str]) -> tuple[float, int]:
    """Plain COPY of the rows stored in *tables* into unindexed copies: (seconds, rows)."""
    import psycopg

    seconds, total = 0.0, 0
    with psycopg.connect(url) as con, con.cursor() as cur:
        for t in tables:
            buf = io.BytesIO()
            with cur.copy(f"COPY {t} TO STDOUT") as copy:
                for chunk in copy:
                    buf.write(chunk)
            cur.execute(f"SELECT COUNT(*) FROM {t}")
            total += cur.fetchone()[0]
            cur.execute(f"DROP TABLE IF EXISTS floor_{t}; CREATE TABLE floor_{t} AS SELECT * FROM {t} WITH NO DATA")
            con.commit()
            started = time.perf_counter()
            with cur.copy(f"COPY floor_{t} FROM STDIN") as copy:
                copy.write(buf.getvalue())
            con.commit()
            seconds += time.perf_counter() - started
            cur.execute(f"DROP TABLE floor_{t}")
            con.commit()
    return seconds, total


def copy_out_floor(url: str) -> tuple[float, int]:
    """The snapshot's floor: ``COPY … TO STDOUT`` of the registry tables (read, discarded)."""
    import psycopg

    total = 0
    with psycopg.connect(url) as con, con.cursor() as cur:
        started = time.perf_counter()
        for t in SNAPSHOT_TABLES:
            with cur.copy(f"COPY {t} TO STDOUT") as copy:
                for _chunk in copy:
                    pass
        seconds = time.perf_counter() - started
        cur.execute("SELECT COUNT(*) FROM registry_household")
        total = cur.fetchone()[0]
    return seconds, total


def child_engine(as_of: str) -> dict[str, Any]:
    """In a Django process: export the snapshot and the comparison's tables, then time the engines alone."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.config.settings")
    django.setup()
    from jiuzhu.apps.determination.services import export_snapshot
    from jiuzhu.apps.monitoring.export import export_tables
    from jiuzhu.apps.policy.selectors import current_parameters
    from jiuzhu.engine.determination.batch import run_batch
    from jiuzhu.engine.monitoring.compare import run_comparison

    on = dt.date.fromisoformat(as_of)
    params = current_parameters()
    with tempfile.TemporaryDirectory(prefix="bench-cycle-") as tmp:
        snap = Path(tmp) / "snap"
        export_snapshot(snap)
        started = time.perf_counter()
        run_batch(snap, on, Path(tmp) / "out.parquet", params, detail="summary")
        det = time.perf_counter() - started
        msnap, mdata = Path(tmp) / "msnap", Path(tmp) / "mdata"
        export_tables(msnap, mdata, on)
        started = time.perf_counter()
        found = run_comparison(msnap, mdata, on, params, since=None, backend="duckdb")
        cmp_s = time.perf_counter() - started
    return {"determination": det, "comparison": cmp_s, "findings": found.table.num_rows}


# A production server's memory and WAL sizes (PostgreSQL's defaults — 128 MB of shared buffers, a
# checkpoint every 1 GB of WAL — are for a laptop: at 100,000 households the department records' indexes
# outgrow the buffers and the commits turn into random I/O). Durability stays on (fsync, full-page writes).
PG_TUNING = "-c shared_buffers=4GB -c max_wal_size=16GB -c checkpoint_timeout=30min -c work_mem=64MB"


def pg_start(path: Path) -> str:
    env = {**os.environ, "PG_FSYNC": "on", "PG_OPTS": os.environ.get("BENCH_PG_OPTS", PG_TUNING)}
    return subprocess.run([str(ROOT / "scripts/pg-test.sh"), "start", str(path)], check=True, env=env,
                          capture_output=True, text=True).stdout.strip()


def pg_stop(path: Path) -> None:
    subprocess.run([str(ROOT / "scripts/pg-test.sh"), "stop", str(path)], check=False, capture_output=True)


def _median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def report(n: int, info: dict[str, Any]) -> str:
    runs, floors, base = info["runs"], info["floors"], info.get("baseline_runs") or []
    names = [p["name"] for p in runs[0]["phases"]]

    def med(rs: list[dict[str, Any]], name: str) -> float:
        return _median([next(p["seconds"] for p in r["phases"] if p["name"] == name) for r in rs])

    rows_of = {p["name"]: p["rows"] for p in runs[0]["phases"]}
    lines = [
        SECTION, "",
        f"`bench/bench_cycle.py`, {info['date']}: `jiuzhu cycle --month {info['month']} --feeds DIR --json` on "
        f"PostgreSQL {info['pg']} (private server, **fsync and full_page_writes on** — production durability; "
        f"`{os.environ.get('BENCH_PG_OPTS', PG_TUNING)}`), "
        f"each run on a fresh copy of the loaded database. **Measured at {n:,} households, not 1.5 M** (see the "
        f"extrapolation below); {len(runs)} run(s) of the current code"
        + (f" alternated with {len(base)} run(s) of the baseline (git {info['baseline']}, the code before "
           "issue 17's second round), both in this one session" if base else "") + "; medians.",
        "",
        f"- Machine: {info['machine']}; load average (1/5/15 min) before {info['load_before']}, after "
        f"{info['load_after']} (the 2 cores were shared with other helpers' work: figures are noisy; the "
        "baseline and the current code saw the same load, alternated).",
        f"- Data: generator seed 1: {info['households']:,} households, {info['persons']:,} persons, "
        f"{info['dept_rows']:,} department rows in {info['files']} files.",
        "",
    ]
    if base:
        lines += ["| phase | rows | baseline s (median) | current s (median) | baseline ÷ current | current rows/s "
                  "| floor s | floor | current ÷ floor |",
                  "|---|---:|---:|---:|---:|---:|---:|---|---:|"]
    else:
        lines += ["| phase | rows | current s (median) | current rows/s | floor s | floor | current ÷ floor |",
                  "|---|---:|---:|---:|---:|---|---:|"]
    for name in names:
        cur, rows = med(runs, name), rows_of[name]
        f = floors.get(name)
        rate = f"{rows / cur:,.0f}" if cur > 0 and rows else "—"
        fl, what, ratio = ("—", (f or {}).get("what", "—"), "—")
        if f and f["seconds"] > 0 and rows:
            fl, what, ratio = f"{f['seconds']:.2f}", f["what"], f"{cur / f['seconds']:.1f}×"
        if base:
            b = med(base, name)
            speed = f"{b / cur:.1f}×" if cur > 0 and rows else "—"
            lines.append(f"| {name} | {rows:,} | {b:.1f} | {cur:.1f} | {speed} | {rate} | {fl} | {what} | {ratio} |")
        else:
            lines.append(f"| {name} | {rows:,} | {cur:.1f} | {rate} | {fl} | {what} | {ratio} |")
    total = _median([r["total_seconds"] for r in runs])
    if base:
        btotal = _median([r["total_seconds"] for r in base])
        lines.append(f"| **whole cycle** | | **{btotal:.1f}** | **{total:.1f}** | **{btotal / total:.1f}×** | | | | |")
    else:
        lines.append(f"| **whole cycle** | | **{total:.1f}** | | | | |")
    each = ", ".join(f"{r['total_seconds']:.1f}" for r in runs)
    beach = ", ".join(f"{r['total_seconds']:.1f}" for r in base)
    lines += [
        "",
        f"- Whole cycle, each run (s): current {each}"
        + (f"; baseline {beach}" if base else "")
        + ".",
        f"- CPU time (user + system, all processes of the command, median): cycle {_median(info['cycle_cpu']):.1f} s"
        + (f" (baseline {_median(info['baseline_cpu']):.1f} s)" if base else "")
        + ". The database server's own CPU is not included.",
        f"- Peak RSS of the cycle's process tree: {max(info['cycle_rss']) / 2**20:,.0f} MB. Re-run of the same month "
        f"(nothing to do, every phase skipped, nothing changed): {info['rerun_seconds']:.1f} s.",
        f"- One-time registry load (`jiuzhu load`, one run): {info['load_seconds']:.1f} s = "
        f"{info['persons'] / info['load_seconds']:,.0f} persons/s"
        + (f" (baseline {info['baseline_load_seconds']:.1f} s)" if base else "")
        + f", peak RSS {info['load_rss'] / 2**20:,.0f} MB; floor (plain COPY of the {info['load_floor_rows']:,} source "
        f"rows into unindexed text tables) {info['load_floor']:.2f} s — ratio "
        f"{info['load_seconds'] / max(info['load_floor'], 1e-9):.1f}×.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--households", type=int, default=20_000)
    ap.add_argument("--dir", type=Path)
    ap.add_argument("--month", default="2026-12")
    ap.add_argument("--runs", type=int, default=1, help="cycle runs of each code version (medians reported)")
    ap.add_argument("--baseline", help="git revision measured alongside, runs alternated with the current code's")
    ap.add_argument("--no-doc", action="store_true")
    ap.add_argument("--child-engine", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_engine:
        print(json.dumps(child_engine(args.child_engine)))
        return
    from jiuzhu.pii.crypto import Keyring

    work = (args.dir or Path(f"/work/benchdata/cycle-{args.households}")).resolve()
    feeds = work / "feeds"
    work.mkdir(parents=True, exist_ok=True)
    info: dict[str, Any] = {"month": args.month, "date": dt.date.today().isoformat(), "baseline": args.baseline,
                            "load_before": " ".join(f"{x:.1f}" for x in os.getloadavg())}
    if not (feeds / "households.parquet").exists():
        subprocess.run([PY, "-m", "jiuzhu.cli", "generate", "--households", str(args.households), "--seed", "1",
                        "--out", str(feeds)], cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    holder = tempfile.TemporaryDirectory(prefix="bench-baseline-") if args.baseline else None
    base_root = Path(holder.name) if holder is not None else None
    if base_root is not None:
        tar = subprocess.run(["git", "-C", str(ROOT), "archive", args.baseline], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base_root)], input=tar, check=True)
    pg_dir = work / f"pg-{int(time.time())}"
    url = pg_start(pg_dir)
    server = url.rsplit("/", 1)[0]

    def psql(sql: str) -> None:
        subprocess.run(["psql", url, "-qc", sql], check=True, capture_output=True)

    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("JIUZHU_")}
        env.update(JIUZHU_VAR_DIR=str(work / "var"), JIUZHU_KEYRING_JSON=Keyring.generate().to_json())

        def on(db: str) -> dict[str, str]:
            return {**env, "JIUZHU_DATABASE_URL": f"{server}/{db}"}

        psql("CREATE DATABASE loaded")
        subprocess.run([PY, "-m", "jiuzhu.cli", "manage", "migrate", "--verbosity", "0"], cwd=ROOT,
                       env={**on("loaded"), "PYTHONPATH": str(ROOT)}, check=True)
        subprocess.run([PY, "-m", "jiuzhu.cli", "manage", "shell", "-c",
                        "from jiuzhu.apps.core.services import regions_load, shipped_region_rows; "
                        "regions_load(shipped_region_rows())"], cwd=ROOT, env={**on("loaded"), "PYTHONPATH": str(ROOT)},
                       check=True)
        psql("CREATE DATABASE empty TEMPLATE loaded")
        import pyarrow.parquet as pq

        info["load_seconds"], info["load_rss"], _ = run(on("loaded"), "load", str(feeds))
        info["load_cpu"] = CPU.pop("load")
        if base_root is not None:
            psql("CREATE DATABASE base_load TEMPLATE empty")
            info["baseline_load_seconds"], _, _ = run(on("base_load"), "load", str(feeds), root=base_root)
            info["baseline_load_cpu"] = CPU.pop("load")
            psql("DROP DATABASE base_load")
        info["load_floor"], info["load_floor_rows"] = copy_floor_parquet(
            url, [feeds / f"{n}.parquet" for n in REGISTRY_FILES if (feeds / f"{n}.parquet").exists()])
        info["households"] = pq.ParquetFile(feeds / "households.parquet").metadata.num_rows
        info["persons"] = pq.ParquetFile(feeds / "members.parquet").metadata.num_rows
        dept = sorted(feeds.glob("dept_*.parquet"))
        info["dept_rows"] = sum(pq.ParquetFile(p).metadata.num_rows for p in dept)
        info["files"] = len(dept)
        cycle = ("cycle", "--month", args.month, "--feeds", str(feeds), "--json")
        info.update(runs=[], cycle_cpu=[], cycle_rss=[], baseline_runs=[], baseline_cpu=[])
        last = ""
        for i in range(args.runs):
            versions = [("current", ROOT)] + ([("baseline", base_root)] if base_root is not None else [])
            for label, root in versions if i % 2 == 0 else versions[::-1]:  # alternated: same load for both
                db = f"run_{label}_{i}"
                psql(f"CREATE DATABASE {db} TEMPLATE loaded")
                _s, rss, out = run(on(db), *cycle, root=root)
                key = "runs" if label == "current" else "baseline_runs"
                info[key].append(json.loads(out))
                info["cycle_cpu" if label == "current" else "baseline_cpu"].append(CPU.pop("cycle"))
                if label == "current":
                    info["cycle_rss"].append(rss)
                    if last:
                        psql(f"DROP DATABASE {last}")
                    last = db
                else:
                    psql(f"DROP DATABASE {db}")
        info["rerun_seconds"], _, _ = run(on(last), *cycle)
        floors: dict[str, dict[str, Any]] = {}
        s, _n = copy_floor_parquet(url, dept)
        floors["import"] = {"seconds": s, "what": f"COPY of the {_n:,} file rows, unindexed"}
        s, _n = copy_out_floor(f"{server}/{last}")
        floors["snapshot"] = {"seconds": s, "what": "COPY TO STDOUT of the registry tables"}
        for phase, tables in STORED.items():
            s, _n = copy_floor_tables(f"{server}/{last}", tables)
            floors[phase] = {"seconds": s, "what": f"COPY of the {_n:,} stored rows, unindexed"}
        eng = subprocess.run([PY, str(Path(__file__).resolve()), "--child-engine", f"{args.month}-01"], cwd=ROOT,
                             env={**on(last), "PYTHONPATH": str(ROOT)}, check=True, capture_output=True, text=True)
        e = json.loads(eng.stdout.strip().splitlines()[-1])
        floors["determination"] = {"seconds": e["determination"], "what": "DuckDB batch on the snapshot, no database"}
        floors["comparison"] = {"seconds": e["comparison"], "what": "DuckDB indicators on the exported tables"}
        info["floors"] = floors
        pgv = subprocess.run(["psql", url, "-Atc", "SHOW server_version"], capture_output=True, text=True)
        info["pg"] = pgv.stdout.strip() or "?"
    finally:
        pg_stop(pg_dir)
        if holder is not None:
            holder.cleanup()
    info["load_after"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    info["machine"] = (f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
                       f"{psutil.virtual_memory().total / 2**30:.0f} GiB RAM, Python {platform.python_version()}")
    (work / "result.json").write_text(json.dumps(info, indent=1, default=str))
    text = report(args.households, info)
    print(text)
    if not args.no_doc:
        replace_section(SECTION, text)


if __name__ == "__main__":
    main()
