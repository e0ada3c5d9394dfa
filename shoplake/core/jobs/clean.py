"""Clean job: one landed review file → cleaned records and quarantine rows in the run's work area.

1. Stream the object once in Python: it must decompress and decode as UTF-8 as a whole. If it
   does not, the file is rejected: a REJECTED clean manifest, nothing else, and the job
   *succeeds* (a retry cannot help; the check-clean Lambda raises UndecodableObject).
2. Spark reads every line, parses and validates it (shoplake.datasets.reviews.transform), and counts
   lines per status, reason and format in one aggregation over the cached result.
3. The kept records and the quarantine rows are written as Parquet under the work prefix, then
   the clean manifest. The flatten job publishes them.
"""

from __future__ import annotations

import codecs
import gzip
import json
import logging
import time
import zlib
from collections.abc import Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from pyspark import StorageLevel
from pyspark.sql import SparkSession

from shoplake.core import layout
from shoplake.core.errors import ConfigurationError, ReconciliationError, UndecodableObject
from shoplake.core.jobs.common import COMMON_ARGS, JobArgs, write_json
from shoplake.core.storage import get_store
from shoplake.datasets.reviews import transform as reviews

logger = logging.getLogger(__name__)

REQUIRED_ARGS = COMMON_ARGS

# The datasets this job knows how to clean; adding a dataset adds its transforms module here.
TRANSFORMS = {"reviews": reviews}

_CHUNK = 1 << 20


@dataclass(frozen=True)
class ObjectScan:
    """What streaming the whole object showed: its decoded size and its physical line count."""

    decoded_bytes: int
    physical_lines: int


def scan_object(stream: BinaryIO, *, gzipped: bool) -> ObjectScan:
    """Read the object once; raise UndecodableObject unless it decompresses and decodes as a whole.

    Lines are counted the way Hadoop's line reader splits them (LF, CR or CRLF; a last line
    without a terminator counts), so the count can be reconciled with what Spark read.
    """
    source: BinaryIO = gzip.GzipFile(fileobj=stream, mode="rb") if gzipped else stream
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset = lines = 0
    last = b""
    try:
        while chunk := source.read(_CHUNK):
            pending = len(decoder.getstate()[0])
            bad_utf8 = nul = None
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                bad_utf8 = offset - pending + exc.start
            if (i := chunk.find(b"\x00")) >= 0:
                nul = offset + i
            if nul is not None and (bad_utf8 is None or nul <= bad_utf8):
                raise UndecodableObject(f"binary content: NUL byte at byte {nul}")
            if bad_utf8 is not None:
                raise UndecodableObject(f"invalid UTF-8 at byte {bad_utf8}")
            crlf = chunk.count(b"\r\n") + (1 if last == b"\r" and chunk[:1] == b"\n" else 0)
            lines += chunk.count(b"\n") + chunk.count(b"\r") - crlf
            last = chunk[-1:]
            offset += len(chunk)
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise UndecodableObject(
                f"invalid UTF-8 at byte {offset - pending + exc.start}: truncated sequence at the end"
            ) from exc
    except EOFError as exc:
        raise UndecodableObject(f"gzip stream truncated: {exc}") from exc
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise UndecodableObject(f"corrupt gzip stream: {exc}") from exc
    if offset and last not in (b"\n", b"\r"):
        lines += 1
    return ObjectScan(decoded_bytes=offset, physical_lines=lines)


@dataclass
class LineSummary:
    """The clean job's counts, from one aggregation (``reviews.line_stats``)."""

    lines_per_partition: dict[int, int] = field(default_factory=dict)
    physical_lines: int = 0
    lines_read: int = 0
    processed: int = 0
    quarantined: int = 0
    duplicates: int = 0
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    source_formats: dict[str, int] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "lines_read": self.lines_read,
            "processed": self.processed,
            "quarantined": self.quarantined,
            "duplicates": self.duplicates,
        }


def summarise(stats: Iterable[Mapping[str, Any]], reason_order: Iterable[str] = ()) -> LineSummary:
    """Fold ``line_stats`` rows (partition, status, reason, source_format, lines) into the job's counts.

    source_formats counts the processed (published) records of each format.
    """
    s = LineSummary()
    reasons: dict[str, int] = {}
    formats: dict[str, int] = {}
    for row in stats:
        n = row["lines"]
        s.lines_per_partition[row["partition"]] = s.lines_per_partition.get(row["partition"], 0) + n
        s.physical_lines += n
        status = row["status"]
        if status == reviews.BLANK:
            continue
        s.lines_read += n
        if status == reviews.PROCESSED:
            s.processed += n
            formats[row["source_format"]] = formats.get(row["source_format"], 0) + n
        elif status == reviews.QUARANTINED:
            s.quarantined += n
            reasons[row["reason"]] = reasons.get(row["reason"], 0) + n
        elif status == reviews.DUPLICATE:
            s.duplicates += n
    order = list(reason_order)
    s.quarantine_reasons = dict(
        sorted(reasons.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order), kv[0]))
    )
    s.source_formats = dict(sorted(formats.items()))
    return s


def reconcile(summary: LineSummary, scan: ObjectScan) -> None:
    """Fail loudly unless every line is accounted for."""
    if summary.physical_lines != scan.physical_lines:
        raise ReconciliationError(
            f"rows went missing: Spark read {summary.physical_lines} lines, the object has {scan.physical_lines}"
        )
    accounted = summary.processed + summary.quarantined + summary.duplicates
    if summary.lines_read != accounted:
        raise ReconciliationError(
            f"lines_read {summary.lines_read} != processed {summary.processed} + quarantined "
            f"{summary.quarantined} + duplicates {summary.duplicates}"
        )


def _literal_path(path: str) -> str:
    """Spark expands glob characters in paths; a key may contain them literally.

    (Hadoop's globber cannot take a key with both glob characters and a colon: such a key
    fails the job loudly.)
    """
    return "".join("\\" + ch if ch in "*?[]{}\\" else ch for ch in path)


def run(spark: SparkSession, args: Mapping[str, Any]) -> dict[str, Any]:
    """Clean one landed object; return the clean manifest (also written to layout.clean_manifest_uri)."""
    started = time.monotonic()
    job = JobArgs.from_dict(args)
    if job.dataset.name not in TRANSFORMS:
        raise ConfigurationError(f"the clean job has no transforms for dataset {job.dataset.name!r}")
    t = TRANSFORMS[job.dataset.name]
    store = get_store(job.storage_backend)
    work = layout.work_prefix(job.processed_root, job.dataset.name, job.run_id)
    manifest_uri = layout.clean_manifest_uri(job.processed_root, job.dataset.name, job.run_id)
    manifest: dict[str, Any] = {
        "dataset": job.dataset.name,
        "source_uri": job.source_uri,
        "run_id": job.run_id,
    }

    try:
        with closing(store.open_read(job.source_uri)) as stream:
            scan = scan_object(stream, gzipped=job.source_uri.endswith(".gz"))
    except UndecodableObject as exc:
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

    text = spark.read.text(_literal_path(store.spark_path(job.source_uri)))
    lines = t.with_line_ids(text)
    # A gzip file is read as one partition (it cannot be split): spread the parsing over every
    # core. Line ids are assigned before, at the scan, so they still follow the file.
    cores = spark.sparkContext.defaultParallelism
    if text.rdd.getNumPartitions() < cores:
        lines = lines.repartition(cores)
    marked = t.mark_duplicates(t.parse_reviews(lines)).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        stats = [row.asDict() for row in t.line_stats(marked).collect()]
        summary = summarise(stats, job.dataset.reason_codes)
        reconcile(summary, scan)
        numbered = t.with_line_numbers(marked, t.partition_offsets(summary.lines_per_partition))
        records = t.to_reviews(numbered, source_uri=job.source_uri, run_id=job.run_id, ingested_at=job.ingested_at)
        quarantine = t.to_quarantine(numbered, source_uri=job.source_uri, run_id=job.run_id)
        records.write.mode("overwrite").parquet(store.spark_path(work + "records/"))
        quarantine.coalesce(1).write.mode("overwrite").parquet(store.spark_path(work + "quarantine/"))
    finally:
        marked.unpersist()

    manifest |= {
        "status": "ACCEPTED",
        "rejection": None,
        "counts": summary.counts,
        "quarantine_reasons": summary.quarantine_reasons,
        "source_formats": summary.source_formats,
        "timings": {"clean_seconds": round(time.monotonic() - started, 3)},
    }
    write_json(store, manifest_uri, manifest)
    logger.info("clean accepted %s", json.dumps(manifest))
    return manifest
