"""Watermark change capture from the operational PostgreSQL (shoplake.core.postgres.cdc): each
failure mode of watermark capture has a test that fails without its protection, and writers and
extractions running at once capture every row exactly once."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import adbc_driver_postgresql.dbapi as adbc
import psycopg
import pyarrow.parquet as pq
import pytest

from shoplake.core.postgres import cdc
from shoplake.core.storage import LocalObjectStore
from shoplake.tooling.simulate import seed_dimensions, simulate
from tests.integration.test_operational_db import fresh_database
from tests.integration.test_operational_db import server as server  # noqa: F401 - the module's server fixture

pytestmark = pytest.mark.postgres


class Capture:
    """A fresh source database, a local raw bucket and watermark state, and helpers."""

    def __init__(self, server, tmp_path: Path):
        self.uri = fresh_database(server)
        self.store = LocalObjectStore(tmp_path / "lake")
        self.watermarks = cdc.LocalWatermarks(tmp_path / "state")
        self.keys: list[str] = []

    def connect(self):
        return adbc.connect(self.uri)

    def sql(self, statement: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.uri, autocommit=True) as con:
            cur = con.execute(statement, params)
            return cur.fetchall() if cur.description else []

    def extract(self, table: str, **options) -> cdc.Batch:
        batch = cdc.extract(self.connect, self.store, "raw", self.watermarks, table, **options)
        if batch.key:
            self.keys.append(batch.key)
        return batch

    def start_at(self, table: str, ts: str) -> None:
        """As if the table's first load had been taken at ``ts``: incremental batches from there."""
        self.watermarks.save(table, cdc.TableState(cdc.Watermark(datetime.fromisoformat(ts), None)))

    def drain(self, table: str, **options) -> list[cdc.Batch]:
        out = []
        while (b := self.extract(table, **options)).key is not None:
            out.append(b)
            assert len(out) < 1000, "the watermark does not move on"
        return out

    def captured(self, table: str) -> list[dict]:
        rows = []
        for key in dict.fromkeys(self.keys):
            if key.startswith(f"cdc/{table}/"):
                rows.extend(pq.read_table(self.store.path(f"s3://raw/{key}")).to_pylist())
        return rows


@pytest.fixture
def capture(server, tmp_path):  # noqa: F811
    c = Capture(server, tmp_path)
    c.sql("insert into dim_products (product_id, name, category, price) values ('P1', 'Kettle', 'home', 20)")
    return c


def _insert_users(c: Capture, n: int, *, at: str | None = None) -> None:
    """n users; with ``at``, all with that updated_at (the trigger off while they are written)."""
    if at:
        c.sql("alter table dim_users disable trigger dim_users_touch")
    c.sql("insert into dim_users (name, email, city, address" + (", updated_at" if at else "") + ") "
          "select 'U' || i, gen_random_uuid() || '@x', 'Austin', 'Elm ' || i" + (", %s::timestamptz" if at else "") +
          " from generate_series(1, %s) as i", ((at,) if at else ()) + (n,))  # fmt: skip
    if at:
        c.sql("alter table dim_users enable trigger dim_users_touch")


def test_rows_sharing_a_timestamp_are_neither_skipped_nor_repeated(capture):
    # Given seven users written with the very same updated_at, after the first load
    capture.start_at("dim_users", "2026-12-01T00:00:00Z")
    _insert_users(capture, 7, at="2026-12-01T10:00:00.123456Z")
    # When they are captured three at a time
    batches = capture.drain("dim_users", limit=3)
    # Then each once, in key order, the watermark (time, key) moving inside the tie
    assert [b.upserts for b in batches] == [3, 3, 1]
    assert [b.rows_to.key for b in batches] == ["3", "6", "7"]
    assert [r["user_id"] for r in capture.captured("dim_users")] == [1, 2, 3, 4, 5, 6, 7]


def test_a_transaction_committing_after_a_batch_is_taken_by_the_next(capture):
    # Given a long transaction that wrote a user (earlier updated_at) and has not committed, and
    # a second user written and committed after it
    slow = psycopg.connect(capture.uri)
    slow.execute("insert into dim_users (name, email, city, address) values ('Slow', 'slow@x', 'Austin', 'Elm 1')")
    _insert_users(capture, 1)
    # When a batch runs: it stops before the oldest transaction in flight, taking neither
    first = capture.extract("dim_users")
    assert (first.key, first.upserts) == (None, 0)
    # Then, once it commits, the next batch takes both, in updated_at order
    slow.commit()
    slow.close()
    second = capture.extract("dim_users")
    assert [r["name"] for r in capture.captured("dim_users")] == ["Slow", "U1"]
    assert second.upserts == 2
    # and a safety lag holds back what is newer than it
    _insert_users(capture, 1)
    assert capture.extract("dim_users", lag=timedelta(hours=1)).upserts == 0
    assert capture.extract("dim_users").upserts == 1


def test_microseconds_and_time_zones_survive_end_to_end(capture):
    # Given versions one microsecond apart, written with an offset of +02:00
    capture.start_at("dim_users", "2026-12-01T00:00:00Z")
    for i, ts in enumerate(("2026-12-01T12:00:00.000001+02:00", "2026-12-01T12:00:00.000002+02:00"), start=1):
        capture.sql("alter table dim_users disable trigger dim_users_touch")
        capture.sql("insert into dim_users (name, email, city, address, updated_at) values (%s, %s, 'Austin', 'x', %s)",
                    (f"U{i}", f"u{i}@x", ts))  # fmt: skip
        capture.sql("alter table dim_users enable trigger dim_users_touch")
    # When captured one at a time
    batches = capture.drain("dim_users", limit=1)
    # Then the watermark and the lake keep the microsecond, in UTC
    assert [b.rows_to.ts for b in batches] == [datetime(2026, 12, 1, 10, 0, 0, 1, tzinfo=UTC),
                                               datetime(2026, 12, 1, 10, 0, 0, 2, tzinfo=UTC)]  # fmt: skip
    assert [r["updated_at"] for r in capture.captured("dim_users")] == [b.rows_to.ts for b in batches]
    assert [b.key.split("/")[2] for b in batches] == ["date=2026-12-01"] * 2


def test_the_first_load_is_chunked_by_key_and_hands_over_to_the_batches(capture):
    # Given a table with rows before the first capture
    _insert_users(capture, 7)
    # When its first load runs three rows at a time, and a row is changed during the load
    first = capture.extract("dim_users", limit=3)
    capture.sql("update dim_users set city = 'Boston' where user_id = 2")  # already loaded
    capture.sql("update dim_users set city = 'Denver' where user_id = 6")  # not yet loaded
    rest = capture.drain("dim_users", limit=3)
    # Then the chunks follow the primary key, each a load file, and stop at the load's bound:
    # both changed rows come again, once, as the versions after it (with their new city)
    assert [b.key.rsplit("/", 1)[1][:5] for b in [first, *rest]] == ["load-", "load-", "batch"]
    assert [b.upserts for b in [first, *rest]] == [3, 3, 2]
    captured = [(r["user_id"], r["city"]) for r in capture.captured("dim_users")]
    assert captured == [(1, "Austin"), (2, "Austin"), (3, "Austin"), (4, "Austin"), (5, "Austin"), (7, "Austin"),
                        (2, "Boston"), (6, "Denver")]  # fmt: skip
    # and a crash inside a later load writes the same chunk again when re-run
    capture.sql("insert into dim_products (product_id, name, category, price) "
                "select 'P' || i, 'x', 'home', 1 from generate_series(2, 5) as i")  # fmt: skip
    with pytest.raises(cdc.SimulatedCrash) as crashed:
        capture.extract("dim_products", limit=2, crash_after_write=True)
    again = capture.extract("dim_products", limit=2)
    assert (again.key, again.resumed, again.upserts) == (str(crashed.value), True, 2)
    capture.drain("dim_products", limit=2)
    assert [r["product_id"] for r in capture.captured("dim_products")] == ["P1", "P2", "P3", "P4", "P5"]


def test_a_crash_between_the_file_and_the_watermark_doubles_nothing(capture):
    # Given a batch written whose watermark was never saved (the process died)
    _insert_users(capture, 3)
    with pytest.raises(cdc.SimulatedCrash) as crashed:
        capture.extract("dim_users", crash_after_write=True)
    key = str(crashed.value)
    written = capture.store.path(f"s3://raw/{key}").read_bytes()
    # and more changes since
    _insert_users(capture, 2)
    # When the extraction runs again
    again = capture.extract("dim_users")
    # Then it finishes the same batch first: the same key, the same bytes
    assert (again.key, again.resumed, again.upserts) == (key, True, 3)
    assert capture.store.path(f"s3://raw/{key}").read_bytes() == written
    # and the next batch has the rest; every user once
    assert capture.extract("dim_users").upserts == 2
    ids = [r["user_id"] for r in capture.captured("dim_users")]
    assert sorted(ids) == [1, 2, 3, 4, 5] and len(ids) == len(set(ids))


def test_deletes_reach_the_lake_as_tombstones(capture):
    _insert_users(capture, 1)
    capture.sql("insert into fact_sales (user_id, product_id, quantity, total_amount) values (1, 'P1', 1, 20)")
    assert capture.extract("fact_sales").upserts == 1
    capture.sql("update fact_sales set status = 'CANCELLED' where sale_id = 1")
    capture.sql("delete from fact_sales where sale_id = 1")
    (deleted_at,) = capture.sql("select deleted_at from deleted_rows")[0]
    batch = capture.extract("fact_sales")
    # the cancellation and then the deletion: a tombstone with the key and the time
    assert (batch.upserts, batch.deletes) == (0, 1)  # the row is gone: its last update is not there to read
    tombstone = capture.captured("fact_sales")[-1]
    assert {k: tombstone[k] for k in ("sale_id", "status", "change_op", "changed_at")} == {
        "sale_id": 1, "status": None, "change_op": "delete", "changed_at": deleted_at.astimezone(UTC)}  # fmt: skip


def test_writers_and_extractions_at_once_capture_every_row_exactly_once(capture):
    # Given the order system's traffic from four connections, and extractions running meanwhile
    with psycopg.connect(capture.uri) as con:
        seed_dimensions(con)
    stop = threading.Event()
    errors: list[BaseException] = []

    def extract_repeatedly() -> None:
        try:
            while not stop.is_set():
                for table in cdc.TABLES:
                    capture.extract(table, limit=200)
                time.sleep(0.01)
        except BaseException as exc:
            errors.append(exc)

    extractor = threading.Thread(target=extract_repeatedly)
    extractor.start()
    try:
        result = simulate(capture.uri, rate=400, duration=4, writers=4, seed=11)
    finally:
        stop.set()
        extractor.join()
    assert errors == []
    assert result.operations["order"] > 500 and result.operations["delete"] > 0
    # When the last changes are captured
    for table in cdc.TABLES:
        capture.drain(table)
    # Then replaying the batches gives every source table exactly, and no version twice
    for name, table in cdc.TABLES.items():
        changes = capture.captured(name)
        versions = Counter((r[table.key], r["changed_at"], r["change_op"]) for r in changes)
        assert max(versions.values()) == 1, name
        latest: dict = {}
        for r in sorted(changes, key=lambda r: r["changed_at"]):
            latest[r[table.key]] = r
        replayed = sorted(
            tuple(r[c] for c in table.column_names) for r in latest.values() if r["change_op"] == "upsert"
        )
        columns = ", ".join(table.column_names)
        source = sorted(capture.sql(f"select {columns} from {name}"))  # noqa: S608 - the module's names
        assert replayed == source, name


@pytest.fixture(params=["local", "dynamodb"])
def watermark_store(request, tmp_path):
    if request.param == "local":
        yield lambda: cdc.LocalWatermarks(tmp_path / "state")
        return
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        client.create_table(TableName="shoplake-test-cdc-state", BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])  # fmt: skip
        yield lambda: cdc.DynamoWatermarks("shoplake-test-cdc-state", client)


def test_two_runs_at_once_cannot_both_move_a_watermark(watermark_store):
    # Given two runs of one table that loaded the same state
    first, second = watermark_store(), watermark_store()
    assert first.load("fact_sales") == second.load("fact_sales") == cdc.TableState()
    moved = cdc.TableState(cdc.Watermark(datetime(2026, 12, 1, 10, 0, 0, 1, tzinfo=UTC), "7"), cdc.BEGINNING)
    # When the first saves / Then the second's save is refused, and a fresh load sees the first's
    first.save("fact_sales", moved)
    with pytest.raises(cdc.ConcurrentExtraction):
        second.save("fact_sales", cdc.TableState())
    assert watermark_store().load("fact_sales") == moved
    # and the first may go on (its own version moved with it)
    first.save("fact_sales", cdc.TableState(moved.rows, moved.deletes, None))
