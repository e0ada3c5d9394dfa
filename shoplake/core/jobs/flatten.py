"""Flatten job: publish a cleaned run as the dataset's tables and commit it (see shoplake.core.layout).

1. Read the clean manifest (it must say ACCEPTED) and the work area: the work records are the
   parsed rows less the invalid ones and the duplicates (``clean.work_records``).
2. The dataset's transform maps the work records to its tables (``publish``). Tables derived from
   the records (a review's images) lose exact repeats of a row, counted in the manifest; one whose
   unique key still repeats is not published (a transform defect, not a data problem).
3. Write every table, partitioned as its contract says, and the quarantine rows under this run's
   ``run=`` prefix of the source; keep only the Parquet files Spark wrote.
4. Read the row counts back and reconcile them with the clean manifest.
5. Commit: PUT the source manifest (one atomic write names this run's files as current), delete
   the previous run's files of the source, delete the work prefix, write the run manifest.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from shoplake.core import layout
from shoplake.core.contracts import Table
from shoplake.core.errors import (
    PublishedOutputMissing,
    ReconciliationError,
    ShoplakeError,
    rejection_error,
    rejection_errors,
)
from shoplake.core.jobs import clean as clean_job
from shoplake.core.jobs.common import COMMON_ARGS, JobArgs, read_json, timed, utc_now_iso, write_json
from shoplake.core.spark import schema_for
from shoplake.core.storage import ObjectStore, get_store
from shoplake.core.transform import load_transform

logger = logging.getLogger(__name__)

REQUIRED_ARGS = (*COMMON_ARGS, "source_etag")
OPTIONAL_ARGS = {"pipeline_version": "1"}


def _raise_rejected(clean: Mapping[str, Any]) -> None:
    rejection = clean.get("rejection") or {}
    reason, message = rejection.get("reason"), rejection.get("message", "")
    if reason in {error.reason_code() for error in rejection_errors()}:
        raise rejection_error(reason)(f"{clean.get('source_uri')}: {message}")
    raise ShoplakeError(f"the clean manifest says {clean.get('status')!r}, not ACCEPTED: {rejection}")


def _already_committed(
    store: ObjectStore, job: JobArgs, run_manifest_uri: str, source_manifest_uri: str
) -> dict[str, Any] | None:
    """The run manifest when a retry finds this run already committed (its work prefix is gone)."""
    for uri in (run_manifest_uri, source_manifest_uri):
        if store.exists(uri):
            done = read_json(store, uri)
            if (done.get("source_uri"), done.get("run_id")) == (job.source_uri, job.run_id):
                if uri == source_manifest_uri:
                    # Committed, but stopped before the run manifest: write it (timings are lost).
                    done |= {"timings": {"clean_seconds": None, "flatten_seconds": None}}
                    write_json(store, run_manifest_uri, done)
                logger.info("flatten: run %s was already committed", job.run_id)
                return done
    return None


def _parquet_files(store: ObjectStore, prefix: str) -> list[str]:
    """This run's data files under a prefix, after deleting what else Spark left (_SUCCESS, .crc)."""
    found = store.list(prefix)
    store.delete([u for u in found if not u.endswith(".parquet")])
    return [u for u in found if u.endswith(".parquet")]


def _row_count(spark: SparkSession, store: ObjectStore, files: list[str], table: Table) -> int:
    if not files:
        return 0
    schema = schema_for(table)
    return spark.read.schema(schema).parquet(*[store.spark_path(f) for f in files]).count()


_COPIES = "_copies"


def _without_exact_repeats(df: DataFrame, table: Table) -> tuple[DataFrame, int, int]:
    """(the table without exact repeats of a row, its row count, the repeats dropped), in one pass.

    The distinct rows carry :data:`_COPIES` (how often each came) and are persisted: the caller
    writes them without it and unpersists them. Raises ReconciliationError when rows that differ
    share the table's unique key: publishing them would fail the table's own uniqueness test on
    every run after, whatever the input.
    """
    distinct = df.groupBy(*df.columns).agg(F.count(F.lit(1)).alias(_COPIES)).persist()
    key = list(table.unique_key)
    agg = [F.count(F.lit(1)).alias("rows"), F.sum(_COPIES).alias("copies")]
    if key:
        agg.append(F.count_distinct(*[F.col(c) for c in key]).alias("keys"))
    stats = distinct.agg(*agg).first()
    if key and stats["keys"] != stats["rows"]:
        distinct.unpersist()
        raise ReconciliationError(
            f"{table.name}: {stats['rows'] - stats['keys']} rows repeat the unique key {key} with other values"
        )
    return distinct, stats["rows"], (stats["copies"] or 0) - stats["rows"]


def _write(df: DataFrame, path: str, partition_by: str | None) -> None:
    if partition_by:
        # One task per year, so one file per partition directory.
        df.repartition(partition_by).write.mode("overwrite").partitionBy(partition_by).parquet(path)
    else:
        df.coalesce(1).write.mode("overwrite").parquet(path)


def run(spark: SparkSession, args: Mapping[str, Any]) -> dict[str, Any]:
    """Publish and commit one cleaned run; return the run manifest (written to layout.run_manifest_uri)."""
    started = time.monotonic()
    job = JobArgs.from_dict(args, need_etag=True)
    store = get_store(job.storage_backend)
    ds = job.dataset
    sid = layout.source_id(job.source_uri)
    work = layout.work_prefix(job.processed_root, ds.name, job.run_id)
    clean_uri = layout.clean_manifest_uri(job.processed_root, ds.name, job.run_id)
    run_manifest_uri = layout.run_manifest_uri(job.processed_root, ds.name, job.run_id)

    source_manifest_uri = layout.source_manifest_uri(job.processed_root, ds.name, sid)
    if not store.exists(clean_uri) and (done := _already_committed(store, job, run_manifest_uri, source_manifest_uri)):
        return done
    clean = read_json(store, clean_uri)
    if clean.get("status") != "ACCEPTED":
        _raise_rejected(clean)
    cleaned_what = (clean.get("dataset"), clean.get("source_uri"), clean.get("run_id"))
    if cleaned_what != (ds.name, job.source_uri, job.run_id):
        raise PublishedOutputMissing(f"the clean manifest at {clean_uri} is for another source or run: {clean}")

    transform = load_transform(ds)
    records = clean_job.work_records(spark, store, work, transform)
    quarantine = spark.read.schema(schema_for(ds.quarantine)).parquet(store.spark_path(work + clean_job.QUARANTINE))
    published = transform.publish(records)
    if list(published) != [table.name for table in ds.published]:
        raise ShoplakeError(
            f"{ds.name}: publish() gave tables {list(published)}, the contract {[t.name for t in ds.published]}"
        )

    # What each table must hold once written: the records table a row per processed record, the
    # quarantine table a row per quarantined one, a derived table its rows without exact repeats.
    outputs: dict[str, DataFrame] = {}
    expected: dict[str, int] = {}
    repeats: dict[str, int] = {}
    persisted: list[DataFrame] = []
    # Where the time goes (the run manifest's timings.flatten_steps).
    steps: dict[str, float] = {"read_and_plan": round(time.monotonic() - started, 3)}
    try:
        for name, df in published.items():
            if name == ds.records_table.name:
                outputs[name], expected[name] = df, clean["counts"]["processed"]
            else:
                with timed(steps, f"derive_{name}"):
                    distinct, expected[name], repeats[name] = _without_exact_repeats(df, ds.table(name))
                persisted.append(distinct)
                outputs[name] = distinct.drop(_COPIES)
        outputs[ds.quarantine.name], expected[ds.quarantine.name] = quarantine, clean["counts"]["quarantined"]

        prefixes = {name: layout.run_prefix(job.processed_root, name, sid, job.run_id) for name in outputs}
        for name, df in outputs.items():
            with timed(steps, f"write_{name}"):
                _write(df, store.spark_path(prefixes[name]), ds.table(name).partition_by)
    finally:
        for df in persisted:
            df.unpersist()
    files = {name: _parquet_files(store, prefixes[name]) for name in outputs}

    # Reconcile what is now on storage with what the clean job counted.
    with timed(steps, "count_back"):
        row_counts = {name: _row_count(spark, store, files[name], ds.table(name)) for name in outputs}
    if row_counts != expected:
        raise ReconciliationError(f"published rows {row_counts} != expected {expected} for {job.source_uri}")

    # Commit: the source manifest names this run's files; one PUT makes them current.
    manifest = {
        "dataset": ds.name,
        "source_uri": job.source_uri,
        "source_id": sid,
        "source_etag": job.source_etag,
        "pipeline_version": job.pipeline_version,
        "run_id": job.run_id,
        "committed_at": utc_now_iso(),
        "counts": clean["counts"],
        "quarantine_reasons": clean["quarantine_reasons"],
        "source_formats": clean["source_formats"],
        "record_format": clean.get("record_format"),
        "layout": clean.get("layout"),
        "unknown_fields": clean.get("unknown_fields", []),
        "repeats_dropped": repeats,
        "tables": files,
        "row_counts": row_counts,
    }
    write_json(store, source_manifest_uri, manifest)

    # Then the previous runs' files of this source go, and this run's scratch space.
    for name in outputs:
        stale = [
            u
            for u in store.list(layout.source_prefix(job.processed_root, name, sid))
            if not u.startswith(prefixes[name])
        ]
        store.delete(stale)
    store.delete(store.list(work))

    run_manifest = manifest | {
        "timings": {
            "clean_seconds": clean.get("timings", {}).get("clean_seconds"),
            "flatten_seconds": round(time.monotonic() - started, 3),
            "flatten_steps": steps,
        }
    }
    write_json(store, run_manifest_uri, run_manifest)
    logger.info("flatten committed %s", json.dumps(run_manifest))
    return run_manifest
