"""Applying the scripts: the schema history, the apply itself, connections, and the values the
AWS side needs from Snowflake."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from shoplake.core.errors import ConfigurationError, ShoplakeError
from shoplake.tooling.snowflake.scripts import Applied, Script, pending_scripts
from shoplake.tooling.snowflake.settings import ACCOUNT_PLACEHOLDER, HISTORY_SCHEMA, HISTORY_TABLE, StageSettings


class ScriptFailed(ShoplakeError):
    """A statement of a script failed in Snowflake."""


# ─── schema history ────────────────────────────────────────────────────────────────────────


def history_ddl(settings: StageSettings) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {settings.history_table} (\n"
        "  installed_rank NUMBER AUTOINCREMENT START 1 INCREMENT 1 ORDER,\n"
        "  version VARCHAR,\n"
        "  description VARCHAR NOT NULL,\n"
        "  type VARCHAR NOT NULL,\n"
        "  script VARCHAR NOT NULL,\n"
        "  checksum VARCHAR NOT NULL,\n"
        "  installed_by VARCHAR NOT NULL DEFAULT CURRENT_USER(),\n"
        "  installed_on TIMESTAMP_LTZ NOT NULL DEFAULT CURRENT_TIMESTAMP(),\n"
        "  execution_time_ms NUMBER NOT NULL,\n"
        "  success BOOLEAN NOT NULL\n"
        ")\n"
        "COMMENT = 'shoplake snowflake apply: scripts of snowflake/ applied to this database'"
    )


def history_insert(settings: StageSettings) -> str:
    return (
        f"INSERT INTO {settings.history_table} "
        "(version, description, type, script, checksum, execution_time_ms, success) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s)"
    )


def history_select(settings: StageSettings) -> str:
    return f"SELECT version, script, checksum, success FROM {settings.history_table} ORDER BY installed_rank"


class SchemaHistory:
    """``<database>.PUBLIC.SHOPLAKE_SCHEMA_HISTORY``, read and written as the objects admin role."""

    def __init__(self, cursor, settings: StageSettings):
        self.cur = cursor
        self.s = settings
        self.exists = False

    def _admin(self) -> None:
        self.cur.execute(f"USE ROLE {self.s.objects_admin_role}")

    def _found(self, sql: str, name: str) -> bool:
        self.cur.execute(sql)
        columns = [d[0].lower() for d in self.cur.description]
        return any(row[columns.index("name")] == name for row in self.cur.fetchall())

    def load(self) -> list[Applied]:
        """The applied rows, oldest first; none on the first run (no database or no table yet)."""
        self._admin()
        self.exists = self._found(f"SHOW DATABASES LIKE '{self.s.database}'", self.s.database) and self._found(
            f"SHOW TABLES LIKE '{HISTORY_TABLE}' IN SCHEMA {self.s.database}.{HISTORY_SCHEMA}", HISTORY_TABLE
        )
        if not self.exists:
            return []
        self.cur.execute(f"USE WAREHOUSE {self.s.warehouse}")
        self.cur.execute(history_select(self.s))
        return [
            Applied(int(v) if v is not None else None, script, checksum, bool(success))
            for v, script, checksum, success in self.cur.fetchall()
        ]

    def create(self) -> None:
        self._admin()
        self.cur.execute(history_ddl(self.s))
        self.exists = True

    def record(self, script: Script, millis: int, success: bool) -> None:
        self._admin()
        self.cur.execute(f"USE WAREHOUSE {self.s.warehouse}")
        self.cur.execute(
            history_insert(self.s),
            (
                str(script.version) if script.version is not None else None,
                script.description,
                script.kind,
                script.name,
                script.checksum,
                millis,
                success,
            ),
        )


# ─── apply ─────────────────────────────────────────────────────────────────────────────────


def dry_run_text(settings: StageSettings, scripts: Iterable[Script]) -> str:
    """Everything apply would execute, as one SQL text (with the schema-history bookkeeping)."""
    parts = []
    if settings.placeholder:
        parts.append(
            f"-- PLACEHOLDER: no AWS account id was given (--aws-account-id or SHOPLAKE_AWS_ACCOUNT_ID).\n"
            f"-- {ACCOUNT_PLACEHOLDER} stands in for it below: this text is for reading, not for running.\n"
        )
    parts.append(
        f"-- shoplake snowflake apply --stage {settings.stage}: the scripts of snowflake/ in apply order.\n"
        f"-- Each run is recorded in {settings.history_table}, created after the first script:\n"
        + "\n".join(f"--   {line}" for line in history_ddl(settings).splitlines())
        + "\n"
    )
    for s in scripts:
        kind = f"versioned, version {s.version}" if s.kind == "V" else "repeatable"
        parts.append(f"-- ─── {s.name} ({kind}, sha256 {s.checksum}) ───\n{s.sql}")
    return "\n".join(parts)


def apply(
    connect: Callable[[], Any],
    scripts: list[Script],
    settings: StageSettings,
    *,
    dry_run: bool = False,
    target: int | None = None,
    echo: Callable[[str], None] = print,
) -> list[Script]:
    """Apply the pending scripts in order and record each in the schema history; return them.

    ``dry_run`` prints every script (up to ``target``) and connects to nothing. Snowflake DDL is
    not transactional: a failing statement leaves the statements before it applied, the failure
    is recorded, and the next apply runs the script again (scripts are written to be re-runnable).
    """
    if dry_run:
        # What a first apply would run: the same selection as pending_scripts with no history.
        echo(dry_run_text(settings, pending_scripts(scripts, [], target)))
        return []
    if settings.placeholder:
        raise ConfigurationError("the AWS account id is a placeholder: only a dry run can use it")

    conn = connect()
    try:
        cur = conn.cursor()
        history = SchemaHistory(cur, settings)
        pending = pending_scripts(scripts, history.load(), target)
        if not pending:
            echo(f"{settings.database}: up to date ({len(scripts)} scripts)")
        for script in pending:
            started = time.monotonic()
            try:
                for statement in script.statements():
                    cur.execute(statement)
            except Exception as exc:
                millis = round((time.monotonic() - started) * 1000)
                if history.exists:
                    history.record(script, millis, success=False)
                raise ScriptFailed(f"{script.name} failed (recorded, run apply again once fixed): {exc}") from exc
            millis = round((time.monotonic() - started) * 1000)
            if not history.exists:
                # First run: the database (V1) exists now, and the history with it.
                history.create()
            history.record(script, millis, success=True)
            echo(f"applied {script.name} ({millis} ms)")
        return pending
    finally:
        conn.close()


# ─── connections ───────────────────────────────────────────────────────────────────────────


def connect_from_env(
    environ: dict[str, str] | None = None, *, query_tag: str = "shoplake snowflake apply", **options: Any
):
    """A Snowflake connection from SNOWFLAKE_* environment variables (credentials never in code).

    ``options`` go to the connector as they are (database, warehouse, paramstyle, ...).

    SNOWFLAKE_ACCOUNT and SNOWFLAKE_USER, then one of SNOWFLAKE_PRIVATE_KEY_PATH (with
    SNOWFLAKE_PRIVATE_KEY_PASSPHRASE if encrypted), SNOWFLAKE_PASSWORD or SNOWFLAKE_AUTHENTICATOR
    (e.g. externalbrowser). SNOWFLAKE_ROLE is optional: the scripts switch roles themselves, but
    the user must hold them (ACCOUNTADMIN does: it inherits SYSADMIN and SECURITYADMIN).
    """
    env = os.environ if environ is None else environ
    missing = [k for k in ("SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER") if not env.get(k)]
    if missing:
        raise ConfigurationError(f"set {' and '.join(missing)} (see snowflake/README.md)")
    kwargs: dict[str, Any] = {
        "account": env["SNOWFLAKE_ACCOUNT"],
        "user": env["SNOWFLAKE_USER"],
        "application": "shoplake",
        "session_parameters": {"QUERY_TAG": query_tag},
        **options,
    }
    if env.get("SNOWFLAKE_ROLE"):
        kwargs["role"] = env["SNOWFLAKE_ROLE"]
    if env.get("SNOWFLAKE_PRIVATE_KEY_PATH"):
        kwargs["private_key_file"] = env["SNOWFLAKE_PRIVATE_KEY_PATH"]
        if env.get("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"):
            kwargs["private_key_file_pwd"] = env["SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"]
    elif env.get("SNOWFLAKE_PASSWORD"):
        kwargs["password"] = env["SNOWFLAKE_PASSWORD"]
    elif env.get("SNOWFLAKE_AUTHENTICATOR"):
        kwargs["authenticator"] = env["SNOWFLAKE_AUTHENTICATOR"]
    else:
        raise ConfigurationError(
            "set SNOWFLAKE_PRIVATE_KEY_PATH, SNOWFLAKE_PASSWORD or SNOWFLAKE_AUTHENTICATOR (see snowflake/README.md)"
        )
    import snowflake.connector

    return snowflake.connector.connect(**kwargs)


def connection_factory(secret_name: str | None) -> Callable[[], Any]:
    if secret_name:
        from shoplake.core.warehouse.snowflake import connect_from_secret

        # The database may not exist yet (first run): connect without one; scripts qualify every name.
        return lambda: connect_from_secret(secret_name, None)
    return connect_from_env


# ─── values for the AWS side (the second step of the storage-integration setup) ───────────


def deploy_params(connect: Callable[[], Any], settings: StageSettings) -> dict[str, str]:
    """The serverless params Snowflake decides: the integration's IAM user and external ID, and
    (once AUTO_REFRESH external tables exist) the SQS channel the processed bucket notifies."""
    conn = connect()
    try:
        cur = conn.cursor()
        cur.execute(f"USE ROLE {settings.integration_admin_role}")
        cur.execute(f"DESC INTEGRATION {settings.integration}")
        props = {row[0]: row[2] for row in cur.fetchall()}
        out = {
            "snowflakeIamUserArn": props["STORAGE_AWS_IAM_USER_ARN"],
            "snowflakeExternalId": props["STORAGE_AWS_EXTERNAL_ID"],
        }
        cur.execute(f"SHOW EXTERNAL TABLES IN SCHEMA {settings.database}.{settings.raw_schema}")
        columns = [d[0].lower() for d in cur.description]
        channels = {row[columns.index("notification_channel")] for row in cur.fetchall()} - {None, ""}
        if len(channels) > 1:
            raise ConfigurationError(f"external tables report different notification channels: {sorted(channels)}")
        if channels:
            out["snowflakeS3NotificationChannel"] = channels.pop()
        return out
    finally:
        conn.close()
