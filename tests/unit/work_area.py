"""What a clean run left in its work area, as the flatten job sees it (tests only)."""

from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession

from shoplake.core import layout
from shoplake.core.jobs import clean
from shoplake.core.storage import get_store
from shoplake.core.transform import load_transform
from shoplake.datasets import get_dataset

PROCESSED = "s3://processed"


def work_frame(spark: SparkSession, dataset: str, kind: str, run_id: str) -> DataFrame:
    """``records``: the work records the flatten job publishes; ``quarantine``: the quarantine rows."""
    store = get_store("local")
    work = layout.work_prefix(PROCESSED, dataset, run_id)
    if kind == "records":
        return clean.work_records(spark, store, work, load_transform(get_dataset(dataset)))
    if kind == "quarantine":
        return spark.read.parquet(store.spark_path(work + clean.QUARANTINE))
    raise ValueError(f"no {kind!r} in a work area")


def work_rows(spark: SparkSession, dataset: str, kind: str, run_id: str) -> list[dict]:
    """:func:`work_frame` as dicts in line order."""
    return [r.asDict() for r in work_frame(spark, dataset, kind, run_id).orderBy("line_number").collect()]
