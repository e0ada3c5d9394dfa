"""Clean job: one landed object of any dataset → cleaned records and quarantine rows in the run's work area.

1. Stream the object once in Python (:mod:`shoplake.core.jobs.scan`): it must decompress and
   decode as UTF-8 as a whole. If it does not — or a reader finds the file unusable as a whole
   (a CSV header without a required column) — the file is rejected: a REJECTED clean manifest,
   nothing else, and the job *succeeds* (a retry cannot help; the check-clean Lambda raises the
   rejection's typed error).
2. Spark reads every record in the file's format (:mod:`shoplake.core.jobs.readers`) and the
   dataset's transform parses and validates them: the one pass over the file's text, written once
   to the work area (``parsed/``; a record's raw text is kept only when it is quarantined).
3. The generic accounting (:mod:`shoplake.core.jobs.accounting`) reads back only the narrow
   columns it needs: the duplicates' line ids (``repeats/``), then the counts per status, reason
   and layout in one aggregation, then reconciles.
4. The quarantine rows are written (``quarantine/``), then the work index (the parsed schema,
   the lines before each text partition, the lineage) and the clean manifest. The flatten job
   builds the work records from ``parsed/`` minus ``repeats/`` (:func:`work_records`) and
   publishes them: the wide rows are written once and read once.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from contextlib import closing
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from shoplake.core import layout
from shoplake.core.contracts import RecordFormat
from shoplake.core.errors import ObjectRejected
from shoplake.core.jobs import accounting, readers
from shoplake.core.jobs.common import COMMON_ARGS, JobArgs, parse_timestamp, read_json, timed, write_json
from shoplake.core.jobs.scan import scan_object, scan_parquet
from shoplake.core.storage import ObjectStore, get_store
from shoplake.core.transform import DEFAULT_CURRENCY, DatasetTransform, ParseContext, load_transform, parse_records

logger = logging.getLogger(__name__)

REQUIRED_ARGS = COMMON_ARGS
OPTIONAL_ARGS = {"default_currency": DEFAULT_CURRENCY}

# The run's work area (layout.work_prefix): what the clean job leaves for the flatten job.
PARSED, REPEATS, QUARANTINE, WORK_INDEX = "parsed/", "repeats/", "quarantine/", "work_index.json"
REPEATS_SCHEMA = T.StructType([T.StructField("line_id", T.LongType(), nullable=False)])
# What the accounting reads of the parsed rows (``lines`` only where the reader counts them).
_NARROW = ("line_id", "reason", "is_blank", "source_format", "lines")


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
    # Where the time goes (the manifest's timings.clean_steps): the Python scan and the plans, the
    # parse (the one pass over the text), then each narrow read-back and the quarantine.
    steps: dict[str, float] = {"scan_and_plan": round(time.monotonic() - started, 3)}
    parsed_path, repeats_path = store.spark_path(work + PARSED), store.spark_path(work + REPEATS)
    parsed = parse_records(transform, reading.records, ctx)
    keep_raw = F.when(F.col("reason").isNotNull(), F.col("raw_record")).alias("raw_record")
    columns = [keep_raw if c == "raw_record" else c for c in parsed.columns]
    if reading.record_lines is not None:
        columns.append(reading.record_lines.alias("lines"))
    parsed = parsed.select(*columns)
    with timed(steps, "parse_and_write"):
        parsed.write.mode("overwrite").parquet(parsed_path)
    schema = parsed.schema
    written = spark.read.schema(schema).parquet(parsed_path)
    counted = [c for c in _NARROW if c in schema.names]
    with timed(steps, "find_duplicates"):
        keys = written.select(*dict.fromkeys(["line_id", "reason", "is_blank", *job.dataset.identity]))
        accounting.find_repeats(keys, job.dataset.identity).coalesce(1).write.mode("overwrite").parquet(repeats_path)
    repeats = spark.read.schema(REPEATS_SCHEMA).parquet(repeats_path)
    with timed(steps, "count"):
        marked = accounting.with_outcome(written.select(*counted), repeats)
        stats = [row.asDict() for row in accounting.record_stats(marked).collect()]
    summary = accounting.summarise(stats, job.dataset.reason_codes)
    accounting.reconcile(summary, scan)
    offsets = reading.line_offsets
    if offsets is None:
        offsets = readers.partition_offsets(summary.lines_per_partition)
    with timed(steps, "write_quarantine"):
        quarantined = accounting.with_line_numbers(
            accounting.with_outcome(written.filter(F.col("reason").isNotNull()), repeats), offsets
        )
        quarantine = accounting.to_quarantine(quarantined, job.dataset, source_uri=job.source_uri, run_id=job.run_id)
        # One file, but read in parallel: the few quarantined rows are shuffled, not the file.
        quarantine.repartition(1).write.mode("overwrite").parquet(store.spark_path(work + QUARANTINE))
    index = {
        "schema": schema.jsonValue(),
        "line_offsets": sorted(offsets.items()),
        "lineage": {"source_uri": job.source_uri, "run_id": job.run_id, "ingested_at": job.ingested_at.isoformat()},
    }
    write_json(store, work + WORK_INDEX, index)

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


def work_records(spark: SparkSession, store: ObjectStore, work: str, transform: DatasetTransform) -> DataFrame:
    """The processed records of a cleaned run as work records (``DatasetTransform.work_schema``):
    the parsed rows, less the invalid ones and the duplicates, numbered by physical line, lineage
    included. Read from the work area the clean job left (its index names what it holds)."""
    index = read_json(store, work + WORK_INDEX)
    parsed = spark.read.schema(T.StructType.fromJson(index["schema"])).parquet(store.spark_path(work + PARSED))
    repeats = spark.read.schema(REPEATS_SCHEMA).parquet(store.spark_path(work + REPEATS))
    valid = parsed.filter(F.col("reason").isNull() & ~F.col("is_blank"))
    offsets = {int(partition): int(lines) for partition, lines in index["line_offsets"]}
    numbered = accounting.with_line_numbers(accounting.with_outcome(valid, repeats), offsets)
    lineage = index["lineage"]
    return accounting.to_work(
        numbered,
        transform,
        source_uri=lineage["source_uri"],
        run_id=lineage["run_id"],
        ingested_at=parse_timestamp(lineage["ingested_at"]),
    )
