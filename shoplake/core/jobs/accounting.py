"""Record accounting, the same for every dataset: duplicates, counts, reconciliation, line numbers.

Every record a reader produced ends up processed, quarantined with a reason, or counted as a
duplicate, and the clean job fails loudly unless ``records_read = processed + quarantined +
duplicates`` and the physical lines Spark read are the lines the object has. Blank records
(empty lines) are not records: they are counted as physical lines only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from typing import Any

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from shoplake.core.contracts import Dataset
from shoplake.core.errors import ReconciliationError
from shoplake.core.jobs.readers import ROW_BITS, ROW_MASK
from shoplake.core.jobs.scan import ObjectScan
from shoplake.core.spark import typed
from shoplake.core.transform import BLANK, DUPLICATE, PROCESSED, QUARANTINED, DatasetTransform

__all__ = ["BLANK", "DUPLICATE", "OUTCOME", "PROCESSED", "QUARANTINED"]

# The column mark_duplicates adds (a name no contract column can take: see Dataset's checks).
OUTCOME = "_outcome"
_REPEAT = "_repeat"


def find_repeats(parsed: DataFrame, identity: Iterable[str]) -> DataFrame:
    """The ``line_id`` of every duplicate: a valid record whose identity an earlier valid record
    (in file order) of the same file already had. The first one is kept, later ones are counted.

    Only the valid records' identity and line id are read and shuffled (not the parsed rows, raw
    text included): read from Parquet, the other columns are never touched.
    """
    valid = F.col("reason").isNull() & ~F.col("is_blank")
    first = Window.partitionBy(*[F.col(c) for c in identity]).orderBy("line_id")
    return (
        parsed.filter(valid)
        .select("line_id", F.row_number().over(first).alias("_seen"))
        .filter(F.col("_seen") > 1)
        .select("line_id")
    )


def with_outcome(parsed: DataFrame, repeats: DataFrame) -> DataFrame:
    """Add :data:`OUTCOME` (blank | quarantined | duplicate | processed) from :func:`find_repeats`."""
    outcome = (
        F.when(F.col("is_blank"), F.lit(BLANK))
        .when(F.col("reason").isNotNull(), F.lit(QUARANTINED))
        .when(F.coalesce(F.col(_REPEAT), F.lit(False)), F.lit(DUPLICATE))
        .otherwise(F.lit(PROCESSED))
    )
    # Broadcast: a sort-merge join would shuffle the wide rows this is meant to spare. The repeats
    # are line ids only (8 bytes each), a few percent of a real file's records.
    flagged = repeats.select("line_id", F.lit(True).alias(_REPEAT))
    return parsed.join(F.broadcast(flagged), "line_id", "left").select(*parsed.columns, outcome.alias(OUTCOME))


def mark_duplicates(parsed: DataFrame, identity: Iterable[str]) -> DataFrame:
    """:func:`with_outcome` of :func:`find_repeats`, in one plan (``parsed`` is read twice)."""
    return with_outcome(parsed, find_repeats(parsed, identity))


def record_stats(marked: DataFrame) -> DataFrame:
    """Records per (text partition, outcome as ``status``, reason, source_format), and the physical lines they
    span: all the clean job counts, in one pass. A record without ``lines`` spans one line."""
    lines = F.col("lines") if "lines" in marked.columns else F.lit(1)
    return (
        marked.groupBy(
            F.shiftright(F.col("line_id"), ROW_BITS).alias("partition"),
            F.col(OUTCOME).alias("status"),
            "reason",
            "source_format",
        )
        .agg(F.count(F.lit(1)).alias("records"), F.sum(lines).alias("lines"))
        .select("partition", "status", "reason", "source_format", "records", "lines")
    )


@dataclass
class RecordSummary:
    """The clean job's counts, from one aggregation (:func:`record_stats`)."""

    lines_per_partition: dict[int, int] = field(default_factory=dict)
    physical_lines: int = 0
    records_read: int = 0
    processed: int = 0
    quarantined: int = 0
    duplicates: int = 0
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    source_formats: dict[str, int] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "records_read": self.records_read,
            "processed": self.processed,
            "quarantined": self.quarantined,
            "duplicates": self.duplicates,
        }


def summarise(stats: Iterable[Mapping[str, Any]], reason_order: Iterable[str] = ()) -> RecordSummary:
    """Fold :func:`record_stats` rows (partition, status, reason, source_format, records, lines).

    ``source_formats`` counts the processed (published) records of each layout; reasons come in
    the contract's order.
    """
    s = RecordSummary()
    reasons: dict[str, int] = {}
    formats: dict[str, int] = {}
    for row in stats:
        n = row["records"]
        lines = row.get("lines", n)
        s.lines_per_partition[row["partition"]] = s.lines_per_partition.get(row["partition"], 0) + lines
        s.physical_lines += lines
        status = row["status"]
        if status == BLANK:
            continue
        s.records_read += n
        if status == PROCESSED:
            s.processed += n
            formats[row["source_format"]] = formats.get(row["source_format"], 0) + n
        elif status == QUARANTINED:
            s.quarantined += n
            reasons[row["reason"]] = reasons.get(row["reason"], 0) + n
        elif status == DUPLICATE:
            s.duplicates += n
    order = list(reason_order)
    s.quarantine_reasons = dict(
        sorted(reasons.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order), kv[0]))
    )
    s.source_formats = dict(sorted(formats.items()))
    return s


def reconcile(summary: RecordSummary, scan: ObjectScan) -> None:
    """Fail loudly unless every physical line and every record is accounted for."""
    if summary.physical_lines != scan.physical_lines:
        raise ReconciliationError(
            f"rows went missing: Spark read {summary.physical_lines} lines, the object has {scan.physical_lines}"
        )
    accounted = summary.processed + summary.quarantined + summary.duplicates
    if summary.records_read != accounted:
        raise ReconciliationError(
            f"records_read {summary.records_read} != processed {summary.processed} + quarantined "
            f"{summary.quarantined} + duplicates {summary.duplicates}"
        )


def with_line_numbers(df: DataFrame, offsets: Mapping[int, int]) -> DataFrame:
    """Add the physical ``line_number`` a record starts on, from its ``line_id`` and the lines
    preceding each text partition. A reader that numbered its records itself (a ``line_number``
    column already there) keeps its numbers."""
    if "line_number" in df.columns:
        return df
    pairs = chain.from_iterable((F.lit(p).cast("long"), F.lit(o).cast("long")) for p, o in sorted(offsets.items()))
    offset = F.element_at(F.create_map(*pairs), F.shiftright(F.col("line_id"), ROW_BITS)) if offsets else F.lit(0)
    line_number = offset + F.col("line_id").bitwiseAND(F.lit(ROW_MASK)) + 1
    return df.select("*", line_number.cast("long").alias("line_number"))


def to_work(
    numbered: DataFrame, transform: DatasetTransform, *, source_uri: str, run_id: str, ingested_at: datetime
) -> DataFrame:
    """The kept records as work records (:meth:`DatasetTransform.work_schema`), lineage included."""
    table = transform.dataset.records_table
    lineage = {
        "source_uri": F.lit(source_uri),
        "line_number": F.col("line_number"),
        "ingested_at": F.lit(ingested_at),
        "run_id": F.lit(run_id),
    }
    columns = {name: lineage.get(name, F.col(name)) for name in table.column_names}
    extra = {}
    if transform.partition_column:
        extra[transform.partition_column] = F.col(transform.partition_column).cast("string")
    extra |= {f.name: F.col(f.name).cast(f.dataType) for f in transform.work_extras}
    return numbered.filter(F.col(OUTCOME) == PROCESSED).select(*typed(table, columns, extra))


def to_quarantine(numbered: DataFrame, dataset: Dataset, *, source_uri: str, run_id: str) -> DataFrame:
    """The quarantined records as rows of the dataset's quarantine table."""
    columns = {
        "source_uri": F.lit(source_uri),
        "line_number": F.col("line_number"),
        "reason": F.col("reason"),
        "raw_record": F.col("raw_record"),
        "run_id": F.lit(run_id),
    }
    return numbered.filter(F.col(OUTCOME) == QUARANTINED).select(*typed(dataset.quarantine, columns))
