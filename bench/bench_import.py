"""Benchmark: importing a department CSV feed into the staging store (issue 4, performance).

Generates a CSV for ``medical_insurance_settlements`` (11 columns: settlement ID, ID
number, date, four amounts, disease code, boolean, name, region code) streamed to disk
(generation is not timed), then measures, each run in a fresh process:

* ``stage``   — the import's validation step end to end, as ``services._validate`` does it:
  ``open_table`` (SM3 of the bytes, encoding scan, header), ``Validator.batches`` (the
  column-wise fast path with per-row fallback), valid rows appended to the Arrow staging
  file (:class:`~jiuzhu.engine.exchange.staging.StagingFile`), row errors pickled to a
  temporary file, duplicate check (``SqliteKeyTracker``, ``finish()``), and the XLSX
  row-error report written;
* ``rowwise`` — the same with the per-row path (``fast=False``): the baseline before;
* ``floor``   — ``pyarrow.csv`` reading the same file, all columns as strings, no checks.

Reports rows/s (median of the runs) and the peak RSS of each process, and rewrites the
"## Department-data import" section of docs/benchmarks.md.

    .venv/bin/python bench/bench_import.py [--rows 10000000] [--runs 1]
        [--small-rows 1000000] [--small-runs 3] [--rowwise-rows 200000] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SOURCE = "medical_insurance_settlements"
TODAY = date(2026, 11, 1)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    except OSError:
        mem = 0
    return f"{os.cpu_count()} cores, {cpu}, {mem:.0f} GiB RAM, Python {platform.python_version()}"


# --------------------------------------------------------------------------- the file


def generate(path: Path, rows: int, seed: int = 4, regions: bool = True) -> dict[str, int]:
    """Write *rows* data rows; 1 % valid but spelled otherwise (0.4 % needing the per-row
    path: 15-digit IDs, midnight timestamps), 0.1 % invalid.

    Written in blocks of 50 000 lines: the generator never holds the file.
    """
    from jiuzhu.rules.exchange import get_source
    from jiuzhu.rules.identity import check_char

    source = get_source(SOURCE)
    disease = next(f for f in source.fields if f.name == "disease_code").choices
    rng = random.Random(seed)
    ids = []
    for _ in range(50_000):
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(80 * 365))
        first17 = f"36{rng.randrange(100):02d}{rng.randrange(100):02d}{born:%Y%m%d}{rng.randrange(1000):03d}"
        ids.append(first17 + check_char(first17))
    region_codes = ["360124", "360730", "360102", "360124100", "360730001"]
    names = ["张三", "李四", "王五", "赵六", "陈小明", "刘芳", "阿依古丽·买买提"]
    stats = {"rows": rows, "noncanonical": 0, "invalid": 0}
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(",".join(fl.name for fl in source.fields) + "\n")
        block: list[str] = []
        for i in range(rows):
            total = rng.randrange(1000, 5_000_000)
            ins = rng.randrange(0, total)
            cells = [
                f"JX{i:010d}", ids[i % len(ids)],
                f"{2020 + rng.randrange(6)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                f"{total // 100}.{total % 100:02d}", f"{ins // 100}.{ins % 100:02d}",
                f"{(total - ins) // 100}.{(total - ins) % 100:02d}",
                rng.choice(disease)[0], rng.choice(("true", "false", "1", "0")),
                "" if rng.random() < 0.7 else f"{rng.randrange(1, 2000)}.50",
                rng.choice(names), rng.choice(region_codes) if regions else "",
            ]
            r = rng.random()
            if r < 0.001:  # invalid: a check digit, a negative amount, a date, a code
                stats["invalid"] += 1
                k = rng.randrange(4)
                if k == 0:
                    cells[1] = cells[1][:17] + ("0" if cells[1][17] != "0" else "1")
                elif k == 1:
                    cells[3] = "-" + cells[3]
                elif k == 2:
                    cells[2] = "2024-02-30"
                else:
                    cells[6] = "ZZ99"
            elif r < 0.011:  # valid, spelled another way
                stats["noncanonical"] += 1
                k = rng.randrange(5)
                if k == 0:  # still column-wise
                    cells[2] = cells[2].replace("-", "/")
                elif k == 1:
                    cells[3] = "￥" + cells[3]
                elif k == 2:
                    cells[7] = "是"
                elif k == 3 and cells[1][6:8] == "19":  # per-row: upgraded and flagged
                    cells[1] = cells[1][:6] + cells[1][8:17]
                else:  # per-row: a timestamp at midnight
                    cells[2] += " 00:00:00"
            block.append(",".join(cells) + "\n")
            if len(block) == 50_000:
                f.write("".join(block))
                block.clear()
        f.write("".join(block))
    return stats


# --------------------------------------------------------------------------- one run (child)


def _run_floor(path: Path) -> dict[str, object]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from jiuzhu.rules.exchange import get_source

    names = get_source(SOURCE).field_names
    rows = 0
    reader = pacsv.open_csv(
        path, read_options=pacsv.ReadOptions(block_size=8 << 20),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}))
    for batch in reader:
        rows += batch.num_rows
    return {"rows": rows}


def _run_stage(path: Path, fast: bool, workdir: Path) -> dict[str, object]:
    from jiuzhu.engine.exchange import (
        CLI_LIMITS,
        PartitionedKeyTracker,
        StagingFile,
        Validator,
        open_table,
        staging_schema,
        write_error_report,
    )
    from jiuzhu.rules.exchange import get_source

    source = get_source(SOURCE)
    regions = {"360124", "360730", "360102", "360124100", "360730001"}
    errors_file = tempfile.TemporaryFile(dir=workdir)
    errors_buf: list[object] = []
    errors_total = 0
    with open_table(source, path, limits=CLI_LIMITS) as reader:
        v = Validator(source, region_ok=regions.__contains__, today=TODAY, spreadsheet=reader.float_cells,
                      columns=reader.columns, key_tracker=PartitionedKeyTracker(str(workdir)))
        staging = StagingFile(staging_schema(source), workdir)
        for vb in v.batches(reader, fast=fast, block_bytes=int(os.environ.get("BENCH_BLOCK", 4 << 20))):
            staging.add(vb.valid)
            for err in vb.errors:
                errors_buf.append(err)
                errors_total += 1
                if len(errors_buf) >= 500:
                    pickle.dump(errors_buf, errors_file)
                    errors_buf = []
        report = v.finish()
        errors_buf.extend(report.errors)
        errors_total += len(report.errors)
        pickle.dump(errors_buf, errors_file)

        def all_errors():  # type: ignore[no-untyped-def]
            errors_file.seek(0)
            while True:
                try:
                    yield from pickle.load(errors_file)  # noqa: S301 - our own file
                except EOFError:
                    return

        write_error_report(all_errors(), workdir / "report.xlsx")
        staged = staging.count
        staging.close()
    errors_file.close()
    return {"rows": v.rows_seen, "valid": v.rows_valid - len(report.drop), "staged": staged,
            "errors": errors_total}


def child(mode: str, path: Path, workdir: Path) -> None:
    t0 = time.perf_counter()
    if mode == "floor":
        out = _run_floor(path)
    else:
        out = _run_stage(path, mode == "stage", workdir)
    out["seconds"] = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out["cpu_seconds"] = usage.ru_utime + usage.ru_stime  # all threads, imports included
    out["peak_rss_mb"] = usage.ru_maxrss / 1024
    print(json.dumps(out))


def measure_commit(rows: int, workdir: Path) -> dict[str, object]:
    """``jiuzhu import`` into a fresh SQLite database: validation, staging *and* the commit.

    Region codes are left blank: the fresh database has no region table, and the commit's cost
    (encryption, blind indexes, inserts) does not depend on them.
    """
    from tests.conftest import TEST_KEYRING

    path = workdir / "commit.csv"
    generate(path, rows, regions=False)
    env = {**os.environ, "JIUZHU_SQLITE_PATH": str(workdir / "bench.sqlite3"),
           "JIUZHU_VAR_DIR": str(workdir / "var"), "JIUZHU_KEYRING_JSON": TEST_KEYRING}
    env.pop("JIUZHU_DATABASE_URL", None)
    cli = [sys.executable, "-m", "jiuzhu.cli"]
    subprocess.run([*cli, "manage", "migrate", "--verbosity", "0"], env=env, check=True, cwd=ROOT)
    # The CLI run in-process under a wrapper that reports its own peak RSS and CPU time.
    wrapper = (
        "import atexit, json, resource, runpy, sys\n"
        "def report():\n"
        "    u = resource.getrusage(resource.RUSAGE_SELF)\n"
        "    print('USAGE ' + json.dumps([u.ru_maxrss / 1024, u.ru_utime + u.ru_stime]), file=sys.stderr)\n"
        "atexit.register(report)\n"
        f"sys.argv = ['jiuzhu', 'import', {SOURCE!r}, {str(path)!r}]\n"
        "runpy.run_module('jiuzhu.cli', run_name='__main__')\n"
    )
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", wrapper], env=env, check=True, cwd=ROOT,
                       capture_output=True, text=True)
    secs = time.perf_counter() - t
    peak, cpu = json.loads(r.stderr.rsplit("USAGE ", 1)[1])
    print("  commit:", r.stdout.strip(), flush=True)
    stage = measure("stage", path, 1)
    return {"rows": rows, "runs": 1, "seconds": secs, "all_seconds": [round(secs, 1)],
            "rows_per_s": rows / secs, "peak_rss_mb": peak, "cpu_seconds": cpu,
            "commit_only_rows_per_s": rows / max(secs - float(stage["seconds"]), 1e-9),
            "output": r.stdout.strip()}


def measure(mode: str, path: Path, runs: int) -> dict[str, object]:
    results = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-import-", dir="/tmp") as work:
            r = subprocess.run([sys.executable, __file__, "--child", mode, str(path), work],
                               capture_output=True, text=True, check=True, cwd=ROOT)
            results.append(json.loads(r.stdout.strip().splitlines()[-1]))
        print(f"  {mode:8s} {path.name}: {results[-1]}", flush=True)
    secs = statistics.median(float(r["seconds"]) for r in results)
    rows = int(results[0]["rows"])
    cpu = statistics.median(float(r["cpu_seconds"]) for r in results)
    return {**results[0], "seconds": secs, "cpu_seconds": cpu, "rows_per_s": rows / secs, "runs": runs,
            "peak_rss_mb": max(float(r["peak_rss_mb"]) for r in results),
            "all_seconds": [round(float(r["seconds"]), 1) for r in results]}


# --------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--small-rows", type=int, default=1_000_000)
    ap.add_argument("--small-runs", type=int, default=3)
    ap.add_argument("--rowwise-rows", type=int, default=200_000)
    ap.add_argument("--commit-rows", type=int, default=50_000)
    ap.add_argument("--dir", default="/tmp")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--big-file", help="use this already generated file for the big run")
    ap.add_argument("--previous", help="results JSON of an earlier run: keep what is not measured now")
    ap.add_argument("--child", nargs=3, metavar=("MODE", "FILE", "WORKDIR"))
    args = ap.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    results: dict[str, dict[str, object]] = {}
    if args.previous:
        results.update(json.loads(Path(args.previous).read_text()))
    files: list[Path] = []
    try:
        plan = [("big", args.rows, args.runs), ("small", args.small_rows, args.small_runs),
                ("rowwise", args.rowwise_rows, 1)]
        for label, rows, runs in plan:
            if rows <= 0 or runs <= 0:
                continue
            if label == "big" and args.big_file:
                path = Path(args.big_file)
                print(f"using {path} ({path.stat().st_size >> 20} MB)", flush=True)
            else:
                path = Path(args.dir) / f"bench-import-{rows}.csv"
                files.append(path)
                t = time.perf_counter()
                stats = generate(path, rows)
                print(f"generated {path} ({path.stat().st_size >> 20} MB, {stats}) in "
                      f"{time.perf_counter() - t:.0f} s", flush=True)
            if label == "rowwise":
                results["rowwise_old"] = measure("rowwise", path, 1)
                results["rowwise_new"] = measure("stage", path, 1)
            else:
                results[f"{label}_floor"] = measure("floor", path, runs)
                results[f"{label}_stage"] = measure("stage", path, runs)
                results[f"{label}_stage"]["size_mb"] = path.stat().st_size >> 20
                results[f"{label}_stage"]["load_avg"] = round(os.getloadavg()[0], 1)
            if path in files:
                path.unlink()
    finally:
        for p in files:
            p.unlink(missing_ok=True)
    if args.commit_rows > 0:
        with tempfile.TemporaryDirectory(prefix="bench-import-db-", dir=args.dir) as work:
            results["commit"] = measure_commit(args.commit_rows, Path(work))
    print(json.dumps(results, indent=1))
    if not args.no_write:
        write_doc(results)


def _row(label: str, r: dict[str, object] | None) -> str:
    if not r:
        return ""
    cpu = float(r.get("cpu_seconds", 0) or 0)  # type: ignore[arg-type]
    return (f"| {label} | {int(r['rows']):,} | {r['runs']} | {float(r['seconds']):.1f} s "
            f"({', '.join(str(s) for s in r['all_seconds'])}) | "  # type: ignore[attr-defined]
            f"{float(r['rows_per_s']) / 1000:,.0f} k | {cpu:.1f} s | {float(r['peak_rss_mb']):,.0f} MB |\n")


def write_doc(results: dict[str, dict[str, object]]) -> None:
    doc = ROOT / "docs" / "benchmarks.md"
    text = doc.read_text(encoding="utf-8")
    big = results.get("big_stage")
    section = (
        "## Department-data import\n\n"
        f"`bench/bench_import.py`, {date.today():%Y-%m-%d}; {machine()}, shared with other jobs "
        "(figures are noisy).\n\n"
        "Feed `medical_insurance_settlements` as UTF-8 CSV, 11 columns (settlement ID, ID number, date, "
        "four amounts, disease code, boolean, name, region code); 1 % of rows valid but spelled otherwise "
        "(`2024/3/7`, `￥12.50`, `是` still column-wise; 15-digit IDs and `2024-03-07 00:00:00` through the "
        "per-row path, about 0.4 % of rows), 0.1 % invalid (check character, negative amount, impossible "
        "date, unknown code); every row has a distinct natural key"
        + (f"; the {int(big['rows']):,}-row file is {big.get('size_mb')} MB; 1-minute load average of "
           f"the machine after the big run: {big.get('load_avg')}" if big else "")
        + ".\n\n"
        "**Staging store** = what `jiuzhu.apps.exchange.services._validate` does before the database "
        "commit: `open_table` (SM3 of the bytes, encoding scan, header check), `Validator.batches` "
        "(column-wise fast path, per-row fallback for every row it cannot prove valid), valid rows "
        "appended as typed Arrow record batches to the staging file "
        "(`jiuzhu.engine.exchange.staging.StagingFile`), row errors pickled to a temporary file, the "
        "natural-key duplicate check (`PartitionedKeyTracker` + `finish()`), and the XLSX row-error report. "
        "One process with two threads (column checks of the next block overlap the per-row fallback, "
        "digests and staging of the current one; Arrow's CSV parser has its own threads); each run in "
        "a fresh process, so imports are included; CPU time = user + system of that process, all threads; "
        "peak = its `ru_maxrss`. "
        "The database commit (encryption, blind indexes, inserts) is not included: see below.\n\n"
        "| run | rows | runs | wall time (median; all) | rows/s (wall) | CPU time | peak RSS |\n"
        "|---|---:|---:|---|---:|---:|---:|\n"
        + _row("staging, column-wise (big file)", results.get("big_stage"))
        + _row("floor: pyarrow.csv read only (big file)", results.get("big_floor"))
        + _row("staging, column-wise", results.get("small_stage"))
        + _row("floor: pyarrow.csv read only", results.get("small_floor"))
        + _row("staging, column-wise (same file as below)", results.get("rowwise_new"))
        + _row("staging, per-row path (before)", results.get("rowwise_old"))
        + _row("`jiuzhu import` incl. database commit (SQLite)", results.get("commit"))
        + "\n<!-- notes -->\n"
    )
    notes_match = re.search(r"<!-- notes -->\n(.*?)(?=\n## |\Z)", text[text.find("## Department-data import"):],
                            re.S) if "## Department-data import" in text else None
    if notes_match:
        section += notes_match.group(1).rstrip("\n") + "\n"
    pattern = re.compile(r"## Department-data import\n.*?(?=\n## |\Z)", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section.rstrip("\n") + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    doc.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
