"""The one local SparkSession of the engine (determination and comparison runs on Spark).

Pure Python, no Django.  pyspark is optional (``pip install pyspark``, Java 17): it is imported
only when a session is made.  The session never reaches the network: no packages, no Ivy, the
UI off, the driver bound to 127.0.0.1.
"""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ["local_session"]


def local_session(app_name: str = "jiuzhu", cores: int = 2, driver_memory: str | None = None) -> Any:
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
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(max(2, cores * 2)))
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.jars.packages", "")
    )
    if driver_memory:
        builder = builder.config("spark.driver.memory", driver_memory)
    return builder.getOrCreate()
