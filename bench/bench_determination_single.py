"""Benchmark: one household through the determination, as the household page and the API do.

The on-screen path (docs/decisions/0003 §4) has a budget of 50 ms at the 95th percentile for
one household with its explanation.  This measures, in a fresh process, the median and p95
over generated households (``engine.determination.sample.random_households``, every branch of
the rules) with and without the explanation, after one warm-up call.  It replaces the wall-
clock assertion that used to live in the unit tests (tests never assert times).

    .venv/bin/python bench/bench_determination_single.py [--households 300] [--runs 3] [--write]

``--write`` replaces the "## Determination: one household" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Determination: one household"
AS_OF = date(2026, 1, 15)


def child(n: int) -> dict[str, Any]:
    from jiuzhu.engine.determination.sample import random_households
    from jiuzhu.engine.determination.single import determine_household
    from jiuzhu.rules.params import load_jiangxi

    params = load_jiangxi()
    households = random_households(n, 41, AS_OF)
    determine_household(households[0], AS_OF, params)  # warm-up (imports, caches)
    out: dict[str, Any] = {}
    for explain in (False, True):
        times = []
        for h in households:
            t = time.perf_counter()
            determine_household(h, AS_OF, params, explain=explain)
            times.append(time.perf_counter() - t)
        times.sort()
        out["explain" if explain else "plain"] = {
            "median_ms": statistics.median(times) * 1000, "p95_ms": times[int(0.95 * len(times))] * 1000,
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=300)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--child", action="store_true")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.households)))
        return
    runs = []
    for _ in range(args.runs):
        proc = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, __file__, "--child", "--households", str(args.households)],
            capture_output=True, text=True, check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    load = os.getloadavg()
    med = {k: {m: statistics.median(r[k][m] for r in runs) for m in ("median_ms", "p95_ms")} for k in ("plain", "explain")}
    text = f"""{SECTION}

`bench/bench_determination_single.py`: one household in the interchange format through the
single path (Python features, the numpy formulas, the result) — as the household page, the
determination sheet and `POST /api/determine/` do — over {args.households} generated households
(every branch of the rules), after a warm-up call; each run a fresh process, median of {args.runs}
runs. Load average at the end: {load[0]:.1f} (the machine is shared; figures vary with load).
Budget: p95 < 50 ms with the explanation.

| | median ms | p95 ms |
|---|---:|---:|
| categories and benefits | {med['plain']['median_ms']:.1f} | {med['plain']['p95_ms']:.1f} |
| with the explanation (criteria, member by member, income/spending/property lines) | {med['explain']['median_ms']:.1f} | {med['explain']['p95_ms']:.1f} |
"""
    print(text)
    if args.write:
        path = ROOT / "docs" / "benchmarks.md"
        doc = path.read_text("utf-8")
        if SECTION in doc:
            head, _, rest = doc.partition(SECTION)
            nxt = rest.find("\n## ")
            doc = head + text.rstrip() + "\n" + (rest[nxt:] if nxt >= 0 else "")
        else:
            doc = doc.rstrip() + "\n\n" + text
        path.write_text(doc, "utf-8")


if __name__ == "__main__":
    main()
