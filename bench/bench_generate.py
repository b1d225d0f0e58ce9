"""Benchmark: the synthetic province generator (jiuzhu.engine.synth.generate).

Two sizes: about 1 million persons (households chosen from a small dry run's mean
household size) and 1 million households.  Each run is a fresh process (so peak RSS
is per run, from resource.getrusage); the median of --runs runs is reported.  The
same-run baseline writes a trivial pyarrow table (an int64 and a date32 column)
with the same total number of rows to one zstd Parquet file, so the ratio says
how much more than "just writing that many rows" the generator costs.

Rewrites the "## Synthetic province generator" section of docs/benchmarks.md.

    .venv/bin/python bench/bench_generate.py [--runs 3] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SECTION = "## Synthetic province generator"


# --------------------------------------------------------------------------- child modes


def child_generate(households: int, seed: int, out: Path) -> None:
    import resource

    sys.path.insert(0, str(ROOT))
    from jiuzhu.engine.synth import generate

    t0 = time.perf_counter()
    stats = generate(households, seed, out)
    seconds = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in out.iterdir())
    print(json.dumps({
        "seconds": seconds, "households": stats.households, "persons": stats.persons,
        "rows": stats.total_rows, "bytes": size,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


def child_baseline(rows: int, out: Path) -> None:
    import resource

    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    table = pa.table({
        "id": pa.array(np.arange(rows, dtype=np.int64)),
        "day": pa.array((np.arange(rows, dtype=np.int64) % 730).astype(np.int32)).view(pa.date32()),
    })
    pq.write_table(table, out / "trivial.parquet", compression="zstd")
    seconds = time.perf_counter() - t0
    print(json.dumps({
        "seconds": seconds, "rows": rows,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


# --------------------------------------------------------------------------- driver


def machine() -> str:
    cpu = "unknown CPU"
    mem = 0.0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    except OSError:
        pass
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip() or "?"
    return (f"nproc {nproc}, {cpu}, {mem:.0f} GiB RAM, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def run_child(args: list[str]) -> dict[str, float]:
    out = subprocess.run([PY, __file__, *args], check=True, capture_output=True, text=True,
                         cwd=ROOT)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def persons_target_households(seed: int, persons: int) -> int:
    """Households giving about ``persons`` persons (mean size from a 50,000-household run)."""
    sys.path.insert(0, str(ROOT))
    from jiuzhu.engine.synth import build_tables

    sample = 50_000
    members = int(build_tables(sample, seed)["members"].num_rows)
    return round(persons * sample / members)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--child", choices=["generate", "baseline"])
    ap.add_argument("--n", type=int, default=0)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--no-doc", action="store_true", help="print only, leave docs/benchmarks.md")
    args = ap.parse_args()
    if args.child == "generate":
        child_generate(args.n, args.seed, args.out)
        return
    if args.child == "baseline":
        child_baseline(args.n, args.out)
        return

    sizes = [
        ("1 M persons", persons_target_households(args.seed, 1_000_000)),
        ("1 M households", 1_000_000),
    ]
    load_before = load()
    results: list[tuple[str, list[dict[str, float]], list[dict[str, float]]]] = []
    with tempfile.TemporaryDirectory(prefix="jiuzhu-bench-gen-") as tmp:
        for label, households in sizes:
            gens: list[dict[str, float]] = []
            bases: list[dict[str, float]] = []
            for i in range(args.runs):
                out = Path(tmp) / f"gen-{households}-{i}"
                out.mkdir()
                r = run_child(["--child", "generate", "--n", str(households),
                               "--seed", str(args.seed), "--out", str(out)])
                shutil.rmtree(out)
                gens.append(r)
                print(f"{label}: generate run {i + 1}: {r['seconds']:.1f}s "
                      f"({r['persons']:,.0f} persons, {r['rows']:,.0f} rows)", flush=True)
                bout = Path(tmp) / f"base-{households}-{i}"
                bout.mkdir()
                b = run_child(["--child", "baseline", "--n", str(int(r["rows"])),
                               "--out", str(bout)])
                shutil.rmtree(bout)
                bases.append(b)
                print(f"{label}: baseline run {i + 1}: {b['seconds']:.1f}s", flush=True)
            results.append((label, gens, bases))
    load_after = load()

    lines = [
        SECTION,
        "",
        "`bench/bench_generate.py`: `jiuzhu.engine.synth.generate(households, seed, out_dir)` writing",
        "the registry tables and the 14 department feeds as zstd Parquet (numpy + pyarrow, single",
        "process). Each run is a fresh process; the time is the `generate` call (imports excluded),",
        "peak RSS is that process's `ru_maxrss`. Baseline, measured in the same run: writing a",
        "trivial table (int64 + date32 columns) with the same total number of rows to one zstd",
        "Parquet file.",
        "",
        f"- Machine: {machine()}",
        f"- Load average (1/5/15 min) before / after: {load_before} / {load_after} "
        "(the machine is shared with other work, so times vary run to run)",
        f"- Seed {args.seed}, as_of 2026-11-01; median of {args.runs} runs each",
        "",
        "| size | households | persons | rows written | Parquet MB | median s | min–max s "
        "| persons/s | rows/s | peak RSS MB | baseline median s | ratio to baseline |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, gens, bases in results:
        secs = [g["seconds"] for g in gens]
        med = statistics.median(secs)
        base = statistics.median(b["seconds"] for b in bases)
        g0 = gens[0]
        lines.append(
            f"| {label} | {g0['households']:,.0f} | {g0['persons']:,.0f} | {g0['rows']:,.0f} "
            f"| {g0['bytes'] / 2**20:,.0f} | {med:.1f} | {min(secs):.1f}–{max(secs):.1f} "
            f"| {g0['persons'] / med:,.0f} | {g0['rows'] / med:,.0f} "
            f"| {max(g['peak_rss_mb'] for g in gens):,.0f} | {base:.2f} | {med / base:.1f}× |"
        )
    section = "\n".join(lines) + "\n"
    print()
    print(section)
    if args.no_doc:
        return
    doc = ROOT / "docs/benchmarks.md"
    text = doc.read_text("utf-8") if doc.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(SECTION) + r"\n.*?(?=\n## |\Z)", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section.rstrip("\n"), text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    doc.write_text(text if text.endswith("\n") else text + "\n", "utf-8")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
