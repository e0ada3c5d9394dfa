"""Snowflake: refresh the external tables over the processed bucket and verify the registration.

``ALTER EXTERNAL TABLE … REFRESH '<path>'`` synchronises the table's file metadata with the
stage under that path: it registers the run's new files and drops the previous run's deleted
ones in one operation. The refresh is not trusted blindly: afterwards the registered files
under the source's path must be exactly the files the manifest committed.

dbt reads views, not the external tables: ``RAW.<TABLE>`` reads each source from exactly one
place, its own files (``<TABLE>__SOURCES``) or the live segment that holds it
(``<TABLE>__SEGMENTS``, shoplake.core.compaction). Each refresh and each compaction re-creates
the views from the lake's state, with the ids as bound literals on the partition columns, so
Snowflake prunes to the files the view names.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from shoplake.core import compaction, errors, layout
from shoplake.core.contracts import PIPELINE_RUNS, Dataset, Table
from shoplake.core.storage import ObjectStore, S3Uri

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,254}$")
_SOURCE_ID = re.compile(r"^[0-9a-f]{16}$")
_SEGMENT_ID = re.compile(r"^[0-9]{8}T[0-9]{12}Z-[0-9a-f]{8}$")


def quote_ident(name: str) -> str:
    """Double-quote a Snowflake identifier after checking it is a plain name (never spliced raw)."""
    if not _IDENT.match(name):
        raise errors.ConfigurationError(f"not a valid Snowflake identifier: {name!r}")
    return f'"{name.upper()}"'


def qualified(*parts: str) -> str:
    return ".".join(quote_ident(p) for p in parts)


def sources_table(table: str) -> str:
    """The external table over a table's per-source files."""
    return table.upper() + "__SOURCES"


def segments_table(table: str) -> str:
    """The external table over a table's segment files."""
    return table.upper() + "__SEGMENTS"


def view_columns(table: Table) -> list[str]:
    """The columns of the view ``RAW.<TABLE>`` (the contract's, then the partition column)."""
    return [c.name for c in table.columns] + ([table.partition_by] if table.partition_by else [])


def _checked(ids: list[str], pattern: re.Pattern, what: str) -> list[str]:
    bad = [i for i in ids if not pattern.match(i)]
    if bad:
        raise errors.ConfigurationError(f"not a {what}: {bad[:3]!r}")
    return ids


class SnowflakeWarehouse:
    def __init__(self, connect: Callable[[], Any], database: str, schema: str, store: ObjectStore | None = None):
        self._connect = connect
        self.database = database
        self.schema = schema
        self.store = store

    @classmethod
    def from_settings(cls, settings, store: ObjectStore | None = None) -> SnowflakeWarehouse:
        def connect():
            return connect_from_secret(settings.snowflake_secret_name, settings.snowflake_database)

        return cls(connect, settings.snowflake_database, settings.snowflake_schema, store)

    def refresh_statements(self, dataset: Dataset, processed_root: str, manifest: dict[str, Any]):
        """(sql, params) pairs: one refresh per table, path relative to the stage (the bucket root)."""
        out = []
        for table in dataset.tables:
            path = S3Uri.parse(layout.source_prefix(processed_root, table.name, manifest["source_id"])).key
            target = qualified(self.database, self.schema, sources_table(table.name))
            out.append((f"ALTER EXTERNAL TABLE {target} REFRESH %s", (path,)))
        return out

    def registered_files_statement(self, table: str, path: str):
        """``table``: the external table's name (``REVIEWS__SOURCES``, ``PIPELINE_RUNS``, …)."""
        sql = (
            "SELECT file_name FROM TABLE("
            f"{quote_ident(self.database)}.INFORMATION_SCHEMA.EXTERNAL_TABLE_FILES(TABLE_NAME => %s)) "
            "WHERE STARTSWITH(file_name, %s)"
        )
        return sql, (f"{self.database}.{self.schema}.{table}".upper(), path)

    def view_statement(self, table: Table, state: compaction.LakeState):
        """(sql, params): ``CREATE OR REPLACE VIEW RAW.<TABLE>`` reading the sources no live
        segment holds from their own files, and the live segments; every id bound, and checked."""
        cols = ", ".join(quote_ident(c) for c in view_columns(table))
        sources = qualified(self.database, self.schema, sources_table(table.name))
        segments = _checked([seg["segment_id"] for seg in state.live], _SEGMENT_ID, "segment id")
        selects, params = [], []
        if not segments:
            selects.append(f"SELECT {cols} FROM {sources}")
        else:
            uncovered = _checked(state.uncovered(), _SOURCE_ID, "source id")
            if uncovered:
                selects.append(
                    f"SELECT {cols} FROM {sources} WHERE SOURCE_ID IN ({', '.join(['%s'] * len(uncovered))})"
                )
                params.extend(uncovered)
            target = qualified(self.database, self.schema, segments_table(table.name))
            selects.append(f"SELECT {cols} FROM {target} WHERE SEGMENT_ID IN ({', '.join(['%s'] * len(segments))})")
            params.extend(segments)
        view = qualified(self.database, self.schema, table.name)
        return f"CREATE OR REPLACE VIEW {view} COPY GRANTS AS {' UNION ALL '.join(selects)}", tuple(params)

    def _check_registered(self, cur, external_table: str, path: str, expected: set[str], what: str) -> int:
        sql, params = self.registered_files_statement(external_table, path)
        cur.execute(sql, params)
        registered = {row[0] for row in cur.fetchall()}
        missing, stale = expected - registered, registered - expected
        if missing or stale:
            raise errors.WarehouseRefreshError(
                f"{what}: after REFRESH {path!r}, {len(missing)} committed files are not "
                f"registered and {len(stale)} registered files are not committed "
                f"(e.g. {sorted(missing or stale)[:3]})"
            )
        return len(registered)

    def _replace_views(self, cur, dataset: Dataset, processed_root: str) -> None:
        if self.store is None:
            raise errors.ConfigurationError("the Snowflake warehouse needs the object store to re-create its views")
        state = compaction.lake_state(self.store, processed_root, dataset.name)
        for table in dataset.tables:
            cur.execute(*self.view_statement(table, state))

    def refresh(self, dataset: Dataset, processed_root: str, manifest: dict[str, Any]) -> dict[str, Any]:
        result = {}
        conn = self._connect()
        try:
            cur = conn.cursor()
            for (sql, params), table in zip(
                self.refresh_statements(dataset, processed_root, manifest), dataset.tables, strict=True
            ):
                cur.execute(sql, params)
                expected = {S3Uri.parse(f).key for f in manifest["tables"][table.name]}
                files = self._check_registered(cur, sources_table(table.name), params[0], expected, table.name)
                result[table.name] = {"files": files, "rows": manifest["row_counts"][table.name]}
            # The run manifest feeds RAW.PIPELINE_RUNS (pipeline health); it must be registered too.
            runs_path = S3Uri.parse(layout.run_manifests_prefix(processed_root, dataset.name)).key
            run_key = S3Uri.parse(layout.run_manifest_uri(processed_root, dataset.name, manifest["run_id"])).key
            cur.execute(
                f"ALTER EXTERNAL TABLE {qualified(self.database, self.schema, PIPELINE_RUNS.name)} REFRESH %s",
                (runs_path,),
            )
            check_sql, check_params = self.registered_files_statement(PIPELINE_RUNS.name, run_key)
            cur.execute(check_sql, check_params)
            if [row[0] for row in cur.fetchall()] != [run_key]:
                raise errors.WarehouseRefreshError(f"{PIPELINE_RUNS.name}: {run_key!r} is not registered after REFRESH")
            # A re-delivered source may have made a segment stale: the views follow the lake's state.
            self._replace_views(cur, dataset, processed_root)
        finally:
            conn.close()
        return result

    def segment_statements(self, dataset: Dataset, processed_root: str, segment: dict[str, Any]):
        """(table, sql, params): one REFRESH of the segment's path per table of the segments' external tables."""
        out = []
        for table in dataset.tables:
            path = S3Uri.parse(layout.segment_prefix(processed_root, table.name, segment["segment_id"])).key
            target = qualified(self.database, self.schema, segments_table(table.name))
            out.append((table, f"ALTER EXTERNAL TABLE {target} REFRESH %s", (path,)))
        return out

    def register_segment(self, dataset: Dataset, processed_root: str, segment: dict[str, Any]) -> None:
        """Before a compaction commits ``segment``: register its files, and check they are."""
        conn = self._connect()
        try:
            cur = conn.cursor()
            for table, sql, params in self.segment_statements(dataset, processed_root, segment):
                cur.execute(sql, params)
                expected = {S3Uri.parse(f).key for f in segment["tables"].get(table.name, [])}
                self._check_registered(cur, segments_table(table.name), params[0], expected, table.name)
        finally:
            conn.close()

    def replace_views(self, dataset: Dataset, processed_root: str) -> None:
        """Re-create the dataset's views from the lake's state (after a compaction committed or
        retired segments)."""
        conn = self._connect()
        try:
            self._replace_views(conn.cursor(), dataset, processed_root)
        finally:
            conn.close()

    def forget_segments(self, dataset: Dataset, processed_root: str, segments: list[dict[str, Any]]) -> None:
        """Once retired segments' files are deleted: REFRESH their paths, dropping their registrations."""
        conn = self._connect()
        try:
            cur = conn.cursor()
            for segment in segments:
                for _table, sql, params in self.segment_statements(dataset, processed_root, segment):
                    cur.execute(sql, params)
        finally:
            conn.close()


def connect_from_secret(secret_name: str, database: str):
    """A Snowflake connection from a Secrets Manager JSON secret (account, user, password or private_key, ...)."""
    import snowflake.connector
    from aws_lambda_powertools.utilities import parameters

    secret = parameters.get_secret(secret_name, transform="json", max_age=300)
    kwargs = {
        "account": secret["account"],
        "user": secret["user"],
        "role": secret.get("role"),
        "warehouse": secret.get("warehouse"),
        "database": database,
        "application": "shoplake",
    }
    if secret.get("private_key"):
        from cryptography.hazmat.primitives import serialization

        key = serialization.load_pem_private_key(
            secret["private_key"].encode(),
            password=secret["private_key_passphrase"].encode() if secret.get("private_key_passphrase") else None,
        )
        kwargs["private_key"] = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    else:
        kwargs["password"] = secret["password"]
    return snowflake.connector.connect(**{k: v for k, v in kwargs.items() if v is not None})
