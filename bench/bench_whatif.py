"""Benchmark: a what-if scenario vs one batch determination of the same households, in the same run.

Generates (or reuses) a synthetic snapshot, then measures, each in the same process one after the
other, alternating the order over --runs rounds:

* **batch** — ``run_batch`` at ``summary`` detail (one plain determination, results Parquet);
* **whatif** — ``run_whatif`` with a scenario (``dibao.marginal_multiplier=1.8`` by default):
  features once, baseline + scenario + the cliff probe evaluated, compared per household and
  aggregated per county.

Budget (issue 18): whatif ≤ 2 × batch.  Prints JSON; the figures go to docs/benchmarks.md by hand.

    .venv/bin/python bench/bench_whatif.py [--households 1000000] [--runs 3] [--dir /tmp/whatif-bench]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jiuzhu.engine.determination.batch import run_batch  # noqa: E402
from jiuzhu.engine.determination.snapshot import source_to_snapshot  # noqa: E402
from jiuzhu.engine.synth import generate  # noqa: E402
from jiuzhu.engine.whatif import parse_changes, run_whatif  # noqa: E402
from jiuzhu.rules.params import load_jiangxi  # noqa: E402

AS_OF = date(2026, 1, 15)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--households", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--dir", default="/tmp/whatif-bench")
    p.add_argument("--set", action="append", default=[])
    args = p.parse_args()
    root = Path(args.dir) / f"h{args.households}-s{args.seed}"
    snap = root / "snapshot"
    if not (snap / "households.parquet").exists():
        generate(args.households, args.seed, root / "source", as_of=AS_OF)
        source_to_snapshot(root / "source", snap)
    params = load_jiangxi()
    changes = args.set or ["dibao.marginal_multiplier=1.8"]
    scenario = params.with_overrides(parse_changes(params, changes, [], AS_OF))
    batch_s: list[float] = []
    whatif_s: list[float] = []
    result = None
    for k in range(args.runs):
        order = ("batch", "whatif") if k % 2 == 0 else ("whatif", "batch")
        for what in order:
            t = time.perf_counter()
            if what == "batch":
                run_batch(snap, AS_OF, root / "results.parquet", params, detail="summary")
                batch_s.append(time.perf_counter() - t)
            else:
                result = run_whatif(snap, AS_OF, params, scenario)
                whatif_s.append(time.perf_counter() - t)
    assert result is not None
    b, w = statistics.median(batch_s), statistics.median(whatif_s)
    print(json.dumps({
        "households": args.households, "runs": args.runs, "cpus": os.cpu_count(), "load": os.getloadavg(),
        "changes": changes, "batch_s": [round(x, 2) for x in batch_s], "whatif_s": [round(x, 2) for x in whatif_s],
        "batch_median_s": round(b, 2), "whatif_median_s": round(w, 2), "ratio": round(w / b, 2),
        "entering": result.province.entering, "leaving": result.province.leaving,
        "monthly_cost_change": result.to_dict()["monthly_cost_change"], "cliffs": result.to_dict()["cliffs"],
    }, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
