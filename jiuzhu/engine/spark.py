"""The one local SparkSession of the engine (determination and comparison runs on Spark).

Pure Python, no Django.  pyspark is optional (``pip install pyspark``, Java 17): it is imported
only when a session is made.  The session never reaches the network: no packages, no Ivy, the
UI off, the driver bound to 127.0.0.1.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Cluster", "local_session", "standalone_cluster"]


def local_session(app_name: str = "jiuzhu", cores: int = 2, driver_memory: str | None = None,
                  executor_memory: str | None = None) -> Any:
    """A SparkSession on *cores* local cores (an existing session in the process is returned as is).

    ``SPARK_MASTER`` (e.g. ``spark://127.0.0.1:7077``, a standalone cluster) replaces ``local[cores]``:
    the engine phases of ``jiuzhu cycle --backend spark`` then run on the cluster's workers.
    """
    # The workers run this interpreter (the project's virtualenv), not whatever python is first on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(os.environ.get("SPARK_MASTER") or f"local[{cores}]")
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(max(2, cores * 2)))
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        # The engine brings its results (one row per household, per finding) back to the driver by
        # design; the driver's memory is what bounds that, not Spark's default 1 GB result cap.
        .config("spark.driver.maxResultSize", "0")
        .config("spark.jars.packages", "")
    )
    if driver_memory:
        builder = builder.config("spark.driver.memory", driver_memory)
    if executor_memory:  # on a cluster: at most what each worker offers
        builder = builder.config("spark.executor.memory", executor_memory)
    return builder.getOrCreate()


@dataclass(frozen=True)
class Cluster:
    """A running standalone cluster: its master URL and what each worker offers."""

    master: str
    workers: int
    cores_per_worker: int
    memory_per_worker: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_for(log: Path, text: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and text in log.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    raise RuntimeError(f"Spark standalone: '{text}' not seen in {log} (exit {proc.poll()})")


@contextmanager
def standalone_cluster(
    workers: int = 2, cores_per_worker: int = 1, memory_per_worker: str = "2g", *,
    work_dir: str | Path, timeout: float = 120.0,
) -> Iterator[Cluster]:
    """One master and *workers* workers of Spark standalone on this machine (127.0.0.1 only).

    Uses the JVM classes shipped in the pyspark wheel (``bin/spark-class``); the web UIs bind to
    free loopback ports.  Everything is stopped on exit, also on error.  For the cluster parity
    test and ``bench/bench_spark_cluster.py``; a real cluster is started by its operators
    (docs/operators.md).
    """
    import pyspark

    home = Path(pyspark.__file__).resolve().parent
    root = Path(work_dir)
    root.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, SPARK_HOME=str(home), SPARK_LOCAL_IP="127.0.0.1", SPARK_NO_DAEMONIZE="1",
               PYSPARK_PYTHON=sys.executable)
    klass = str(home / "bin" / "spark-class")
    procs: list[tuple[subprocess.Popen[bytes], Any]] = []

    def start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
        out = log.open("wb")
        proc = subprocess.Popen([klass, *args], env=env, stdout=out, stderr=subprocess.STDOUT,  # noqa: S603
                                start_new_session=True)
        procs.append((proc, out))
        return proc

    try:
        port = _free_port()
        master = f"spark://127.0.0.1:{port}"
        log = root / "master.log"
        proc = start(["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
                      "--webui-port", str(_free_port())], log)
        _wait_for(log, "I have been elected leader", proc, timeout)
        for i in range(workers):
            log = root / f"worker-{i}.log"
            proc = start(["org.apache.spark.deploy.worker.Worker", master, "--host", "127.0.0.1",
                          "--cores", str(cores_per_worker), "--memory", memory_per_worker,
                          "--webui-port", str(_free_port()), "--work-dir", str(root / f"worker-{i}")], log)
            _wait_for(log, "Successfully registered with master", proc, timeout)
        yield Cluster(master, workers, cores_per_worker, memory_per_worker)
    finally:
        for proc, _ in reversed(procs):
            if proc.poll() is None:
                proc.terminate()
        for proc, out in reversed(procs):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            out.close()
