"""Watermark change capture from the operational database into the raw zone.

Each run of a table reads the row versions changed since its watermark, and the deletes recorded
since, and writes them as one Parquet batch to ``cdc/<table>/date=YYYY-MM-DD/<batch id>.parquet``
in the raw bucket, where the event-driven pipeline takes it like any landed file. The failure
modes of watermark capture are handled here, each on purpose:

* **Ties.** A row's version is (updated_at, primary key); a batch reads versions strictly after
  the watermark in that order, so rows sharing a timestamp are neither skipped nor read twice.
* **Late commits.** updated_at is the writing statement's clock, but the row becomes visible at
  commit. A batch reads only versions older than its *upper bound*: the start of the oldest
  transaction still in flight that has written anything (pg_stat_activity.backend_xid), and never
  later than now minus a safety lag. A version older than the bound was committed before the
  bound was taken (its transaction started before the bound, so it was not in flight), so a
  long transaction's rows are taken by a later batch, never lost.
* **Precision.** timestamptz end to end: microseconds, UTC, in the watermark, the query
  parameters and the Parquet (timestamp[us, UTC]).
* **Crashes.** The batch a run is about to write (its from and to watermarks) is saved as
  *pending* before the file is written, and the watermark moves only after the file is durable.
  A re-run finishes the pending batch first: the same versions (since, until], the same key, the
  same bytes, so a crash between the file and the watermark doubles nothing.
* **Deletes** come from deleted_rows (the source's trigger) with their own watermark, and reach
  the lake as tombstones (``change_op = 'delete'``, the key, the deletion time).

The data itself moves through ADBC (PostgreSQL's binary COPY into Arrow), not row by row.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from shoplake.core.postgres.tables import CHANGE_COLUMNS as CHANGE_COLUMNS_NEUTRAL
from shoplake.core.postgres.tables import SOURCE_TABLES, SourceTable
from shoplake.core.storage import ObjectStore

PREFIX = "cdc/"
TS = pa.timestamp("us", tz="UTC")
MONEY = pa.decimal128(12, 2)


_ARROW = {
    "bigint": pa.int64(),
    "int": pa.int32(),
    "string": pa.string(),
    "timestamp": TS,
    "decimal(12,2)": MONEY,
}


@dataclass(frozen=True)
class ArrowTable:
    """A source table with its columns' Arrow types (what the batches are written with)."""

    name: str
    key: str
    key_type: pa.DataType
    columns: tuple[tuple[str, pa.DataType], ...]

    @property
    def column_names(self) -> list[str]:
        return [c for c, _ in self.columns]


def _arrow(t: SourceTable) -> ArrowTable:
    columns = tuple((name, _ARROW[typ]) for name, typ in t.columns)
    return ArrowTable(t.name, t.key, _ARROW[t.key_type], columns)


TABLES = {name: _arrow(t) for name, t in SOURCE_TABLES.items()}
CHANGE_COLUMNS = tuple((name, _ARROW[typ]) for name, typ in CHANGE_COLUMNS_NEUTRAL)


@dataclass(frozen=True)
class Watermark:
    """A position in a table's change order: after version (ts, key). ``key`` None: every
    version older than ``ts`` (a fresh start at a time)."""

    ts: datetime
    key: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {"ts": self.ts.astimezone(UTC).isoformat(timespec="microseconds"), "key": self.key}

    @classmethod
    def from_json(cls, d: dict[str, Any] | None) -> Watermark | None:
        return None if d is None else cls(datetime.fromisoformat(d["ts"]).astimezone(UTC), d["key"])


BEGINNING = Watermark(datetime(1970, 1, 1, tzinfo=UTC), None)


@dataclass(frozen=True)
class TableState:
    rows: Watermark = BEGINNING
    deletes: Watermark = BEGINNING
    # the batch being written: {"rows": [since, until], "deletes": [since, until]}, or during the
    # first load {"initial": {"bound": ts, "from": key | None, "to": key}}
    pending: dict[str, Any] | None = None
    # the first load, chunked by primary key: {"bound": ts, "after": the last key loaded | None}
    initial: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"rows": self.rows.to_json(), "deletes": self.deletes.to_json(), "pending": self.pending,
                "initial": self.initial}  # fmt: skip

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> TableState:
        return cls(Watermark.from_json(d["rows"]), Watermark.from_json(d["deletes"]), d.get("pending"),
                   d.get("initial"))  # fmt: skip


class WatermarkStore(Protocol):
    def load(self, table: str) -> TableState: ...
    def save(self, table: str, state: TableState) -> None: ...


class ConcurrentExtraction(RuntimeError):
    """Another run of the same table saved its state first: this run's batch is not recorded
    (its file, if written, is the same key the other run's pending batch names or a batch the
    next run rewrites)."""


class LocalWatermarks:
    """``$SHOPLAKE_HOME/cdc/state/<table>.json``, replaced atomically (fsynced) on every save.
    Like the cloud's store, a save is conditional on the version loaded (under a file lock), so
    two runs of one table at once cannot both move its watermark."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._versions: dict[str, int] = {}

    def _read(self, table: str) -> dict[str, Any] | None:
        path = self.folder / f"{table}.json"
        return json.loads(path.read_text()) if path.exists() else None

    def load(self, table: str) -> TableState:
        d = self._read(table)
        self._versions[table] = 0 if d is None else d.get("version", 0)
        if d is None:
            return TableState()
        return TableState.from_json(d)

    def save(self, table: str, state: TableState) -> None:
        import fcntl

        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / f".{table}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            current = self._read(table)
            version = self._versions.get(table, 0)
            if (0 if current is None else current.get("version", 0)) != version:
                raise ConcurrentExtraction(f"{table}: another extraction saved its state first")
            body = {"version": version + 1, **state.to_json()}
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
            with os.fdopen(fd, "w") as f:
                json.dump(body, f, indent=2)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.folder / f"{table}.json")
            self._versions[table] = version + 1


# -- reading the source ------------------------------------------------------------------------
UPPER_BOUND = """
    select least(
        coalesce(
            (select min(xact_start) from pg_stat_activity
             where backend_xid is not null and pid <> pg_backend_pid()),
            clock_timestamp()
        ),
        clock_timestamp() - make_interval(secs => $1::double precision)
    )
"""


def upper_bound(cursor, lag: timedelta) -> datetime:
    cursor.execute(UPPER_BOUND, (lag.total_seconds(),))
    return _utc(cursor.fetchone()[0])


def _after(column: str, key: str, key_type: str, w: Watermark, n: int) -> tuple[str, tuple]:
    """A predicate "version after the watermark" with parameters $n, $n+1 (constant SQL text:
    the names are the module's, the values are parameters)."""
    if w.key is None:
        return f"{column} >= ${n}::timestamptz", (_text(w.ts),)
    return f"({column}, {key}) > (${n}::timestamptz, ${n + 1}::{key_type})", (_text(w.ts), w.key)


def _select_list(table: ArrowTable) -> str:
    """The table's columns, money as text (read exactly, then cast to decimal in Arrow: _typed)."""
    return ", ".join(f"{c}::text" if t == MONEY else c for c, t in table.columns)


def _select_rows(cursor, table: ArrowTable, since: Watermark, until_exclusive: datetime | None,
                 until: Watermark | None, limit: int | None) -> pa.Table:  # fmt: skip
    cols = _select_list(table)
    where, params = _after("updated_at", table.key, _pg_key(table), since, 1)
    n = len(params) + 1
    if until is not None:  # a pending batch: exactly (since, until]
        where += f" and (updated_at, {table.key}) <= (${n}::timestamptz, ${n + 1}::{_pg_key(table)})"
        params += (_text(until.ts), until.key)
    else:
        where += f" and updated_at < ${n}::timestamptz"
        params += (_text(until_exclusive),)
    sql = f"select {cols} from {table.name} where {where} order by updated_at, {table.key}"  # noqa: S608 - constants
    if limit:
        sql += f" limit {int(limit)}"
    cursor.execute(sql, params)
    return _typed(cursor.fetch_arrow_table(), table)


def _select_chunk(cursor, table: ArrowTable, bound: datetime, after: str | None, to: str | None,
                  limit: int | None) -> pa.Table:  # fmt: skip
    """The first load's chunk: rows older than the bound, in primary-key order, after ``after``
    (and up to ``to``, for a pending chunk)."""
    cols = _select_list(table)
    key_type = _pg_key(table)
    where, params = "updated_at < $1::timestamptz", [_text(bound)]
    if after is not None:
        params.append(after)
        where += f" and {table.key} > ${len(params)}::{key_type}"
    if to is not None:
        params.append(to)
        where += f" and {table.key} <= ${len(params)}::{key_type}"
    sql = f"select {cols} from {table.name} where {where} order by {table.key}"  # noqa: S608 - constants
    if limit and to is None:
        sql += f" limit {int(limit)}"
    cursor.execute(sql, tuple(params))
    return _typed(cursor.fetch_arrow_table(), table)


def _select_deletes(cursor, table: ArrowTable, since: Watermark, until_exclusive: datetime | None,
                    until: Watermark | None, limit: int | None) -> pa.Table:  # fmt: skip
    where, params = _after("deleted_at", "deletion_id", "bigint", since, 2)
    params = (table.name, *params)
    n = len(params) + 1
    if until is not None:
        where += f" and (deleted_at, deletion_id) <= (${n}::timestamptz, ${n + 1}::bigint)"
        params += (_text(until.ts), until.key)
    else:
        where += f" and deleted_at < ${n}::timestamptz"
        params += (_text(until_exclusive),)
    sql = (f"select row_key, deleted_at, deletion_id from deleted_rows where table_name = $1 and {where} "
           "order by deleted_at, deletion_id")  # noqa: S608 - constants  # fmt: skip
    if limit:
        sql += f" limit {int(limit)}"
    cursor.execute(sql, params)
    return cursor.fetch_arrow_table()


def _pg_key(table: ArrowTable) -> str:
    return "text" if table.key_type == pa.string() else "bigint"


def _typed(fetched: pa.Table, table: ArrowTable) -> pa.Table:
    arrays = []
    for name, typ in table.columns:
        col = fetched.column(name)
        arrays.append(col.cast(pa.string()).cast(typ) if typ == MONEY else col.cast(typ))
    return pa.table(arrays, names=table.column_names)


# -- the batch ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Batch:
    table: str
    key: str | None  # where it was written in the raw bucket (None: nothing changed)
    upserts: int
    deletes: int
    rows_from: Watermark
    rows_to: Watermark
    deletes_from: Watermark
    deletes_to: Watermark
    resumed: bool = False

    def summary(self) -> dict[str, Any]:
        """What a run did, as JSON (the function's result, the CLI's line)."""
        return {
            "table": self.table,
            "key": self.key,
            "upserts": self.upserts,
            "deletes": self.deletes,
            "resumed": self.resumed,
            "rows_watermark": self.rows_to.to_json(),
            "deletes_watermark": self.deletes_to.to_json(),
        }


def batch_key(table: str, rows: tuple[Watermark, Watermark], deletes: tuple[Watermark, Watermark]) -> str:
    """Deterministic: the table and the two ranges it covers."""
    ident = [table, [w.to_json() for w in rows], [w.to_json() for w in deletes]]
    return _object_key(table, "batch", ident, max(rows[1].ts, deletes[1].ts))


def _object_key(table: str, kind: str, ident: Any, at: datetime) -> str:
    """``cdc/<table>/date=<at's UTC day>/<kind>-<digest of ident>.parquet``: the same ranges, the same key."""
    digest = hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:20]
    day: date = at.astimezone(UTC).date()
    return f"{PREFIX}{table}/date={day.isoformat()}/{kind}-{digest}.parquet"


def batch_table(table: ArrowTable, upserts: pa.Table, deletes: pa.Table) -> pa.Table:
    """One table of change rows: the upserts (change_op 'upsert', changed_at = updated_at) then
    the tombstones (change_op 'delete', the key, changed_at = deleted_at; other columns null)."""
    ups = upserts.append_column("change_op", pa.array(["upsert"] * upserts.num_rows, pa.string()))
    ups = ups.append_column("changed_at", upserts.column("updated_at"))
    n = deletes.num_rows
    tomb = {name: pa.nulls(n, typ) for name, typ in table.columns}
    tomb[table.key] = deletes.column("row_key").cast(table.key_type)
    tomb["change_op"] = pa.array(["delete"] * n, pa.string())
    tomb["changed_at"] = deletes.column("deleted_at").cast(TS)
    schema = pa.schema([*table.columns, *CHANGE_COLUMNS])
    return pa.concat_tables([ups.cast(schema), pa.table(tomb, schema=schema)])


def parquet_bytes(t: pa.Table) -> bytes:
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    pq.write_table(t, sink, compression="zstd", write_statistics=False, store_schema=False)
    return sink.getvalue()


def _last(t: pa.Table, ts_col: str, key_col: str) -> Watermark:
    return Watermark(_utc(t.column(ts_col)[-1].as_py()), str(t.column(key_col)[-1].as_py()))


def _text(ts: datetime) -> str:
    """A query parameter: ISO 8601 with microseconds and the offset (never a naive time)."""
    return _utc(ts).isoformat(timespec="microseconds")


def _utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def extract(
    connect,
    store: ObjectStore,
    raw_bucket: str,
    watermarks: WatermarkStore,
    table_name: str,
    *,
    lag: timedelta = timedelta(0),
    limit: int | None = None,
    crash_after_write: bool = False,
) -> Batch:
    """One batch of ``table_name``'s changes into the raw bucket (see the module's docstring).

    ``connect()`` gives an ADBC PostgreSQL connection. ``limit`` caps the versions (and the
    deletes) per batch. ``crash_after_write`` stops between the file and the watermark (tests).
    """
    table = TABLES[table_name]
    state = watermarks.load(table_name)
    if state.initial is not None or (state.rows == BEGINNING and state.pending is None):
        loaded = _first_load(connect, store, raw_bucket, watermarks, table, state, lag, limit, crash_after_write)
        if loaded is not None:
            return loaded
        state = watermarks.load(table_name)  # the load is done: this run is the first batch
    with _cursor(connect) as cur:
        if state.pending is not None:
            p = state.pending
            rows = (Watermark.from_json(p["rows"][0]), Watermark.from_json(p["rows"][1]))
            dels = (Watermark.from_json(p["deletes"][0]), Watermark.from_json(p["deletes"][1]))
            upserts = _select_rows(cur, table, rows[0], None, rows[1], None)
            deletes = _select_deletes(cur, table, dels[0], None, dels[1], None)
            resumed = True
        else:
            bound = upper_bound(cur, lag)
            upserts = _select_rows(cur, table, state.rows, bound, None, limit)
            deletes = _select_deletes(cur, table, state.deletes, bound, None, limit)
            rows = (state.rows, _last(upserts, "updated_at", table.key) if upserts.num_rows else state.rows)
            dels = (state.deletes, _last(deletes, "deleted_at", "deletion_id") if deletes.num_rows else state.deletes)
            resumed = False
            if not upserts.num_rows and not deletes.num_rows:
                return Batch(table_name, None, 0, 0, *rows, *dels)
            pending = {"rows": [w.to_json() for w in rows], "deletes": [w.to_json() for w in dels]}
            watermarks.save(table_name, TableState(state.rows, state.deletes, pending))
    key = batch_key(table_name, rows, dels)
    store.put_bytes(f"s3://{raw_bucket}/{key}", parquet_bytes(batch_table(table, upserts, deletes)))
    if crash_after_write:
        raise SimulatedCrash(key)
    watermarks.save(table_name, TableState(rows[1], dels[1], None))
    return Batch(table_name, key, upserts.num_rows, deletes.num_rows, *rows, *dels, resumed=resumed)


def connection_uri(secret: dict[str, Any]) -> str:
    """A libpq URI from a Secrets Manager secret: ``{"uri": …}``, or the fields RDS writes (host,
    port, username, password, dbname), then with TLS required."""
    from urllib.parse import quote

    if "uri" in secret:
        return str(secret["uri"])
    missing = [k for k in ("host", "username", "password") if not secret.get(k)]
    if missing:
        raise ValueError(f"the source secret lacks {', '.join(missing)}")
    user, password = quote(str(secret["username"]), safe=""), quote(str(secret["password"]), safe="")
    database = quote(str(secret.get("dbname") or "shop"), safe="")
    port = int(secret.get("port") or 5432)
    return f"postgresql://{user}:{password}@{secret['host']}:{port}/{database}?sslmode=require"


def adbc_connector(uri: str):
    """``connect()`` for :func:`extract`: a new ADBC PostgreSQL connection per call."""
    import adbc_driver_postgresql.dbapi as adbc

    return lambda: adbc.connect(uri)


def _first_load(connect, store: ObjectStore, raw_bucket: str, watermarks: WatermarkStore, table: ArrowTable,
                state: TableState, lag: timedelta, limit: int | None,
                crash_after_write: bool) -> Batch | None:  # fmt: skip
    """One chunk of a table's first load: the rows older than the load's bound (taken once, at its
    start, as a batch's is) in primary-key order, ``limit`` at a time, so the table is never read
    whole nor held in memory. Each chunk is pending before its file is written, like a batch, and
    a re-run writes the same key. When a chunk comes back short the load is done: the watermark
    becomes (bound, none), every version from the bound on being the incremental batches'. A row
    changed during the load has a version after the bound, so they take it; deletions are
    captured from the beginning by the batches. None: the load was done already, nothing written."""
    with _cursor(connect) as cur:
        if state.pending is not None:  # a chunk whose file may be written: the same rows again
            chunk = state.pending["initial"]
            bound = datetime.fromisoformat(chunk["bound"])
            upserts = _select_chunk(cur, table, bound, chunk["from"], chunk["to"], None)
            resumed = True
        else:
            initial = state.initial or {"bound": _text(upper_bound(cur, lag)), "after": None}
            bound = datetime.fromisoformat(initial["bound"])
            upserts = _select_chunk(cur, table, bound, initial["after"], None, limit)
            resumed = False
            if not upserts.num_rows:  # nothing after the last chunk: the load is done
                watermarks.save(table.name, TableState(Watermark(bound, None), state.deletes))
                return None
            chunk = {"bound": initial["bound"], "from": initial["after"],
                     "to": str(upserts.column(table.key)[-1].as_py())}  # fmt: skip
            watermarks.save(table.name, TableState(state.rows, state.deletes, {"initial": chunk}, initial))
    key = _object_key(table.name, "load", [table.name, "initial", chunk], bound)
    no_deletes = pa.table({"row_key": pa.array([], pa.string()), "deleted_at": pa.array([], TS)})
    store.put_bytes(f"s3://{raw_bucket}/{key}", parquet_bytes(batch_table(table, upserts, no_deletes)))
    if crash_after_write:
        raise SimulatedCrash(key)
    if limit is None or upserts.num_rows < limit:  # the last chunk: the batches take over
        after = TableState(Watermark(bound, None), state.deletes)
    else:
        after = TableState(state.rows, state.deletes, None, {"bound": chunk["bound"], "after": chunk["to"]})
    watermarks.save(table.name, after)
    return Batch(table.name, key, upserts.num_rows, 0, BEGINNING, after.rows, state.deletes, state.deletes,
                 resumed=resumed)  # fmt: skip


class SimulatedCrash(RuntimeError):
    """Raised by ``extract(..., crash_after_write=True)``: the file is written, the watermark not."""


@contextmanager
def _cursor(connect) -> Iterator[Any]:
    con = connect()
    try:
        cur = con.cursor()
        try:
            yield cur
        finally:
            cur.close()
        con.commit()
    finally:
        con.close()


class DynamoWatermarks:
    """The cloud's watermark store: one item per table (``id = cdc#<table>``) in the CDC state
    table beside the idempotency table. Reads are consistent; every save is conditional on the
    version it loaded, so two runs of one table at once cannot both move its watermark."""

    def __init__(self, table_name: str, client=None):
        import boto3

        self.table_name = table_name
        self.client = client or boto3.client("dynamodb")
        self._versions: dict[str, int] = {}

    def load(self, table: str) -> TableState:
        item = self.client.get_item(
            TableName=self.table_name, Key={"id": {"S": f"cdc#{table}"}}, ConsistentRead=True
        ).get("Item")
        if item is None:
            self._versions[table] = 0
            return TableState()
        self._versions[table] = int(item["version"]["N"])
        return TableState.from_json(json.loads(item["state"]["S"]))

    def save(self, table: str, state: TableState) -> None:
        version = self._versions.get(table, 0)
        body = state.to_json()
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item={
                    "id": {"S": f"cdc#{table}"},
                    "version": {"N": str(version + 1)},
                    "state": {"S": json.dumps(body)},
                },
                ConditionExpression="attribute_not_exists(id) OR version = :v",
                ExpressionAttributeValues={":v": {"N": str(version)}},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            raise ConcurrentExtraction(f"{table}: another extraction saved its state first") from None
        self._versions[table] = version + 1
