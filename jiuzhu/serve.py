"""`jiuzhu serve`: the application server (gunicorn) and the job worker as one command.

Collects the static files (WhiteNoise serves them from the app: no --insecure, no CDN), then
starts gunicorn (jiuzhu/config/gunicorn.py) and `jiuzhu worker` as two child processes.
Ctrl-C (or SIGTERM) stops both gracefully — the worker finishes its current job step and
gunicorn its requests; a second Ctrl-C stops them at once (a job cut short is recorded as
failed and can be retried).  If either child dies, the other is stopped too and the exit
code says which.  In production a process manager (systemd) runs the two separately
(docs/operators.md).
"""

# ruff: noqa: S603  (child processes: this interpreter with fixed arguments, never user input)
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["JIUZHU_STATIC_COLLECTED"] = "1"
    env.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.config.settings")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def collectstatic(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "django", "collectstatic", "--noinput", "--verbosity", "0"],
                   cwd=ROOT, env=env, check=True)


def main(host: str = "127.0.0.1", port: int = 8000, workers: int | None = None) -> int:
    env = _env()
    env["JIUZHU_BIND"] = f"{host}:{port}"
    if workers:
        env["JIUZHU_WEB_WORKERS"] = str(workers)
    collectstatic(env)
    # Own process groups: a terminal's Ctrl-C reaches only this supervisor, which stops the children in order.
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "jiuzhu/config/gunicorn.py"),
                            "jiuzhu.config.wsgi:application"], cwd=ROOT, env=env, start_new_session=True)
    worker = subprocess.Popen([sys.executable, "-m", "jiuzhu.cli", "worker"], cwd=ROOT, env=env,
                              start_new_session=True)
    children = {"gunicorn": web, "worker": worker}
    stopping = {"n": 0}

    def stop(signum: int, frame: object) -> None:
        stopping["n"] += 1
        if stopping["n"] == 1:
            print("\nstopping: the worker finishes its current step, gunicorn its requests "
                  "(Ctrl-C again to stop at once)", file=sys.stderr, flush=True)
            worker.send_signal(signal.SIGTERM)
            web.send_signal(signal.SIGTERM)
        else:
            worker.send_signal(signal.SIGINT)  # the worker's second signal: stop now
            web.send_signal(signal.SIGQUIT)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print(f"serving http://{host}:{port}/ with gunicorn (pid {web.pid}) and the job worker (pid {worker.pid}); "
          "Ctrl-C stops both", flush=True)
    code = 0
    try:
        while all(p.poll() is None for p in children.values()):
            time.sleep(0.5)
        dead = [name for name, p in children.items() if p.poll() is not None]
        if not stopping["n"]:
            code = 1
            print(f"{', '.join(dead)} stopped unexpectedly; stopping the rest", file=sys.stderr, flush=True)
            stop(signal.SIGTERM, None)
        for p in children.values():
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    finally:
        for p in children.values():
            if p.poll() is None:
                p.kill()
    print("stopped.", file=sys.stderr, flush=True)
    return code
