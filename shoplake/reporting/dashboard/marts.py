"""Where the dashboard reads the marts: the local DuckDB file or Snowflake, chosen by configuration.

Both readers run the same SQL (``marts.<model>``, ``?`` placeholders, lower-case column names in
the result), so the pages never know which warehouse they show. The dashboard reads the marts
schema only (Snowflake: the REPORTER role's grants).

Configuration (environment, or root-level keys of ``.streamlit/secrets.toml``, which Streamlit
copies into the environment at start, over what was there; never code). ``shoplake dashboard``
passes its ``--warehouse`` and ``SHOPLAKE_HOME`` to the app as script arguments, which win over
both (see :func:`shoplake.reporting.dashboard.launch.app_overrides`):

* ``DASHBOARD_WAREHOUSE`` — ``duckdb`` (default: the local warehouse of ``$SHOPLAKE_HOME``) or
  ``snowflake``;
* Snowflake: ``SNOWFLAKE_ACCOUNT``, ``SNOWFLAKE_USER``, a credential (``SNOWFLAKE_PRIVATE_KEY_PATH``,
  ``SNOWFLAKE_PASSWORD`` or ``SNOWFLAKE_AUTHENTICATOR``), ``SNOWFLAKE_ROLE`` (the reporter role),
  ``SNOWFLAKE_WAREHOUSE``, ``SNOWFLAKE_DATABASE``;
* executions: locally the run records of ``$SHOPLAKE_HOME/runs``; with Snowflake,
  ``STATE_MACHINE_ARN`` (Step Functions), if set.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

import pandas as pd
from pydantic_settings import BaseSettings, SettingsConfigDict

from shoplake.core.errors import ConfigurationError, ShoplakeError
from shoplake.core.settings import load_settings
from shoplake.reporting.executions import ExecutionSource, LocalRunRecords, StepFunctionsExecutions


class WarehouseUnavailable(ShoplakeError):
    """The marts cannot be read now (not built yet, or locked by a running transform)."""


class Marts(Protocol):
    description: str
    cache_key: str

    def query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame: ...


class DuckDBMarts:
    """The local warehouse file, opened read-only for each query.

    DuckDB lets one process write a file or many read it, not both: a connection held open here
    would stop the transform DAG's dbt from writing. While a writer holds the warehouse
    (``shoplake.core.warehouse.access``), a query reads the last published snapshot instead; only
    a warehouse opened by something that does not take the lock makes a query wait (up to
    ``busy_timeout`` seconds) and then report the warehouse as busy.
    """

    def __init__(self, path: Path, *, busy_timeout: float = 20.0):
        self.path = path
        self.busy_timeout = busy_timeout
        self.description = f"DuckDB · {path}"
        self.cache_key = f"duckdb:{path}"

    def query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        import duckdb

        if not self.path.is_file():
            raise WarehouseUnavailable(
                f"no local warehouse at {self.path}: run `make demo` (or `shoplake ingest FILE`) first"
            )
        from shoplake.core.warehouse import access

        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                with (
                    access.reading(self.path, timeout=self.busy_timeout) as readable,
                    duckdb.connect(str(readable), read_only=True) as con,
                ):
                    return con.execute(sql, list(params)).df()
            except access.WarehouseBusy as exc:
                raise WarehouseUnavailable(f"the local warehouse is being written; try again shortly: {exc}") from None
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise
                if time.monotonic() > deadline:
                    raise WarehouseUnavailable(
                        f"the local warehouse is being written (a transform is running); try again shortly: {exc}"
                    ) from None
                time.sleep(0.5)
            except duckdb.CatalogException as exc:
                raise WarehouseUnavailable(
                    f"the marts are not built in {self.path} yet (the transform DAG builds them): {exc}"
                ) from None


class SnowflakeMarts:
    """Snowflake's MARTS schema through one connection, opened on first use.

    The app keeps one reader per configuration for the whole server; the connector's connections
    may be shared between threads (DB-API threadsafety 2). A query that fails on the connection
    (an expired session, a dropped network) is retried once on a new connection; a second failure
    is reported as :class:`WarehouseUnavailable` with Snowflake's message.
    """

    def __init__(self, connect: Callable[[], Any], database: str, *, cache_key: str | None = None):
        self._connect = connect
        self._conn = None
        self._lock = threading.Lock()
        self.description = f"Snowflake · {database}.MARTS"
        self.cache_key = cache_key or f"snowflake:{database}"

    def _connection(self, *, fresh: bool = False):
        with self._lock:
            if fresh and self._conn is not None:
                with contextlib.suppress(Exception):  # closing a broken connection may fail too
                    self._conn.close()
                self._conn = None
            if self._conn is None or self._conn.is_closed():
                self._conn = self._connect()
            return self._conn

    def query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        from snowflake.connector.errors import Error

        for attempt in (1, 2):
            try:
                with self._connection(fresh=attempt == 2).cursor() as cur:
                    cur.execute(sql, list(params))
                    columns = [d[0].lower() for d in cur.description]
                    return pd.DataFrame.from_records(cur.fetchall(), columns=columns)
            except Error as exc:
                if attempt == 2:
                    raise WarehouseUnavailable(f"Snowflake could not answer: {exc}") from exc
        raise AssertionError("unreachable")


class DashboardSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True, case_sensitive=False)

    dashboard_warehouse: Literal["duckdb", "snowflake"] = "duckdb"
    shoplake_home: Path = Path(".shoplake")
    # Who reads what (the connection's credential itself is read by connect_from_env only).
    snowflake_account: str | None = None
    snowflake_user: str | None = None
    snowflake_role: str | None = None
    snowflake_database: str | None = None
    snowflake_warehouse: str | None = None
    state_machine_arn: str | None = None

    @classmethod
    def load(cls, **overrides: Any) -> DashboardSettings:
        """From the environment; ``overrides`` (the launcher's arguments) win."""
        settings = load_settings(cls, **overrides)
        if settings.dashboard_warehouse == "snowflake":
            missing = [n.upper() for n in ("snowflake_database", "snowflake_warehouse") if not getattr(settings, n)]
            if missing:
                raise ConfigurationError(f"DASHBOARD_WAREHOUSE=snowflake needs {' and '.join(missing)}")
        return settings


def marts_from_settings(settings: DashboardSettings) -> Marts:
    if settings.dashboard_warehouse == "duckdb":
        return DuckDBMarts(settings.shoplake_home.resolve() / "warehouse.duckdb")
    from shoplake.tooling.snowflake.apply import connect_from_env

    database, warehouse = settings.snowflake_database, settings.snowflake_warehouse

    def connect():
        return connect_from_env(
            dict(os.environ),
            query_tag="shoplake dashboard",
            database=database,
            warehouse=warehouse,
            paramstyle="qmark",
            client_session_keep_alive=True,
        )

    who = f"{settings.snowflake_account}/{settings.snowflake_user}/{settings.snowflake_role}"
    return SnowflakeMarts(connect, database, cache_key=f"snowflake:{who}/{database}/{warehouse}")


def executions_from_settings(settings: DashboardSettings) -> ExecutionSource | None:
    if settings.dashboard_warehouse == "duckdb":
        return LocalRunRecords(settings.shoplake_home.resolve() / "runs")
    if settings.state_machine_arn:
        return StepFunctionsExecutions(settings.state_machine_arn)
    return None
