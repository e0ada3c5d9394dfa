"""Snowflake: refresh the external tables over the processed bucket and verify the registration.

``ALTER EXTERNAL TABLE … REFRESH '<path>'`` synchronises the table's file metadata with the
stage under that path: it registers the run's new files and drops the previous run's deleted
ones in one operation. The refresh is not trusted blindly: afterwards the registered files
under the source's path must be exactly the files the manifest committed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from shoplake.core import errors, layout
from shoplake.core.contracts import PIPELINE_RUNS, Dataset
from shoplake.core.storage import S3Uri

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,254}$")


def quote_ident(name: str) -> str:
    """Double-quote a Snowflake identifier after checking it is a plain name (never spliced raw)."""
    if not _IDENT.match(name):
        raise errors.ConfigurationError(f"not a valid Snowflake identifier: {name!r}")
    return f'"{name.upper()}"'


def qualified(*parts: str) -> str:
    return ".".join(quote_ident(p) for p in parts)


class SnowflakeWarehouse:
    def __init__(self, connect: Callable[[], Any], database: str, schema: str):
        self._connect = connect
        self.database = database
        self.schema = schema

    @classmethod
    def from_settings(cls, settings) -> SnowflakeWarehouse:
        def connect():
            return connect_from_secret(settings.snowflake_secret_name, settings.snowflake_database)

        return cls(connect, settings.snowflake_database, settings.snowflake_schema)

    def refresh_statements(self, dataset: Dataset, processed_root: str, manifest: dict[str, Any]):
        """(sql, params) pairs: one refresh per table, path relative to the stage (the bucket root)."""
        out = []
        for table in dataset.tables:
            path = S3Uri.parse(layout.source_prefix(processed_root, table.name, manifest["source_id"])).key
            out.append(
                (f"ALTER EXTERNAL TABLE {qualified(self.database, self.schema, table.name)} REFRESH %s", (path,))
            )
        return out

    def registered_files_statement(self, table: str, path: str):
        sql = (
            "SELECT file_name FROM TABLE("
            f"{quote_ident(self.database)}.INFORMATION_SCHEMA.EXTERNAL_TABLE_FILES(TABLE_NAME => %s)) "
            "WHERE STARTSWITH(file_name, %s)"
        )
        return sql, (f"{self.database}.{self.schema}.{table}".upper(), path)

    def refresh(self, dataset: Dataset, processed_root: str, manifest: dict[str, Any]) -> dict[str, Any]:
        result = {}
        conn = self._connect()
        try:
            cur = conn.cursor()
            for (sql, params), table in zip(
                self.refresh_statements(dataset, processed_root, manifest), dataset.tables, strict=True
            ):
                cur.execute(sql, params)
                path = params[0]
                check_sql, check_params = self.registered_files_statement(table.name, path)
                cur.execute(check_sql, check_params)
                registered = {row[0] for row in cur.fetchall()}
                expected = {S3Uri.parse(f).key for f in manifest["tables"][table.name]}
                missing, stale = expected - registered, registered - expected
                if missing or stale:
                    raise errors.WarehouseRefreshError(
                        f"{table.name}: after REFRESH {path!r}, {len(missing)} committed files are not "
                        f"registered and {len(stale)} registered files are not committed "
                        f"(e.g. {sorted(missing or stale)[:3]})"
                    )
                result[table.name] = {"files": len(registered), "rows": manifest["row_counts"][table.name]}
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
        finally:
            conn.close()
        return result


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
