"""Clean job: one landed object of any dataset → cleaned records and quarantine rows in the run's work area.

1. Stream the object once in Python (:mod:`shoplake.core.jobs.scan`): it must decompress and
   decode as UTF-8 as a whole. If it does not — or a reader finds the file unusable as a whole
   (a CSV header without a required column) — the file is rejected: a REJECTED clean manifest,
   nothing else, and the job *succeeds* (a retry cannot help; the check-clean Lambda raises the
   rejection's typed error).
2. Spark reads every record in the file's format (:mod:`shoplake.core.jobs.readers`), the
   dataset's transform parses and validates them, and the generic accounting
   (:mod:`shoplake.core.jobs.accounting`) marks duplicates and counts records per status, reason
   and layout in one aggregation over the cached result, then reconciles.
3. The kept records and the quarantine rows are written as Parquet under the work prefix, then
   the clean manifest. The flatten job publishes them.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from typing import Any

from pyspark import StorageLevel
from pyspark.sql import SparkSession

from shoplake.core import layout
from shoplake.core.contracts import RecordFormat
from shoplake.core.errors import ObjectRejected
from shoplake.core.jobs import accounting, readers
from shoplake.core.jobs.common import COMMON_ARGS, JobArgs, write_json
from shoplake.core.jobs.scan import scan_object, scan_parquet
from shoplake.core.storage import get_store
from shoplake.core.transform import DEFAULT_CURRENCY, ParseContext, load_transform, parse_records

logger = logging.getLogger(__name__)

REQUIRED_ARGS = COMMON_ARGS
OPTIONAL_ARGS = {"default_currency": DEFAULT_CURRENCY}


@contextmanager
def _timed(steps: dict[str, float], name: str) -> Iterator[None]:
    mark = time.monotonic()
    yield
    steps[name] = round(time.monotonic() - mark, 3)


def run(spark: SparkSession, args: Mapping[str, Any]) -> dict[str, Any]:
    """Clean one landed object; return the clean manifest (also written to layout.clean_manifest_uri)."""
    started = time.monotonic()
    job = JobArgs.from_dict(args)
    transform = load_transform(job.dataset)
    store = get_store(job.storage_backend)
    work = layout.work_prefix(job.processed_root, job.dataset.name, job.run_id)
    manifest_uri = layout.clean_manifest_uri(job.processed_root, job.dataset.name, job.run_id)
    manifest: dict[str, Any] = {
        "dataset": job.dataset.name,
        "source_uri": job.source_uri,
        "run_id": job.run_id,
    }

    try:
        parquet = RecordFormat.PARQUET in job.dataset.formats_for(job.source_uri)
        with closing(store.open_read(job.source_uri)) as stream:
            scan = scan_parquet(stream) if parquet else scan_object(stream, gzipped=job.source_uri.endswith(".gz"))
        reading = readers.read(spark, store.spark_path(job.source_uri), job.dataset, job.source_uri, scan)
    except ObjectRejected as exc:
        # Publish nothing, including what an earlier attempt of this run may have left.
        store.delete(store.list(work))
        manifest |= {
            "status": "REJECTED",
            "rejection": {"reason": exc.reason, "message": str(exc)},
            "counts": None,
            "quarantine_reasons": {},
            "source_formats": {},
            "timings": {"clean_seconds": round(time.monotonic() - started, 3)},
        }
        write_json(store, manifest_uri, manifest)
        logger.warning("clean rejected %s", json.dumps(manifest))
        return manifest

    ctx = ParseContext(
        source_uri=job.source_uri,
        ingested_at=job.ingested_at,
        record_format=reading.format,
        layout=reading.layout,
        default_currency=args.get("default_currency") or OPTIONAL_ARGS["default_currency"],
    )
    # Parsed once: the duplicate search, the counts and both writes read the cached rows (the
    # repeats found among them are few: joining them back costs little per read).
    parsed = parse_records(transform, reading.records, ctx).persist(StorageLevel.MEMORY_AND_DISK)
    marked = accounting.mark_duplicates(parsed, job.dataset.identity)
    # Where the time goes (the manifest's timings.clean_steps): the Python scan and the plans, the
    # parse with the counts (the one full pass), then each write.
    steps: dict[str, float] = {"scan_and_plan": round(time.monotonic() - started, 3)}
    try:
        with _timed(steps, "parse_and_count"):
            stats = [row.asDict() for row in accounting.record_stats(marked).collect()]
        summary = accounting.summarise(stats, job.dataset.reason_codes)
        accounting.reconcile(summary, scan)
        numbered = accounting.with_line_numbers(marked, accounting.partition_offsets(summary.lines_per_partition))
        records = accounting.to_work(
            numbered, transform, source_uri=job.source_uri, run_id=job.run_id, ingested_at=job.ingested_at
        )
        quarantine = accounting.to_quarantine(numbered, job.dataset, source_uri=job.source_uri, run_id=job.run_id)
        with _timed(steps, "write_records"):
            records.write.mode("overwrite").parquet(store.spark_path(work + "records/"))
        with _timed(steps, "write_quarantine"):
            quarantine.coalesce(1).write.mode("overwrite").parquet(store.spark_path(work + "quarantine/"))
    finally:
        parsed.unpersist()

    manifest |= {
        "status": "ACCEPTED",
        "rejection": None,
        "counts": summary.counts,
        "quarantine_reasons": summary.quarantine_reasons,
        "source_formats": summary.source_formats,
        "record_format": reading.format.value,
        "layout": reading.layout.name if reading.layout else None,
        "unknown_fields": list(reading.unknown_fields),
        "timings": {"clean_seconds": round(time.monotonic() - started, 3), "clean_steps": steps},
    }
    write_json(store, manifest_uri, manifest)
    logger.info("clean accepted %s", json.dumps(manifest))
    return manifest
