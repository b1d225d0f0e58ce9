"""The load test of issue 16 §8, end to end: serve, measure, report.  Bounded; 127.0.0.1 only.

    JIUZHU_DATABASE_URL=postgres://… JIUZHU_VAR_DIR=… python bench/load/run.py --port 8108

1. `jiuzhu serve` (gunicorn + WhiteNoise + the job worker, as `make run`) on 127.0.0.1:PORT;
2. ``idle``: 50 caseworkers (3–10 s pauses) for ``--minutes``;
3. ``job``: the same while a whole-registry comparison job runs in the worker, started by the province
   caseworker on the runs screen (how long that answer takes is measured); cancelled afterwards if
   still running;
4. ``cpu``: the household page alone, 2 users without pauses: gunicorn's CPU seconds / requests;
5. ``saturation``: no pauses, 2 → 5 → 10 → 20 users, 40 s each: requests/s and p95 per step.
Locust's CSV files and a summary (JSON) go to var/load/<stamp>/.  Stops the server at the end.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = ROOT / "bench/load/locustfile.py"


def _jiuzhu(env: dict[str, str], *args: str) -> str:
    r = subprocess.run([sys.executable, "-m", "jiuzhu.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=600, check=False)
    if r.returncode:
        raise SystemExit(f"jiuzhu {' '.join(args)}: {r.stdout}{r.stderr}")
    return r.stdout


def _gunicorn_cpu(serve: psutil.Process) -> float:
    total = 0.0
    for p in serve.children(recursive=True):
        try:
            if "gunicorn" in " ".join(p.cmdline()):
                t = p.cpu_times()
                total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def _locust(base: str, out: Path, users: int, seconds: int, *, wait: bool = True, tags: str = "",
            max_requests: int = 20000) -> dict[str, dict[str, Any]]:
    env = {**os.environ, "JIUZHU_LOAD_WAIT": "1" if wait else "0", "JIUZHU_LOAD_MAX_REQUESTS": str(max_requests)}
    cmd = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-u", str(users),
           "-r", str(max(1, users // 10)), "--run-time", f"{seconds}s", "--host", base, "--csv", str(out),
           "--only-summary", "--stop-timeout", "5", "--exit-code-on-error", "0", "--skip-log-setup"]
    if tags:
        cmd += ["--tags", tags]
    subprocess.run(cmd, cwd=out.parent, env=env, timeout=seconds + 120, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stats = {}
    with open(f"{out}_stats.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            stats[row["Name"]] = {"requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                                  "median_ms": float(row["Median Response Time"] or 0),
                                  "p95_ms": float(row["95%"] or 0) if row["95%"] != "N/A" else 0.0,
                                  "rps": round(float(row["Requests/s"] or 0), 2)}
    return stats


def _start_comparison(base: str, password: str) -> dict[str, Any]:
    """The province caseworker starts a full comparison run on its screen; how long the answer takes."""
    import requests  # deferred: a Locust dependency, only for this measurement

    s = requests.Session()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', s.get(f"{base}/accounts/login/").text)
    s.post(f"{base}/accounts/login/", data={"username": "province", "password": password,
                                            "csrfmiddlewaretoken": token.group(1) if token else ""},
           headers={"Referer": f"{base}/accounts/login/"})
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', s.get(f"{base}/monitoring/runs/").text)
    started = time.perf_counter()
    r = s.post(f"{base}/monitoring/runs/", data={"mode": "full", "csrfmiddlewaretoken": token.group(1) if token else ""},
               headers={"Referer": f"{base}/monitoring/runs/"}, allow_redirects=False)
    return {"status": r.status_code, "location": r.headers.get("Location"),
            "answer_ms": round(1000 * (time.perf_counter() - started), 1)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8108)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=3)
    parser.add_argument("--targets", default=str(ROOT / "var/load/targets.json"))
    parser.add_argument("--skip", default="", help="comma-separated phases to skip: idle,job,cpu,saturation")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = ROOT / "var/load" / stamp
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JIUZHU_ACCESS_LOG": "", "JIUZHU_LOAD_TARGETS": args.targets}
    os.environ["JIUZHU_LOAD_TARGETS"] = args.targets
    base = f"http://127.0.0.1:{args.port}"
    log = (out / "serve.log").open("w")
    serve = subprocess.Popen([sys.executable, "-m", "jiuzhu.cli", "serve", "--port", str(args.port)], cwd=ROOT,
                             env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    summary: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "cpu": platform.processor() or platform.machine(),
                    "load_before": os.getloadavg(), "python": platform.python_version()},
        "households": int(_jiuzhu(env, "manage", "shell", "-c", "from jiuzhu.apps.registry.models import Household;"
                                  "print('households', Household.objects.count())").split("households")[-1]),
    }
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{base}/accounts/login/", timeout=5):  # noqa: S310 - loopback
                    break
            except OSError:
                if serve.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit((out / "serve.log").read_text()) from None
                time.sleep(1)
        proc = psutil.Process(serve.pid)
        seconds = int(args.minutes * 60)
        if "idle" not in skip:
            summary["idle"] = _locust(base, out / "idle", args.users, seconds)
        if "job" not in skip:
            summary["job_start"] = _start_comparison(base, json.loads(Path(args.targets).read_text("utf-8"))["password"])
            summary["job"] = _locust(base, out / "job", args.users, seconds)
            [job] = json.loads(_jiuzhu(env, "jobs", "--json", "--kind", "monitoring.comparison", "--limit", "1"))
            summary["job_after"] = {k: job.get(k) for k in ("id", "state", "phase", "done", "total")}
            if job["state"] in ("queued", "running"):  # the measurement is over: stop it (nothing is kept)
                _jiuzhu(env, "jobs", "--cancel", str(job["id"]))
        if "cpu" not in skip:
            before = _gunicorn_cpu(proc)
            stats = _locust(base, out / "cpu", 2, 60, wait=False, tags="household")
            used = _gunicorn_cpu(proc) - before
            n = stats.get("household page", {}).get("requests", 0)
            summary["cpu"] = {"household_page": stats.get("household page"), "gunicorn_cpu_s": round(used, 2),
                              "cpu_ms_per_household_page": round(1000 * used / n, 1) if n else None}
        if "saturation" not in skip:
            summary["saturation"] = {}
            for users in (2, 5, 10, 20):
                stats = _locust(base, out / f"sat{users}", users, 40, wait=False)
                agg = stats.get("Aggregated", {})
                summary["saturation"][users] = {"rps": agg.get("rps"), "p95_ms": agg.get("p95_ms"),
                                                "failures": agg.get("failures")}
        summary["machine"]["load_after"] = os.getloadavg()
    finally:
        serve.send_signal(signal.SIGINT)  # Ctrl-C: gunicorn and the worker stop
        try:
            serve.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
        log.close()
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
