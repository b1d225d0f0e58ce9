"""The same batch on Apache Spark (local mode): Spark SQL features + the same numpy formulas.

The feature query is the one of ``features`` in its Spark dialect; the formulas run inside
``mapInArrow`` on each Arrow record batch, through :func:`evaluate.evaluate_batch` — the
code the DuckDB batch and the single household use.  Nothing is downloaded: no packages,
no Ivy, the UI is off.  pyspark is optional (``pip install pyspark``); import this module
only where it is installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from jiuzhu.engine.determination.evaluate import RESULT_SCHEMA, evaluate_batch, param_key_tables
from jiuzhu.engine.determination.features import feature_sql
from jiuzhu.engine.determination.snapshot import TABLES, validate_snapshot
from jiuzhu.engine.spark import local_session
from jiuzhu.rules.determination.paramtable import ParamTable, build_param_table
from jiuzhu.rules.params.loader import ParameterSet, load_jiangxi

__all__ = ["local_session", "run_spark"]


def _spark_type(t: pa.DataType) -> Any:
    from pyspark.sql import types as T

    if pa.types.is_string(t):
        return T.StringType()
    if pa.types.is_int64(t):
        return T.LongType()
    if pa.types.is_int32(t):
        return T.IntegerType()
    if pa.types.is_boolean(t):
        return T.BooleanType()
    if pa.types.is_date32(t):
        return T.DateType()
    if pa.types.is_list(t):
        return T.ArrayType(_spark_type(t.value_type), True)
    raise TypeError(f"no Spark type for {t}")


def _spark_schema(schema: pa.Schema) -> Any:
    from pyspark.sql import types as T

    return T.StructType([T.StructField(f.name, _spark_type(f.type), True) for f in schema])


def _small_df(spark: Any, table: pa.Table) -> Any:
    schema = _spark_schema(table.schema)
    return spark.createDataFrame([tuple(r.values()) for r in table.to_pylist()], schema=schema)


def run_spark(
    snapshot_dir: str | Path,
    as_of: date,
    params: ParameterSet | None = None,
    *,
    spark: Any | None = None,
    output: str | Path | None = None,
) -> pa.Table:
    """Determine every household of the snapshot on Spark; returns the results as Arrow (by household).

    With *output* (a directory the executors can write, e.g. shared storage on a cluster), the
    executors write the results as Parquet there and they are read back from it: nothing passes
    through the driver's JVM heap, which at 4 M households ran out of memory collecting them. Without
    it, the results are collected through the driver (small registries, tests).
    """
    params = params or load_jiangxi()
    root = Path(snapshot_dir)
    validate_snapshot(root)
    spark = spark or local_session("jiuzhu-determination")
    for name in TABLES:
        spark.read.parquet(str(root / f"{name}.parquet")).createOrReplaceTempView(name)
    keys = [(r[0], r[1]) for r in spark.sql("SELECT DISTINCT county_code, area_type FROM households").collect()]
    ptab: ParamTable = build_param_table(params, keys, as_of)
    pk, px = param_key_tables(ptab)
    _small_df(spark, pk).createOrReplaceTempView("pk")
    _small_df(spark, px).createOrReplaceTempView("px")
    features = spark.sql(feature_sql("spark", as_of))

    def formulas(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            yield evaluate_batch(batch, ptab)

    results = features.mapInArrow(formulas, _spark_schema(RESULT_SCHEMA))
    if output is not None:
        results.write.mode("overwrite").parquet(str(output))
        files = sorted(Path(output).glob("*.parquet"))
        table: pa.Table = (pa.concat_tables([pq.read_table(f) for f in files]) if files
                           else RESULT_SCHEMA.empty_table())
    else:
        table = results.toArrow()
    return table.cast(RESULT_SCHEMA).sort_by("household_id")

