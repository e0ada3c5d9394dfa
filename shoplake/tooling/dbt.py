"""The dbt files generated from the dataset contracts.

* ``dbt/models/staging/<source>/_<source>__sources.yml`` — one dbt source per contract
  ``dbt_source`` (``amazon``, ``shop``) and ``shoplake`` for the pipeline's own records: every
  published table with its columns, descriptions and the tests the contract implies (``required``
  → not_null, ``values`` → accepted_values, ``unique_key``), the records table's freshness (a
  warning after ``stale_after_hours`` without a new file, once the dataset has sent one), and in
  ``meta`` the dataset and the table's role;
* ``dbt/models/staging/shoplake/stg_shoplake__quarantined_records.sql`` — every dataset's
  quarantine table in one model (a union), so pipeline health covers each dataset without one
  line per dataset in the hand-written models;
* ``dbt/seeds/quarantine_reason_codes.csv`` — every reason code of every dataset with what it
  means: the reason list the pipeline-health marts and dashboards use.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import yaml

from shoplake.core.contracts import PIPELINE_RUNS, Column, Dataset, Table
from shoplake.datasets import DATASETS
from shoplake.project import REPO_ROOT

DBT_DIR = REPO_ROOT / "dbt"
RAW_SCHEMA = "raw"
PIPELINE_SOURCE = "shoplake"
QUARANTINED_RECORDS = DBT_DIR / "models" / "staging" / PIPELINE_SOURCE / "stg_shoplake__quarantined_records.sql"
REASON_CODES = DBT_DIR / "seeds" / "quarantine_reason_codes.csv"

_YAML_HEADER = """\
# GENERATED from the dataset contracts (shoplake/datasets/) by shoplake/tooling/dbt.py: do not edit;
# change a contract and run `.venv/bin/python -m shoplake.tooling.generate` (a test fails while this
# file and the contracts disagree). Locally these are DuckDB views raw.* over the committed Parquet,
# in the cloud Snowflake external tables RAW.*: the same names and columns; the database is the target's.
"""


def sources_file(source: str) -> Path:
    return DBT_DIR / "models" / "staging" / source / f"_{source}__sources.yml"


def _column(c: Column) -> dict[str, Any]:
    out: dict[str, Any] = {"name": c.name}
    if c.description:
        out["description"] = c.description
    tests: list[Any] = []
    if c.required:
        tests.append("not_null")
    if c.values:
        numeric = all(isinstance(v, int) for v in c.values)
        args: dict[str, Any] = {"values": list(c.values)}
        if numeric:
            args["quote"] = False
        tests.append({"accepted_values": {"arguments": args}})
    if tests:
        out["data_tests"] = tests
    return out


def _table(ds: Dataset | None, table: Table, role: str, stale_after_hours: int | None) -> dict[str, Any]:
    meta: dict[str, Any] = {"role": role}
    if ds is not None:
        meta = {"dataset": ds.name, **meta}
    config: dict[str, Any] = {"meta": meta}
    if stale_after_hours:
        # Warn only: staleness is reported, never an error that would stop other datasets' marts.
        # The newest row's time, or now for a table without rows: a dataset that never sent a
        # file has not started (dbt/macros/freshness.sql).
        column = "committed_at" if ds is None else "ingested_at"
        config["loaded_at_query"] = f"{{{{ last_loaded_at('{column}') }}}}"
        config["freshness"] = {"warn_after": {"count": stale_after_hours, "period": "hour"}}
    out: dict[str, Any] = {"name": table.name}
    if table.description:
        out["description"] = table.description
    out["config"] = config
    # What the flatten job guarantees (unique_key) is tested where the warehouse reads it.
    key = list(table.unique_key)
    if len(key) > 1:
        out["data_tests"] = [{"unique_combination_of_columns": {"arguments": {"combination_of_columns": key}}}]
    columns = list(table.columns)
    if table.partition_by:
        columns.append(Column(table.partition_by, table.partition_type, "partition value, from the file's path"))
    out["columns"] = [_column(c) for c in columns]
    if len(key) == 1:
        for column in out["columns"]:
            if column["name"] == key[0]:
                column["data_tests"] = [*column.get("data_tests", []), "unique"]
    return out


def sources_document(source: str) -> dict[str, Any]:
    """The dbt source ``source``: the tables of every dataset that names it."""
    if source == PIPELINE_SOURCE:
        tables = [_table(None, PIPELINE_RUNS, "pipeline_runs", 24)]
        description = "shoplake's pipeline records: one row per execution that published a file, of any dataset."
        return _document(source, description, tables)
    datasets = [ds for ds in DATASETS.values() if ds.dbt_source == source]
    tables = []
    for ds in datasets:
        for table in ds.published:
            role = "records" if table is ds.records_table else "derived"
            tables.append(_table(ds, table, role, ds.stale_after_hours if role == "records" else None))
        tables.append(_table(ds, ds.quarantine, "quarantine", None))
    description = " ".join(f"{ds.name}: {ds.description}" for ds in datasets)
    return _document(source, description, tables)


def _document(source: str, description: str, tables: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "version": 2,
        "sources": [{"name": source, "description": description, "schema": RAW_SCHEMA, "tables": tables}],
    }


def render_sources(source: str) -> str:
    return _YAML_HEADER + yaml.safe_dump(sources_document(source), sort_keys=False, width=120, allow_unicode=True)


def dbt_sources() -> list[str]:
    """Every dbt source the contracts name, in registry order, then the pipeline's own."""
    return [*dict.fromkeys(ds.dbt_source for ds in DATASETS.values()), PIPELINE_SOURCE]


def render_quarantined_records() -> str:
    """One model over every dataset's quarantine table."""
    ctes = []
    for ds in DATASETS.values():
        ctes.append(
            f"{ds.name} as (\n\n"
            f"    select\n"
            f"        '{ds.name}' as dataset,\n"
            "        run_id,\n"
            "        source_uri,\n"
            "        line_number as source_line_number,\n"
            "        reason as quarantine_reason,\n"
            "        raw_record\n"
            f"    from {{{{ source('{ds.dbt_source}', '{ds.quarantine.name}') }}}}\n\n"
            ")"
        )
    union = "\n    union all\n".join(f"    select * from {ds.name}" for ds in DATASETS.values())
    return (
        "{#- GENERATED from the dataset contracts by shoplake/tooling/dbt.py: do not edit; run\n"
        "    `.venv/bin/python -m shoplake.tooling.generate`. One row per quarantined record of the\n"
        "    current run of each file, of every dataset (each dataset's quarantine table). -#}\n\n"
        "with\n\n" + ",\n\n".join(ctes) + ",\n\nunioned as (\n\n" + union + "\n\n)\n\nselect * from unioned\n"
    )


def render_reason_codes() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["dataset", "reason", "description"])
    for ds in DATASETS.values():
        for reason, description in ds.reason_codes.items():
            writer.writerow([ds.name, reason, description])
    return out.getvalue()


def generated() -> dict[Path, Any]:
    files: dict[Path, Any] = {sources_file(s): (lambda s=s: render_sources(s)) for s in dbt_sources()}
    files[QUARANTINED_RECORDS] = render_quarantined_records
    files[REASON_CODES] = render_reason_codes
    return files
