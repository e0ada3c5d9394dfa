"""The interface between the generic clean and flatten jobs and a dataset's transform.

The generic side owns everything that is the same for every dataset: reading records in each
format (JSON Lines, JSON arrays, CSV), blank records, record numbering (the physical line each
record starts on), duplicates by the contract's identity, quarantine rows, the counts and their
reconciliation, exact repeats in published tables, and the commit. A dataset's transform only
parses, validates (reason codes) and maps records to its published tables; it is found by
convention at ``shoplake.datasets.<name>.transform.TRANSFORM``.

::

    reader ──▶ records: line_id, raw_record, is_blank, reason, f (input fields as strings)
    transform.parse ──▶ + reason, source_format, the work columns (records table but lineage,
                         partition column, work_extras)
    generic ──▶ duplicates, counts, line numbers, lineage ──▶ _work/records, _work/quarantine
    transform.publish(work records) ──▶ {table: DataFrame} ──▶ generic write, reconcile, commit
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from pyspark.sql import DataFrame
from pyspark.sql import types as T

from shoplake.core.contracts import LINEAGE, Dataset, Layout, RecordFormat
from shoplake.core.spark import schema_for

# Status of each record after the generic duplicate check.
BLANK, PROCESSED, QUARANTINED, DUPLICATE = "blank", "processed", "quarantined", "duplicate"

# The shop's currency where a record names none: the stage param defaultCurrency, passed to the
# clean job as --default_currency (locally $SHOPLAKE_DEFAULT_CURRENCY).
DEFAULT_CURRENCY = "USD"


@dataclass(frozen=True)
class ParseContext:
    """What a transform may know about the file besides its records."""

    source_uri: str
    ingested_at: datetime
    # How the file's records are laid out (JSON Lines, a JSON array, CSV).
    record_format: RecordFormat = RecordFormat.JSON_LINES
    # The layout the file's CSV header chose; None where records carry their own keys (JSON).
    layout: Layout | None = None
    default_currency: str = DEFAULT_CURRENCY


class DatasetTransform(ABC):
    """A dataset's parsing, validation and mapping, as pure DataFrame → DataFrame functions."""

    dataset: ClassVar[Dataset]
    # Columns the flatten job needs besides the records table's (e.g. a review's images).
    work_extras: ClassVar[tuple[T.StructField, ...]] = ()

    @abstractmethod
    def parse(self, records: DataFrame, ctx: ParseContext) -> DataFrame:
        """Validate and map every record (built-in Spark functions only: no Python per record).

        Input, one row per record: ``line_id``, ``raw_record``, ``is_blank``, ``reason`` (the
        reader's, e.g. ``malformed_json``; null when it could read the record) and ``f``, a
        struct of the dataset's input fields as strings (null where absent).

        Output: ``line_id``, ``raw_record``, ``is_blank``, ``reason`` (null for a valid record;
        the reader's reason kept where it gave one), ``source_format`` (the record's layout) and
        :meth:`work_columns` (null where the record is not valid).
        """

    def publish(self, records: DataFrame) -> dict[str, DataFrame]:
        """Work records (:meth:`work_schema`) → every published table but the quarantine, each
        with its contract's columns and its partition column.

        By default the dataset publishes its records table only, as the work records hold it
        (every contract column, typed, then the partition column); a dataset with more tables
        (reviews and their images) overrides this."""
        from pyspark.sql import functions as F

        from shoplake.core.spark import typed

        table = self.dataset.records_table
        columns = {name: F.col(name) for name in table.column_names}
        partition = {self.partition_column: F.col(self.partition_column)} if self.partition_column else None
        return {table.name: records.select(*typed(table, columns, partition))}

    # -- derived from the contract ---------------------------------------------------------
    @property
    def partition_column(self) -> str | None:
        return self.dataset.records_table.partition_by

    def work_columns(self) -> list[str]:
        """What parse must produce for each record besides the generic columns."""
        table = self.dataset.records_table
        own = [c for c in table.column_names if c not in LINEAGE]
        return own + ([self.partition_column] if self.partition_column else []) + [f.name for f in self.work_extras]

    def work_schema(self) -> T.StructType:
        """The cleaned records the clean job hands to the flatten job: the records table, its
        partition value (as path text) and the extras."""
        fields = list(schema_for(self.dataset.records_table).fields)
        if self.partition_column:
            fields.append(T.StructField(self.partition_column, T.StringType()))
        return T.StructType([*fields, *self.work_extras])


# The reader's columns a transform sees; the others (``lines``, ``line_number`` of readers that
# number their records themselves) are the generic side's and are joined back after parsing.
READER_COLUMNS = ("line_id", "raw_record", "is_blank", "reason", "f")


def parse_records(transform: DatasetTransform, records: DataFrame, ctx: ParseContext) -> DataFrame:
    """``transform.parse`` over a reader's records, keeping the reader's own bookkeeping columns."""
    parsed = transform.parse(records.select(*READER_COLUMNS), ctx)
    bookkeeping = [c for c in records.columns if c not in READER_COLUMNS]
    if not bookkeeping:
        return parsed
    return parsed.join(records.select("line_id", *bookkeeping), "line_id")


def load_transform(dataset: Dataset) -> DatasetTransform:
    """The dataset's transform: ``shoplake.datasets.<name>.transform.TRANSFORM``."""
    module = importlib.import_module(f"shoplake.datasets.{dataset.name}.transform")
    transform = module.TRANSFORM
    if not isinstance(transform, DatasetTransform) or transform.dataset is not dataset:
        raise TypeError(f"{module.__name__}.TRANSFORM is not the DatasetTransform of {dataset.name!r}")
    return transform
