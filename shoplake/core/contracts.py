"""The shape of a dataset contract: what a dataset accepts, how it is laid out, what it publishes.

The pipeline is generic over these. One name per thing across layers: the dataset ``reviews``
is the landing prefix, the contract, the Glue job argument, the processed tables' stem and the
dbt source. Types are written once here in a neutral notation (``string``, ``bigint``, ``int``,
``double``, ``boolean``, ``timestamp``, ``date``, ``map<string,string>``) and mapped to Spark,
DuckDB and Snowflake where each needs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str = ""


@dataclass(frozen=True)
class Table:
    """A published table: Parquet under ``<processed>/<name>/source=<id>/run=<run>/[<partition>=…/]``."""

    name: str
    columns: tuple[Column, ...]
    # Hive-style partition column derived from the data; it lives in the path, not in the files.
    partition_by: str | None = None
    partition_type: str = "int"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class Dataset:
    name: str
    # Landing prefix in the raw bucket (also the EventBridge rule's prefix filter).
    prefix: str
    extensions: tuple[str, ...]
    compressions: tuple[str, ...]
    tables: tuple[Table, ...]
    # The columns that identify a record; a second record with the same identity in a file is a duplicate.
    identity: tuple[str, ...]
    # Every reason a record can be quarantined for, with what it means.
    reason_codes: dict[str, str] = field(default_factory=dict)

    def table(self, name: str) -> Table:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)

    def accepts(self, key: str) -> bool:
        return accepted_suffix(self, key) is not None


def accepted_suffix(dataset: Dataset, key: str) -> str | None:
    """The accepted suffix the key ends with (e.g. ``.jsonl.gz``), or None."""
    name = key.rsplit("/", 1)[-1].lower()
    for ext in dataset.extensions:
        for comp in ("", *dataset.compressions):
            if name.endswith(ext + comp) and len(name) > len(ext + comp):
                return ext + comp
    return None


_C = Column

# One row per execution that published a source (the run manifests under _manifests/<dataset>/runs/):
# the pipeline's own health record, for every dataset.
PIPELINE_RUNS = Table(
    name="pipeline_runs",
    columns=(
        _C("dataset", "string"),
        _C("source_uri", "string"),
        _C("source_id", "string"),
        _C("run_id", "string"),
        _C("pipeline_version", "string"),
        _C("committed_at", "timestamp"),
        _C("lines_read", "bigint"),
        _C("processed", "bigint"),
        _C("quarantined", "bigint"),
        _C("duplicates", "bigint"),
        _C("quarantine_reasons", "map<string,bigint>", "records quarantined per reason code"),
        _C("clean_seconds", "double"),
        _C("flatten_seconds", "double"),
    ),
)
