"""The local warehouse: DuckDB views ``raw.<table>`` over the committed Parquet files.

A view lists its files explicitly, taken from the source manifests (the commit points), so
it is the local equivalent of an external table's file registration: re-creating the views
in one transaction switches readers from the old set of files to the new one at once. Where
compaction has merged many sources into a segment, the view reads the segment's files instead
of theirs (shoplake.core.compaction).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from shoplake.core import errors, layout
from shoplake.core.contracts import PIPELINE_RUNS, Dataset, Table
from shoplake.core.storage import ObjectStore
from shoplake.core.warehouse import access

DUCKDB_TYPES = {
    "decimal(12,2)": "DECIMAL(12,2)",
    "string": "VARCHAR",
    "bigint": "BIGINT",
    "int": "INTEGER",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
    "map<string,string>": "MAP(VARCHAR, VARCHAR)",
    "map<string,bigint>": "MAP(VARCHAR, BIGINT)",
}


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _column_expr(name: str, typ: str) -> str:
    col = quote_ident(name)
    if typ == "timestamp":
        # Spark writes UTC instants (TIMESTAMPTZ in DuckDB); expose them as naive UTC timestamps
        # whatever the reader's TimeZone setting is.
        return f"timezone('UTC', {col}::TIMESTAMPTZ) AS {col}"
    return f"CAST({col} AS {DUCKDB_TYPES[typ]}) AS {col}"


def _empty_view(target: str, columns: list[tuple[str, str]]) -> str:
    """A view with the columns' types and no rows (before any file is committed)."""
    nulls = ", ".join(f"CAST(NULL AS {DUCKDB_TYPES[typ]}) AS {quote_ident(name)}" for name, typ in columns)
    return f"CREATE OR REPLACE VIEW {target} AS SELECT {nulls} WHERE false"


def view_sql(schema: str, table: Table, files: list[str]) -> str:
    """``CREATE OR REPLACE VIEW`` for a table over an explicit list of Parquet files: the sources'
    own files (the partition value in the path) and segments' (shoplake.core.compaction: the
    partition value a column)."""
    cols = [_column_expr(c.name, c.type) for c in table.columns]
    if table.partition_by:
        part = quote_ident(table.partition_by)
        cols.append(f"CAST({part} AS {DUCKDB_TYPES[table.partition_type]}) AS {part}")
    target = f"{quote_ident(schema)}.{quote_ident(table.name)}"
    if not files:
        partition = [(table.partition_by, table.partition_type)] if table.partition_by else []
        return _empty_view(target, [(c.name, c.type) for c in table.columns] + partition)
    selects = []
    # Path segments stay text: a source id like "12345e67…" must not be read as a number.
    for kind, options in (
        ("sources", "hive_partitioning = true, hive_types_autocast = false, union_by_name = true"),
        ("segments", "hive_partitioning = false, union_by_name = true"),
    ):
        picked = [f for f in files if layout.is_segment_file(f) == (kind == "segments")]
        if picked:
            file_list = "[" + ", ".join(quote_literal(f) for f in picked) + "]"
            selects.append(f"SELECT {', '.join(cols)} FROM read_parquet({file_list}, {options})")
    return f"CREATE OR REPLACE VIEW {target} AS " + " UNION ALL ".join(selects)


def runs_view_sql(schema: str, files: list[str]) -> str:
    """``<schema>.pipeline_runs`` over the run manifests (JSON), one row per publishing execution."""
    target = f"{quote_ident(schema)}.{quote_ident(PIPELINE_RUNS.name)}"
    if not files:
        return _empty_view(target, [(c.name, c.type) for c in PIPELINE_RUNS.columns])
    file_list = "[" + ", ".join(quote_literal(f) for f in files) + "]"
    json_columns = {
        "dataset": "VARCHAR",
        "source_uri": "VARCHAR",
        "source_id": "VARCHAR",
        "run_id": "VARCHAR",
        "pipeline_version": "VARCHAR",
        "committed_at": "TIMESTAMPTZ",
        "counts": "STRUCT(records_read BIGINT, processed BIGINT, quarantined BIGINT, duplicates BIGINT)",
        "quarantine_reasons": "MAP(VARCHAR, BIGINT)",
        "timings": "STRUCT(clean_seconds DOUBLE, flatten_seconds DOUBLE)",
    }
    columns = "{" + ", ".join(f"{quote_literal(k)}: {quote_literal(v)}" for k, v in json_columns.items()) + "}"
    return (
        f"CREATE OR REPLACE VIEW {target} AS SELECT dataset, source_uri, source_id, run_id, pipeline_version, "
        "timezone('UTC', committed_at) AS committed_at, counts.records_read AS records_read, "
        "counts.processed AS processed, counts.quarantined AS quarantined, counts.duplicates AS duplicates, "
        "quarantine_reasons, timings.clean_seconds AS clean_seconds, timings.flatten_seconds AS flatten_seconds "
        f"FROM read_json({file_list}, format = 'auto', columns = {columns})"
    )


class DuckDBWarehouse:
    def __init__(self, path: str | Path, store: ObjectStore, schema: str = "raw"):
        self.path = str(path)
        self.store = store
        self.schema = schema

    def committed_files(self, dataset: Dataset, processed_root: str) -> dict[str, list[str]]:
        """Every table's files to read, as local paths: the live segments' (shoplake.core.compaction),
        then each other source's own committed files (from its source manifest, the commit point)."""
        from shoplake.core import compaction

        state = compaction.lake_state(self.store, processed_root, dataset.name)
        files = compaction.current_files(self.store, dataset, state)
        return {table: [self.store.spark_path(f) for f in table_files] for table, table_files in files.items()}

    def rebuild_views(self, dataset: Dataset, processed_root: str) -> None:
        """Re-create the dataset's views over its committed files, and ``pipeline_runs``; create
        the views of every other registered dataset that has none yet (empty until it publishes),
        so that raw.* always has every contract's tables, as Snowflake's external tables do."""
        from shoplake.datasets import DATASETS

        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(self.path) as con:
            con.execute("BEGIN")
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(self.schema)}")
            existing = {
                name
                for (name,) in con.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = ?", [self.schema]
                ).fetchall()
            }
            for other in DATASETS.values():
                if other is not dataset and all(t.name in existing for t in other.tables):
                    continue
                files = self.committed_files(other, processed_root)
                for table in other.tables:
                    con.execute(view_sql(self.schema, table, sorted(files[table.name])))
            con.execute(runs_view_sql(self.schema, self.run_manifests(processed_root)))
            con.execute("COMMIT")

    def compact(self, dataset: Dataset, processed_root: str, *, policy=None, force: bool = False) -> dict[str, Any]:
        """Compact the dataset's small sources if due (shoplake.core.compaction), switching the
        views to the new file set before retired segments' files go. Rows are unchanged, so the
        marts need no transform. Holds the writer lock, like a refresh."""
        from shoplake.core import compaction

        with access.writing(Path(self.path)):
            return compaction.compact(
                self.store,
                processed_root,
                dataset,
                policy=policy or compaction.Policy(),
                force=force,
                after_commit=lambda _segment: self.rebuild_views(dataset, processed_root),
            )

    def run_manifests(self, processed_root: str) -> list[str]:
        """Local paths of every dataset's run manifests."""
        from shoplake.datasets import DATASETS

        out = []
        for name in DATASETS:
            prefix = layout.run_manifests_prefix(processed_root, name)
            out.extend(self.store.spark_path(u) for u in self.store.list(prefix) if u.endswith(".json"))
        return sorted(out)

    def refresh(self, dataset: Dataset, processed_root: str, manifest: dict[str, Any]) -> dict[str, Any]:
        """Re-create the views, then check the source's rows are visible in each table. Holds the
        warehouse's writer lock (shoplake.core.warehouse.access): another process's transform or
        refresh runs before or after, never at the same time."""
        with access.writing(Path(self.path)):
            return self._refresh(dataset, processed_root, manifest)

    def _refresh(self, dataset: Dataset, processed_root: str, manifest: dict[str, Any]) -> dict[str, Any]:
        self.rebuild_views(dataset, processed_root)
        result = {}
        with duckdb.connect(self.path, read_only=True) as con:
            for table in dataset.tables:
                target = f"{quote_ident(self.schema)}.{quote_ident(table.name)}"
                visible = con.execute(
                    f"SELECT count(*) FROM {target} WHERE source_uri = ? AND run_id = ?",
                    [manifest["source_uri"], manifest["run_id"]],
                ).fetchone()[0]
                expected = manifest["row_counts"][table.name]
                if visible != expected:
                    raise errors.WarehouseRefreshError(
                        f"{self.schema}.{table.name} shows {visible} rows of run {manifest['run_id']}, "
                        f"the manifest committed {expected}"
                    )
                result[table.name] = {"files": len(manifest["tables"][table.name]), "rows": visible}
        return result
