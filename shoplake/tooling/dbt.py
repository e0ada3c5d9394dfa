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
  means: the reason list the pipeline-health marts and dashboards use;
* ``dbt/models/quality/`` — per dataset with a ``quality`` contract, its check history
  ``dq_checks__<dataset>`` (the generic checks of macros/data_quality.sql, appended per build)
  and its gate ``dq_gate__<dataset>`` (the latest checks; a ``fail`` is an error test, so the
  marts that depend on the gate wait), and ``dq_check_results``, every dataset's history in one.
"""

from __future__ import annotations

import copy
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
QUALITY_DIR = DBT_DIR / "models" / "quality"

_YAML_HEADER = """\
# GENERATED from the dataset contracts (shoplake/datasets/) by shoplake/tooling/dbt.py: do not edit;
# change a contract and run `.venv/bin/python -m shoplake.tooling.generate` (a test fails while this
# file and the contracts disagree). Locally these are DuckDB views raw.* over the committed Parquet,
# in the cloud Snowflake views RAW.* over external tables: the same names and columns; the database is
# the target's. Both read each source once, from its own files or a compacted segment.
"""


def sources_file(source: str) -> Path:
    return DBT_DIR / "models" / "staging" / source / f"_{source}__sources.yml"


def _column(c: Column, nulls_gated: bool = False) -> dict[str, Any]:
    """A source column. A required column gets a not_null test, unless the dataset's data-quality
    checks measure its nulls (``nulls_gated``): then their gate stops the marts and the history
    records it, where a failing source test would stop the checks too."""
    out: dict[str, Any] = {"name": c.name}
    if c.description:
        out["description"] = c.description
    tests: list[Any] = []
    if c.required and not nulls_gated:
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
    nulls_gated = ds is not None and ds.quality is not None and role == "records"
    out["columns"] = [_column(c, nulls_gated) for c in columns]
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


_SQL_HEADER = (
    "{{#- GENERATED from the dataset contracts by shoplake/tooling/dbt.py: do not edit; run\n"
    "    `.venv/bin/python -m shoplake.tooling.generate`. {what} -#}}\n\n"
)
# Append-only histories: a full refresh of the project must not erase them.
_HISTORY_CONFIG = """{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=false,
        tmp_relation_type=('transient' if target.name == 'fakesnow' else none),
    )
}}
"""


def _sql_literal(value: str) -> str:
    """A Jinja string literal (the macro receives the text; it is the contract's trusted SQL)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def quality_datasets() -> list[Dataset]:
    return [ds for ds in DATASETS.values() if ds.quality is not None]


def render_dq_checks(ds: Dataset) -> str:
    q = ds.quality
    assert q is not None
    table = ds.records_table
    required = [c.name for c in table.columns if c.required]
    args = [
        f"dataset={_sql_literal(ds.name)}",
        f"raw=source({_sql_literal(ds.dbt_source)}, {_sql_literal(table.name)})",
        f"mart=ref({_sql_literal(q.model)})",
        f"identity=[{', '.join(_sql_literal(c) for c in ds.identity)}]",
        f"required=[{', '.join(_sql_literal(c) for c in required)}]",
        f"stale_after_hours={ds.stale_after_hours if ds.stale_after_hours else 'none'}",
        f"measure={_sql_literal(q.measure)}",
        f"where={_sql_literal(q.where)}",
        f"mart_where={_sql_literal(q.mart_where)}",
        f"date_column={_sql_literal(q.date_column) if q.date_column else 'none'}",
        f"mart_ingested_at={_sql_literal(q.mart_ingested_at) if q.mart_ingested_at else 'none'}",
    ]
    what = f"The {ds.name} dataset's data-quality checks,\n    one batch appended per build (the history)."
    body = "{{ dq_dataset_checks(\n    " + ",\n    ".join(args) + ",\n) }}\n"
    return _SQL_HEADER.format(what=what) + _HISTORY_CONFIG + "\n" + body


def render_dq_gate(ds: Dataset) -> str:
    what = (
        f"The {ds.name} dataset's latest checks.\n    Its tests (_quality__models.yml) make a failing "
        "check an error: the marts that depend on\n    this gate keep their last good state."
    )
    return _SQL_HEADER.format(what=what) + (
        "{{ config(materialized='view', schema='staging') }}\n\n"
        + f"{{{{ dq_latest(ref('dq_checks__{ds.name}')) }}}}\n"
    )


def render_dq_check_results() -> str:
    what = "Every data-quality check result, of every dataset and build: the history in one place."
    parts = [f"    select * from {{{{ ref('dq_checks__{ds.name}') }}}}" for ds in quality_datasets()]
    parts.append("    select * from {{ ref('dq_checks__pipeline') }}")
    return (
        _SQL_HEADER.format(what=what)
        + "{{ config(materialized='view') }}\n\nwith\n\nunioned as (\n\n"
        + "\n    union all\n".join(parts)
        + "\n\n)\n\nselect * from unioned\n"
    )


def quality_document() -> dict[str, Any]:
    columns = [
        {
            "name": "checked_at",
            "description": "The build that ran the check (dbt's run start, UTC).",
            "data_tests": ["not_null"],
        },
        {"name": "dataset", "data_tests": ["not_null"]},
        {
            "name": "check_name",
            "description": "row_count, volume_anomaly, null_share.<column>, freshness, "
            "reconciliation, duplicate_share (macros/data_quality.sql says what each measures).",
            "data_tests": ["not_null"],
        },
        {
            "name": "date",
            "description": "The day checked (the record's day, or the arrival day for duplicate_share); "
            "null for whole-table checks.",
        },
        {"name": "observed", "description": "What the check measured."},
        {"name": "expected", "description": "What it was compared with (a median, a threshold, the raw side's sum)."},
        {
            "name": "status",
            "data_tests": ["not_null", {"accepted_values": {"arguments": {"values": ["pass", "warn", "fail"]}}}],
        },
        {"name": "message", "description": "The result for people."},
    ]
    models: list[dict[str, Any]] = []
    for ds in quality_datasets():
        models.append(
            {
                "name": f"dq_checks__{ds.name}",
                "description": f"The {ds.name} dataset's data-quality check results, one batch per build "
                "(append only).",
                "columns": copy.deepcopy(columns),
            }
        )
        models.append(
            {
                "name": f"dq_gate__{ds.name}",
                "description": f"The {ds.name} dataset's latest checks: a fail stops the marts built on it, "
                "a warning is reported.",
                "data_tests": [
                    {"dq_status_is_not": {"arguments": {"status": "fail"}}},
                    {"dq_status_is_not": {"arguments": {"status": "warn"}, "config": {"severity": "warn"}}},
                ],
            }
        )
    models.append(
        {
            "name": "dq_check_results",
            "description": "Every data-quality check result of every dataset and build (the history; the "
            "latest batch per dataset is its newest checked_at).",
            "columns": copy.deepcopy(columns),
        }
    )
    return {"version": 2, "models": models}


def render_quality_models() -> str:
    header = (
        "# GENERATED from the dataset contracts (shoplake/datasets/) by shoplake/tooling/dbt.py: do not edit;\n"
        "# change a contract and run `.venv/bin/python -m shoplake.tooling.generate` (a test fails while this\n"
        "# file and the contracts disagree).\n"
    )
    return header + yaml.safe_dump(quality_document(), sort_keys=False, width=120, allow_unicode=True)


def generated() -> dict[Path, Any]:
    files: dict[Path, Any] = {sources_file(s): (lambda s=s: render_sources(s)) for s in dbt_sources()}
    files[QUARANTINED_RECORDS] = render_quarantined_records
    files[REASON_CODES] = render_reason_codes
    for ds in quality_datasets():
        files[QUALITY_DIR / f"dq_checks__{ds.name}.sql"] = lambda ds=ds: render_dq_checks(ds)
        files[QUALITY_DIR / f"dq_gate__{ds.name}.sql"] = lambda ds=ds: render_dq_gate(ds)
    files[QUALITY_DIR / "dq_check_results.sql"] = render_dq_check_results
    files[QUALITY_DIR / "_quality__models.yml"] = render_quality_models
    return files
