"""One writer at a time across processes, readers on a snapshot meanwhile, and announcements that
arrive together or during a run coalesced into one transform run (shoplake.local.transform)."""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
from pathlib import Path

import duckdb
import pytest

from shoplake.core.warehouse import access
from shoplake.local import transform as local
from shoplake.orchestration.assets import tables_of_announcements


def _warehouse(home: Path, value: int) -> Path:
    path = home / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create or replace table t as select ? as v", [value])
    return path


def _read(path: Path) -> int:
    with access.reading(path, timeout=2) as readable, duckdb.connect(str(readable), read_only=True) as con:
        return con.execute("select v from t").fetchone()[0]


def _hold_writer(path: str, ready, release) -> None:
    with access.writing(Path(path)):
        ready.set()
        release.wait(30)


@pytest.fixture
def writer_elsewhere():
    """Another process holding the warehouse's writer lock until told to release it."""
    ctx = multiprocessing.get_context("spawn")
    procs = []

    def start(path: Path):
        ready, release = ctx.Event(), ctx.Event()
        proc = ctx.Process(target=_hold_writer, args=(str(path), ready, release))
        proc.start()
        assert ready.wait(30)
        procs.append((proc, release))
        return release

    yield start
    for proc, release in procs:
        release.set()
        proc.join(30)


def test_readers_read_the_warehouse_when_no_writer_is_active(tmp_path):
    path = _warehouse(tmp_path, 1)
    assert _read(path) == 1


def test_while_another_process_writes_readers_read_the_last_snapshot(tmp_path, writer_elsewhere):
    # Given a published snapshot, then a newer warehouse, and another process writing
    path = _warehouse(tmp_path, 1)
    with access.writing(path):
        access.publish_snapshot(path)
    _warehouse(tmp_path, 2)
    release = writer_elsewhere(path)
    # When a reader reads, Then it gets the snapshot's consistent state at once
    started = time.monotonic()
    assert _read(path) == 1
    assert time.monotonic() - started < 1.5
    # and once the writer is done, the warehouse itself
    release.set()
    deadline = time.monotonic() + 10
    while _read(path) != 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _read(path) == 2


def test_without_a_snapshot_a_reader_waits_for_the_writer_then_gives_up_clearly(tmp_path, writer_elsewhere):
    path = _warehouse(tmp_path, 1)
    writer_elsewhere(path)
    with (
        pytest.raises(access.WarehouseBusy, match="is being written and has no read snapshot yet"),
        access.reading(path, timeout=0.5),
    ):
        pass


def test_a_second_writer_waits_for_the_first(tmp_path, writer_elsewhere):
    path = _warehouse(tmp_path, 1)
    release = writer_elsewhere(path)
    waited = []
    threading.Timer(0.5, release.set).start()
    started = time.monotonic()
    with access.writing(path, on_wait=lambda: waited.append(True)):
        elapsed = time.monotonic() - started
    assert waited == [True]
    assert elapsed >= 0.4


# -- coalescing --------------------------------------------------------------------------------
def _announcement(table: str, run: str) -> dict:
    return {"run_id": run, "assets": [f"shoplake://warehouse/raw/{table}", "shoplake://warehouse/raw/pipeline_runs"]}


def test_announcements_queued_together_are_one_run(tmp_path, monkeypatch):
    calls = []

    def fake_run_dag(home, *, full_refresh=False, announcements=None):
        calls.append({"announcements": announcements, "full_refresh": full_refresh})
        return {"state": "success", "tasks": {}, "seconds": 0.0}

    monkeypatch.setattr(local, "run_dag", fake_run_dag)
    queue = local.TransformQueue(tmp_path)
    # Given three batches queued (one by this process, two that arrived meanwhile)
    first = queue.submit([_announcement("reviews", "r1")])
    second = queue.submit([_announcement("products", "p1"), _announcement("products", "p2")])
    third = queue.submit([_announcement("reviews", "r3")], full_refresh=True)
    # When this process runs its ticket
    summary = queue.run(first)
    # Then one DAG run took all four announcements (and the full refresh one of them asked for)
    assert calls == [
        {
            "announcements": [
                _announcement("reviews", "r1"),
                _announcement("products", "p1"),
                _announcement("products", "p2"),
                _announcement("reviews", "r3"),
            ],
            "full_refresh": True,
        }
    ]
    assert (summary["announcements"], summary["batches"]) == (4, 3)
    assert list(queue.pending.glob("*.json")) == []
    # and the other batches' owners get that run's result without running again
    assert queue.run(second) == {**summary, "coalesced": True}
    assert queue.run(third) == {**summary, "coalesced": True}
    assert len(calls) == 1


def test_an_announcement_made_during_a_run_goes_into_the_next_one(tmp_path, monkeypatch):
    queue = local.TransformQueue(tmp_path)
    seen = []
    late = {}

    def fake_run_dag(home, *, full_refresh=False, announcements=None):
        seen.append([a["run_id"] for a in announcements])
        if len(seen) == 1:
            # another process queues while this run is going
            late["ticket"] = queue.submit([_announcement("reviews", "late")])
        return {"state": "success", "tasks": {}, "seconds": 0.0}

    monkeypatch.setattr(local, "run_dag", fake_run_dag)
    queue.run(queue.submit([_announcement("reviews", "early")]))
    queue.run(late["ticket"])
    assert seen == [["early"], ["late"]]


def test_the_tables_of_announcements_in_every_wrapping():
    message = _announcement("reviews", "r1")
    assert tables_of_announcements([message]) == ["reviews", "pipeline_runs"]
    assert tables_of_announcements([json.dumps(message)]) == ["reviews", "pipeline_runs"]
    # a message-queue trigger's event extra carries the message as its payload
    assert tables_of_announcements([{"payload": json.dumps(message)}]) == ["reviews", "pipeline_runs"]
    assert tables_of_announcements([{"payload": {"body": json.dumps(message)}}]) == ["reviews", "pipeline_runs"]
    # unknown assets and junk are ignored
    assert tables_of_announcements([{"assets": ["shoplake://warehouse/raw/nope"]}, "not json", 42]) == []
