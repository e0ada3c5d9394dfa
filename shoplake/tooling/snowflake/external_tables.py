"""``snowflake/R__external_tables.sql``, generated from the dataset contracts.

Per published table of every registered dataset (quarantine tables included): an external
table over the sources' own files (``<TABLE>__SOURCES``), one over compaction's segments
(``<TABLE>__SEGMENTS``, shoplake.core.compaction), and the view ``<TABLE>`` dbt reads, which the
refresh function re-creates to read each source from exactly one place (its own files, or the
live segment holding it); ``PIPELINE_RUNS`` over the run manifests. Columns are typed as the
contracts say.
The script is repeatable: ``CREATE OR REPLACE EXTERNAL TABLE`` holds no data, only file
registrations, which ``REFRESH_ON_CREATE`` rebuilds, so a contract change or a new dataset is a
regenerated script that ``shoplake snowflake apply`` runs again. (V4 created the reviews tables
before the contracts generated this script; this script supersedes its definitions.)

The output is a template like the other scripts: stage values stay ``{{ … }}`` placeholders.
"""

from __future__ import annotations

from shoplake.core import layout
from shoplake.core.contracts import PIPELINE_RUNS, Table
from shoplake.core.warehouse.snowflake import segments_table, sources_table, view_columns
from shoplake.datasets import DATASETS
from shoplake.project import REPO_ROOT

OUTPUT = REPO_ROOT / "snowflake" / "R__external_tables.sql"

# The contract's neutral types as Snowflake column types. Timestamps are UTC wall-clock times
# without a zone, like the DuckDB views; maps are OBJECTs (keyed access `style:color` on
# Snowflake, `style['color']` on DuckDB); money is an exact NUMBER.
SNOWFLAKE_TYPES = {
    "string": "VARCHAR",
    "bigint": "BIGINT",
    "int": "INT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP_NTZ",
    "date": "DATE",
    "decimal(12,2)": "NUMBER(12,2)",
    "map<string,string>": "OBJECT",
    "map<string,bigint>": "OBJECT",
}

# A partition value in a path segment `<column>=<value>/`, by the partition column's type: what
# it looks like, and how it becomes the column.
PARTITION_VALUES = {
    "int": ("[0-9]{4}", "TO_NUMBER({})"),
    "date": ("[0-9]{4}-[0-9]{2}-[0-9]{2}", "TO_DATE({})"),
    "string": ("[0-9A-Za-z_-]+", "{}"),
}

# Where each pipeline_runs column sits in a run manifest (written by the flatten job).
RUN_MANIFEST_PATHS = {
    "records_read": "counts.records_read",
    "processed": "counts.processed",
    "quarantined": "counts.quarantined",
    "duplicates": "counts.duplicates",
    "clean_seconds": "timings.clean_seconds",
    "flatten_seconds": "timings.flatten_seconds",
}

HEADER = """\
-- GENERATED from the dataset contracts (shoplake/datasets/) by shoplake/tooling/snowflake/external_tables.py:
-- do not edit; change a contract and run `.venv/bin/python -m shoplake.tooling.generate` (a test fails
-- while this file and the contracts disagree).
--
-- External tables over the processed bucket, for each published table of every dataset (each
-- quarantine table included): <TABLE>__SOURCES over the sources' own files, <TABLE>__SEGMENTS
-- over compaction's segments (many small sources merged into one file, shoplake.core.compaction),
-- and the view <TABLE> that dbt reads: the refresh function re-creates it so that each source is
-- read from one place, its own files or the live segment holding it. PIPELINE_RUNS over the run
-- manifests. Columns follow the
-- contracts name for name: string VARCHAR, bigint BIGINT, int INT, double DOUBLE, boolean
-- BOOLEAN, timestamp TIMESTAMP_NTZ (UTC wall-clock time, as in DuckDB), date DATE,
-- decimal(12,2) NUMBER(12,2), map<string,…> OBJECT.
--
-- Every table reads from the stage root and picks its files with PATTERN (anchored on its own
-- prefix, `.parquet` only: no _SUCCESS markers, no scratch files), so file names are object keys
-- (see V3). A partition column comes from its `<column>=<value>` path segment (in a segment, from
-- the file: a segment holds many partition values).
--
-- AUTO_REFRESH: Snowflake registers files as S3 notifies it (stage param
-- snowflakeS3NotificationChannel, snowflake/README.md). The refresh function does not depend on
-- it: it refreshes each published source and checks what got registered.
--
-- Repeatable: OR REPLACE keeps it re-runnable (an external table holds no data, only file
-- registrations, which REFRESH_ON_CREATE rebuilds), and it runs again whenever it changes. It
-- supersedes V4's definitions of the reviews tables (V6 dropped the external tables earlier
-- versions named <TABLE>, so the views could take the names). Grants: R__grants.sql.
USE ROLE {{ objects_admin_role }};
"""


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _location() -> str:
    return "LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/"


def _external_table(name: str, columns: list[str], partition: list[str], pattern: str, comment: str) -> str:
    return (
        f"CREATE OR REPLACE EXTERNAL TABLE {{{{ database }}}}.{{{{ raw_schema }}}}.{name} (\n"
        + ",\n".join(columns)
        + "\n)\n"
        + (f"PARTITION BY ({', '.join(partition)})\n" if partition else "")
        + f"{_location()}\n"
        f"PATTERN = '{pattern}'\n"
        "FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')\n"
        "AUTO_REFRESH = TRUE\n"
        "REFRESH_ON_CREATE = TRUE\n"
        f"COMMENT = {_literal(comment)};\n"
    )


def _value_columns(table: Table) -> list[str]:
    return [
        f"  {c.name} {SNOWFLAKE_TYPES[c.type]} AS (VALUE:{c.name}::{SNOWFLAKE_TYPES[c.type]})" for c in table.columns
    ]


def table_ddl(table: Table) -> str:
    """``CREATE OR REPLACE EXTERNAL TABLE`` over one published (Parquet) table's per-source files."""
    columns = _value_columns(table)
    pattern_parts = [table.name, "source=[^/]+", "run=[^/]+"]
    partition = []
    if table.partition_by:
        value, cast = PARTITION_VALUES[table.partition_type]
        extract = f"REGEXP_SUBSTR(METADATA$FILENAME, '/{table.partition_by}=({value})/', 1, 1, 'e', 1)"
        columns.append(f"  {table.partition_by} {SNOWFLAKE_TYPES[table.partition_type]} AS ({cast.format(extract)})")
        pattern_parts.append(f"{table.partition_by}={value}")
        partition.append(table.partition_by)
    # which source a file belongs to: the view reads only the sources no live segment holds
    columns.append("  source_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '/source=([^/]+)/', 1, 1, 'e', 1))")
    partition.append("source_id")
    pattern = "/".join([*pattern_parts, "[^/]+[.]parquet"])
    comment = "shoplake: " + (table.description or table.name) + " (each source's own files)"
    return _external_table(sources_table(table.name), columns, partition, pattern, comment)


def segments_ddl(table: Table) -> str:
    """``CREATE OR REPLACE EXTERNAL TABLE`` over a table's segments: one file per table and
    segment, the partition value a (text) column of the file."""
    columns = _value_columns(table)
    if table.partition_by:
        _value, cast = PARTITION_VALUES[table.partition_type]
        typ = SNOWFLAKE_TYPES[table.partition_type]
        columns.append(f"  {table.partition_by} {typ} AS ({cast.format(f'VALUE:{table.partition_by}::VARCHAR')})")
    segments = layout.segment_prefix("s3://b", table.name, "ID").removeprefix("s3://b/").replace("ID/", "")
    columns.append(f"  segment_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '^{segments}([^/]+)/', 1, 1, 'e', 1))")
    comment = "shoplake: " + (table.description or table.name) + " (compacted segments)"
    return _external_table(
        segments_table(table.name), columns, ["segment_id"], f"{segments}[^/]+/[^/]+[.]parquet", comment
    )


def initial_view_ddl(table: Table) -> str:
    """The view over every source's own files: right before any segment exists, and always
    correct (segments only copy those files); the refresh function narrows it."""
    cols = ", ".join(view_columns(table))
    return (
        f"CREATE OR REPLACE VIEW {{{{ database }}}}.{{{{ raw_schema }}}}.{table.name.upper()} COPY GRANTS\n"
        f"  COMMENT = {_literal('shoplake: ' + (table.description or table.name))}\n"
        f"  AS SELECT {cols} FROM {{{{ database }}}}.{{{{ raw_schema }}}}.{sources_table(table.name)};\n"
    )


def pipeline_runs_ddl() -> str:
    """``PIPELINE_RUNS`` over the run manifests (JSON) of every dataset."""
    columns = []
    for c in PIPELINE_RUNS.columns:
        typ = SNOWFLAKE_TYPES[c.type]
        if c.name == "committed_at":
            # an ISO-8601 string with an offset (…Z), normalised to UTC
            expr = "CONVERT_TIMEZONE('UTC', VALUE:committed_at::TIMESTAMP_TZ)::TIMESTAMP_NTZ"
        else:
            expr = f"VALUE:{RUN_MANIFEST_PATHS.get(c.name, c.name)}::{typ}"
        columns.append(f"  {c.name} {typ} AS ({expr})")
    runs = layout.run_manifests_prefix("s3://b", "DATASET").removeprefix("s3://b/").replace("DATASET", "[a-z0-9_]+")
    return (
        "-- One row per execution that published a source, for every dataset: the pipeline's own health record.\n"
        "CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.PIPELINE_RUNS (\n"
        + ",\n".join(columns)
        + "\n)\n"
        + f"{_location()}\n"
        f"PATTERN = '{runs}[^/]+[.]json'\n"
        "FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.JSON_FORMAT')\n"
        "AUTO_REFRESH = TRUE\n"
        "REFRESH_ON_CREATE = TRUE\n"
        f"COMMENT = {_literal('shoplake: ' + PIPELINE_RUNS.description)};\n"
    )


def tables() -> list[Table]:
    """Every published table of every registered dataset, in registry order."""
    return [t for ds in DATASETS.values() for t in ds.tables]


def render() -> str:
    parts = [HEADER]
    for ds in DATASETS.values():
        parts.append(f"-- ─── {ds.name}: {ds.description}")
        for t in ds.tables:
            parts.extend([table_ddl(t), segments_ddl(t), initial_view_ddl(t)])
    parts.append(pipeline_runs_ddl())
    owned = [
        *(name for t in tables() for name in (sources_table(t.name), segments_table(t.name))),
        PIPELINE_RUNS.name.upper(),
    ]
    parts.append(
        "-- The loader role owns the tables and the views: only the owner may ALTER EXTERNAL TABLE … REFRESH,\n"
        "-- and the refresh function re-creates the views as sources land and segments are compacted.\n"
        + "".join(
            f"GRANT OWNERSHIP ON EXTERNAL TABLE {{{{ database }}}}.{{{{ raw_schema }}}}.{name} "
            "TO ROLE {{ loader_role }} COPY CURRENT GRANTS;\n"
            for name in owned
        )
        + "".join(
            f"GRANT OWNERSHIP ON VIEW {{{{ database }}}}.{{{{ raw_schema }}}}.{t.name.upper()} "
            "TO ROLE {{ loader_role }} COPY CURRENT GRANTS;\n"
            for t in tables()
        )
    )
    return "\n".join(parts)
