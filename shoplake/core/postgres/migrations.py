"""Versioned SQL migrations for the operational database: ``postgres/migrations/V<n>__<what>.sql``.

The pending migrations run in one transaction (all or none) and are recorded in
``shoplake_schema_history`` with their checksums; an applied migration whose file changed since
is an error (a migration is never edited, a new one is written), as is a gap in the versions.
Concurrent runners serialise on an advisory lock, so two processes starting the local server at
once apply each migration once.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from shoplake.project import REPO_ROOT

MIGRATIONS_DIR = REPO_ROOT / "postgres" / "migrations"
_NAME = re.compile(r"^V(\d+)__(\w+)\.sql$")
# pg_advisory_xact_lock key: "shoplake" as a number.
_LOCK = 0x73686F706C616B65 & 0x7FFFFFFFFFFFFFFF


class MigrationError(RuntimeError):
    """The database's schema history and the migration files disagree."""


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def migrations(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files in version order; versions must be 1, 2, 3, … without gaps."""
    found = []
    for path in sorted(folder.glob("*.sql")):
        m = _NAME.match(path.name)
        if m is None:
            raise MigrationError(f"{path.name}: a migration is named V<n>__<what>.sql")
        found.append(Migration(int(m.group(1)), m.group(2).replace("_", " "), path))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise MigrationError(f"migration versions must run 1..n without gaps: {[m.version for m in found]}")
    return found


def migrate(connection, folder: Path = MIGRATIONS_DIR) -> list[int]:
    """Apply the pending migrations (a psycopg connection); returns the versions applied."""
    pending = migrations(folder)
    applied: list[int] = []
    with connection.transaction():
        connection.execute("select pg_advisory_xact_lock(%s)", (_LOCK,))
        connection.execute(
            """
            create table if not exists shoplake_schema_history (
                version     integer primary key,
                description text        not null,
                checksum    text        not null,
                applied_at  timestamptz not null default clock_timestamp()
            )
            """
        )
        done = dict(connection.execute("select version, checksum from shoplake_schema_history").fetchall())
        for m in pending:
            if m.version in done:
                if done[m.version] != m.checksum:
                    raise MigrationError(f"V{m.version} was applied, and its file changed since: write a new migration")
                continue
            connection.execute(m.sql)
            connection.execute(
                "insert into shoplake_schema_history (version, description, checksum) values (%s, %s, %s)",
                (m.version, m.description, m.checksum),
            )
            applied.append(m.version)
        unknown = sorted(set(done) - {m.version for m in pending})
        if unknown:
            raise MigrationError(f"the database has migrations no file describes: {unknown}")
    return applied
