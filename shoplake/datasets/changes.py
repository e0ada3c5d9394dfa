"""What the change-capture datasets share: one dataset per table of the operational database.

The extractor (:mod:`shoplake.core.postgres.cdc`) writes each table's change batches as Parquet
under ``cdc/<table>/date=…/``; the dataset ``cdc_<table>`` takes them through the same pipeline
as every landed file. Its records table has the source table's columns, typed as the source
declares them (:mod:`shoplake.core.postgres.tables`), and two more: ``change_op`` (``upsert``:
the row as of ``changed_at`` = its ``updated_at``; ``delete``: a tombstone with the key and the
deletion time) and ``changed_at``. A version is identified by (key, change_op, changed_at): a
batch delivered again is a duplicate of itself, never a second version.

Each ``shoplake/datasets/cdc_<table>/`` folder is these builders applied to its table: the
contract here (light: Lambda functions read contracts), the transform in ``changes_transform``,
the samples in ``changes_sample``.
"""

from __future__ import annotations

from shoplake.core.contracts import Column as _C
from shoplake.core.contracts import Dataset, Layout, Quality, RecordFormat, Table, lineage_columns
from shoplake.core.postgres.tables import CHANGE_COLUMNS, CHANGE_OPS, SOURCE_TABLES, SourceTable

PARTITION = "change_date"
DBT_SOURCE = "shop_db"
LAYOUT = "change_batch"
# Every column of the source is NOT NULL: an upsert without one is not a version of the row.
INCOMPLETE = "incomplete_upsert"


def dataset_name(table: str) -> str:
    return f"cdc_{table}"


def source_table(dataset: Dataset) -> SourceTable:
    """The operational table a change dataset captures (``cdc_<table>``)."""
    return SOURCE_TABLES[dataset.name.removeprefix("cdc_")]


def _type_reason(name: str, typ: str) -> str:
    what = {"bigint": "an integer", "int": "a 32-bit integer", "timestamp": "an ISO 8601 time with an offset",
            "decimal(12,2)": "a decimal with at most 10 digits before the point and 2 after"}[typ]  # fmt: skip
    return f"{name} is not {what}"


def typed_columns(source: SourceTable) -> list[tuple[str, str]]:
    """The source's columns that need more than text (checked per value)."""
    return [(name, typ) for name, typ in source.columns if typ != "string"]


def contract(table: str, *, stale_after_hours: int | None = 1) -> Dataset:
    """The dataset ``cdc_<table>``: the change batches of one operational table."""
    source = SOURCE_TABLES[table]
    name = dataset_name(table)
    fields = (*source.column_names, *(c for c, _ in CHANGE_COLUMNS))
    columns = [
        _C(c, typ, f"the source's {c}" + (" (the primary key)" if c == source.key else "; null in a tombstone"),
           required=c == source.key)
        for c, typ in source.columns
    ]  # fmt: skip
    columns += [
        _C("change_op", "string", "upsert: the row as of changed_at; delete: a tombstone", required=True,
           values=CHANGE_OPS),
        _C("changed_at", "timestamp", "upsert: the row's updated_at; delete: when it was deleted (UTC, µs)",
           required=True),
    ]  # fmt: skip
    reasons = {
        f"missing_{source.key}": f"{source.key} (the primary key) is missing",
        "invalid_change_op": f"change_op is none of {', '.join(CHANGE_OPS)}",
        "missing_changed_at": "changed_at is missing",
        "invalid_changed_at": "changed_at is not an ISO 8601 time with an offset (a time without a zone is refused)",
    }
    reasons |= {f"invalid_{c}": _type_reason(c, typ) for c, typ in typed_columns(source)}
    reasons[INCOMPLETE] = "an upsert with a column missing (every column of the source table is NOT NULL)"
    return Dataset(
        name=name,
        description=f"Changes captured from the operational database's {table}: {source.description}.",
        formats=(RecordFormat.PARQUET,),
        layouts=(
            Layout(
                LAYOUT,
                fields,
                required=(source.key, "change_op", "changed_at"),
                description="the change capture's batches (shoplake cdc extract)",
            ),
        ),  # fmt: skip
        identity=(source.key, "change_op", "changed_at"),
        dbt_source=DBT_SOURCE,
        stale_after_hours=stale_after_hours,
        landing_prefix=f"cdc/{table}/",
        quality=Quality(model=f"stg_{DBT_SOURCE}__{table}_changes", date_column=PARTITION),
        reasons=reasons,
        published=(
            Table(
                name=name,
                partition_by=PARTITION,
                partition_type="date",
                description=f"One row per captured version (or deletion) of a {table} row per publishing run; "
                "change_date (UTC) is the partition.",
                unique_key=(source.key, "change_op", "changed_at", "run_id"),
                columns=(*columns, *lineage_columns()),
            ),
        ),
    )
