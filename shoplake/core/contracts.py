"""The shape of a dataset contract: what a dataset accepts, how it is laid out, what it publishes.

The pipeline is generic over these. One name per thing across layers: the dataset ``reviews``
is the landing prefix, the contract, the Glue job argument, the processed tables' stem and the
dbt source's table. Types are written once here in a neutral notation (``string``, ``bigint``,
``int``, ``double``, ``boolean``, ``timestamp``, ``date``, ``decimal(12,2)``,
``map<string,string>``) and mapped to Spark, DuckDB and Snowflake where each needs them.

Everything per dataset that the rest of the platform needs (EventBridge prefixes, IAM
resources, external tables, DuckDB views, dbt sources, reason lists) is derived from these
objects; nothing restates them by hand. This module imports nothing heavy: Lambda functions
read contracts too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class RecordFormat(StrEnum):
    """How records are laid out in a file. The generic clean job reads each of them."""

    JSON_LINES = "jsonl"  # one JSON object per line
    JSON_ARRAY = "json_array"  # one top-level JSON array of objects
    CSV = "csv"  # RFC 4180 with a header row
    PARQUET = "parquet"  # Apache Parquet: one record per row (the change capture's batches)


# File name endings and the record formats each can hold. ``.json`` is either JSON Lines (the
# Amazon dumps) or a top-level array (catalogue exports): the clean job looks at the first
# character to tell them apart.
EXTENSIONS: dict[str, tuple[RecordFormat, ...]] = {
    ".json": (RecordFormat.JSON_LINES, RecordFormat.JSON_ARRAY),
    ".jsonl": (RecordFormat.JSON_LINES,),
    ".ndjson": (RecordFormat.JSON_LINES,),
    ".csv": (RecordFormat.CSV,),
    ".parquet": (RecordFormat.PARQUET,),
}
# Whole-file compressions of the text formats (Parquet compresses inside the file).
COMPRESSIONS = (".gz",)
BINARY_FORMATS = (RecordFormat.PARQUET,)

# Reasons the generic readers quarantine a record for, before a dataset's transform sees it.
READER_REASONS: dict[RecordFormat, dict[str, str]] = {
    RecordFormat.JSON_LINES: {"malformed_json": "the line is not a JSON object (nor a Python dict literal)"},
    RecordFormat.JSON_ARRAY: {"malformed_json": "the array element is not a JSON object"},
    RecordFormat.CSV: {"malformed_row": "the row has a different number of fields than the header"},
    # Parquet is typed and framed: a file that reads at all reads every row (an unreadable file is
    # rejected as a whole).
    RecordFormat.PARQUET: {},
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str = ""
    # Never null in a published row (the dbt source tests it).
    required: bool = False
    # The only values the column takes, when they are few (the dbt source tests it).
    values: tuple[str | int, ...] = ()


@dataclass(frozen=True)
class Table:
    """A published table: Parquet under ``<processed>/<name>/source=<id>/run=<run>/[<partition>=…/]``."""

    name: str
    columns: tuple[Column, ...]
    # Hive-style partition column derived from the data; it lives in the path, not in the files.
    partition_by: str | None = None
    partition_type: str = "int"
    description: str = ""
    # What one run's rows are unique on. The flatten job drops exact repeats of a row (counting
    # them) and refuses to publish a table whose key still repeats: a table never fails its own
    # uniqueness test because of what a file contained.
    unique_key: tuple[str, ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


@dataclass(frozen=True)
class Layout:
    """One way a dataset's records can be laid out in a file (a source system's export format).

    ``fields`` are the input fields (JSON keys, CSV header columns; CSV headers match them in any
    letter case and order). A CSV file's header picks its layout: the first layout whose
    ``required`` fields are all in the header. JSON records carry their own keys, so every layout's
    fields are read and the transform tells layouts apart record by record.
    """

    name: str
    fields: tuple[str, ...]
    required: tuple[str, ...] = ()
    formats: tuple[RecordFormat, ...] = tuple(RecordFormat)
    description: str = ""

    def __post_init__(self):
        unknown = set(self.required) - set(self.fields)
        if unknown:
            raise ValueError(f"layout {self.name}: required fields {sorted(unknown)} are not among its fields")


# The columns the generic jobs add to every published record, and the quarantine table's shape.
LINEAGE = ("source_uri", "line_number", "ingested_at", "run_id")
# Columns of the records between reader, transform and accounting (and every name starting with
# an underscore): a records table cannot name them.
RESERVED_COLUMNS = ("line_id", "raw_record", "is_blank", "reason", "f", "lines")


def lineage_columns() -> tuple[Column, ...]:
    return (
        Column("source_uri", "string", "the object the record came from", required=True),
        Column("line_number", "bigint", "physical line the record starts on in its source object", required=True),
        Column("ingested_at", "timestamp", "when the execution that published it started (UTC)", required=True),
        Column("run_id", "string", "the execution that published it", required=True),
    )


def quarantine_table(dataset: str, reasons: tuple[str, ...]) -> Table:
    return Table(
        name=f"{dataset}_quarantine",
        description="One row per quarantined record of the current run of each file, with its reason code.",
        unique_key=("run_id", "line_number"),
        columns=(
            Column("source_uri", "string", required=True),
            Column("line_number", "bigint", required=True),
            Column("reason", "string", required=True, values=reasons),
            Column("raw_record", "string", "the record as it arrived"),
            Column("run_id", "string", required=True),
        ),
    )


@dataclass(frozen=True)
class Quality:
    """What a dataset's data-quality checks need beyond its records table (the checks themselves
    are generic: dbt/macros/data_quality.sql; their models are generated, shoplake/tooling/dbt.py).

    The reconciliation compares ``sum(measure)`` over the records table (each identity's latest
    ingestion, filtered by ``where``) with the same sum over the dbt mart ``model`` (filtered by
    ``where`` and ``mart_where``): a mart that lost or doubled records fails it. ``measure`` and
    the filters are SQL over columns both sides have; ``"1"`` counts.
    """

    model: str
    measure: str = "1"
    where: str = ""
    mart_where: str = ""
    # The record's own day (a date or timestamp column): per-day row counts and volume anomalies.
    # None: the dataset has no such day (a catalogue snapshot), only the whole-table checks.
    date_column: str | None = None
    # The mart's ingestion time column: the raw side counts only what the mart can have seen
    # (a file published while the build ran is the next build's). None: the mart has none.
    mart_ingested_at: str | None = "ingested_at"


@dataclass(frozen=True)
class Dataset:
    """A dataset's contract. Its folder ``shoplake/datasets/<name>/`` holds this, its transform
    (``transform.py``) and its sample generator (``sample.py``)."""

    name: str
    description: str
    formats: tuple[RecordFormat, ...]
    layouts: tuple[Layout, ...]
    # What the transform publishes; the first table has one row per kept record (lineage and
    # all). The quarantine table is added: see ``tables``.
    published: tuple[Table, ...]
    # The columns that identify a record; a later record with the identity of an earlier valid
    # one in the same file is a duplicate (the first is kept).
    identity: tuple[str, ...]
    # Every reason the transform quarantines a record for, with what it means (the readers'
    # reasons for the dataset's formats are added: see ``reason_codes``).
    reasons: dict[str, str] = field(default_factory=dict)
    # The dbt source its tables belong to (dbt/models/staging/<source>/).
    dbt_source: str = "shop"
    # Hours without a new file before dbt's source freshness warns (None: not checked). Staleness
    # is reported (the transform DAG notifies), never an error: a dataset that has not sent a file
    # for a while, or never has, must not stop the other datasets' marts.
    stale_after_hours: int | None = 24
    # Its data-quality checks (None: none). dbt/models/quality/ has a history and a gate per dataset.
    quality: Quality | None = None
    # Where its files land in the raw bucket, when not ``<name>/`` (the change capture writes
    # ``cdc/<table>/``). Prefixes of two datasets never nest.
    landing_prefix: str | None = None

    def __post_init__(self):
        if not self.published:
            raise ValueError(f"{self.name}: a dataset publishes at least one table")
        main = self.published[0]
        missing = [c for c in LINEAGE if c not in main.column_names]
        if missing:
            raise ValueError(f"{self.name}: table {main.name} lacks the lineage columns {missing}")
        unknown = [c for c in self.identity if c not in main.column_names]
        if unknown:
            raise ValueError(f"{self.name}: identity columns {unknown} are not columns of {main.name}")
        # The generic jobs' own columns beside a transform's (shoplake.core.transform).
        taken = [c for c in main.column_names if c in RESERVED_COLUMNS or c.startswith("_")]
        if taken:
            raise ValueError(f"{self.name}: {main.name} may not name columns {taken}: the generic jobs use them")
        if (
            self.quality
            and self.quality.date_column
            and self.quality.date_column not in (*main.column_names, main.partition_by)
        ):
            raise ValueError(
                f"{self.name}: quality.date_column {self.quality.date_column} is not a column of {main.name}"
            )

    @property
    def prefix(self) -> str:
        """Landing prefix in the raw bucket (also the EventBridge rule's prefix filter)."""
        return self.landing_prefix or f"{self.name}/"

    @property
    def records_table(self) -> Table:
        """The table with one row per kept record."""
        return self.published[0]

    @property
    def reason_codes(self) -> dict[str, str]:
        """Every reason a record of this dataset can be quarantined for: readers' first, then the transform's."""
        out: dict[str, str] = {}
        for fmt in self.formats:
            out |= READER_REASONS[fmt]
        return out | self.reasons

    @property
    def quarantine(self) -> Table:
        return quarantine_table(self.name, tuple(self.reason_codes))

    @property
    def tables(self) -> tuple[Table, ...]:
        """Every table a run of this dataset publishes, the quarantine table last."""
        return (*self.published, self.quarantine)

    @property
    def extensions(self) -> tuple[str, ...]:
        return tuple(ext for ext, formats in EXTENSIONS.items() if set(formats) & set(self.formats))

    @property
    def compressions(self) -> tuple[str, ...]:
        """Whole-file compressions, for the dataset's text formats."""
        return COMPRESSIONS if set(self.formats) - set(BINARY_FORMATS) else ()

    @property
    def fields(self) -> tuple[str, ...]:
        """Every input field of every layout, in declaration order. Every reader hands a transform
        all of them (null where a record has none), so one transform serves every format. Layouts
        that name a field in different letter case share it, spelled as the first layout does (a
        CSV header matches names in any case, and Spark resolves names regardless of case)."""
        seen: dict[str, str] = {}
        for layout in self.layouts:
            for name in layout.fields:
                seen.setdefault(name.lower(), name)
        return tuple(seen.values())

    def layout(self, name: str) -> Layout:
        for layout in self.layouts:
            if layout.name == name:
                return layout
        raise KeyError(f"{self.name} has no layout {name!r}")

    def table(self, name: str) -> Table:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)

    def accepts(self, key: str) -> bool:
        return accepted_suffix(self, key) is not None

    def formats_for(self, key: str) -> tuple[RecordFormat, ...]:
        """The record formats an object of this dataset with this key can hold (by its suffix)."""
        suffix = accepted_suffix(self, key)
        if suffix is None:
            return ()
        ext = suffix.removesuffix(".gz")
        return tuple(f for f in EXTENSIONS[ext] if f in self.formats)


def accepted_suffix(dataset: Dataset, key: str) -> str | None:
    """The accepted suffix the key ends with (e.g. ``.jsonl.gz``), or None."""
    name = key.rsplit("/", 1)[-1].lower()
    for ext in dataset.extensions:
        binary = set(EXTENSIONS[ext]) <= set(BINARY_FORMATS)
        for comp in ("", *(() if binary else dataset.compressions)):
            if name.endswith(ext + comp) and len(name) > len(ext + comp):
                return ext + comp
    return None


_C = Column

# One row per execution that published a source (the run manifests under _manifests/<dataset>/runs/):
# the pipeline's own health record, for every dataset.
PIPELINE_RUNS = Table(
    name="pipeline_runs",
    description="One row per execution that published a source object, of any dataset.",
    unique_key=("run_id",),
    columns=(
        _C("dataset", "string", required=True),
        _C("source_uri", "string", required=True),
        _C("source_id", "string"),
        _C("run_id", "string", required=True),
        _C("pipeline_version", "string"),
        _C("committed_at", "timestamp", required=True),
        _C("records_read", "bigint", "records in the file (blank lines are not records)"),
        _C("processed", "bigint"),
        _C("quarantined", "bigint"),
        _C("duplicates", "bigint"),
        _C("quarantine_reasons", "map<string,bigint>", "records quarantined per reason code"),
        _C("clean_seconds", "double"),
        _C("flatten_seconds", "double"),
    ),
)
