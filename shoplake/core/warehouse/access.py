"""One writer at a time, readers never blocked for long: access to the local DuckDB warehouse file.

DuckDB lets one process open a database file for writing, or any number of processes open it
read-only, never both. Two ``shoplake`` commands on one ``$SHOPLAKE_HOME`` (an ``ingest`` while
``shoplake up`` runs, a ``sql`` query or the dashboard while a transform writes) would otherwise
fail on DuckDB's file lock. So:

* **writers** (the refresh step's view rebuild, the dbt transform) take an exclusive ``flock`` on
  ``<warehouse>.lock`` first and wait for it, so they run one after the other across processes;
  the lock goes with its process, so a crashed writer never leaves it held;
* after a write session that changes what readers see, the writer publishes a **read snapshot**:
  a copy of the file (``<warehouse>.snapshot.duckdb``), replaced in one rename;
* **readers** take a shared lock without waiting: when they get it no writer is active and they
  read the warehouse itself; when a writer holds it they read the snapshot (the state after the
  last finished write session), and only without a snapshot do they wait for the writer.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WarehouseBusy(RuntimeError):
    """A reader waited longer than its timeout for a writer, with no snapshot to read instead."""


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


def snapshot_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.stem + ".snapshot" + warehouse.suffix)


@contextmanager
def _flock(path: Path, mode: int, *, blocking: bool) -> Iterator[bool]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, mode | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def writing(warehouse: Path, *, publish: bool = False, on_wait=None) -> Iterator[None]:
    """Hold the warehouse's writer lock (waiting for it); publish a read snapshot at the end.

    ``on_wait()`` is called once if another process holds the lock (to tell the user why).
    """
    warehouse = Path(warehouse)
    with _flock(lock_path(warehouse), fcntl.LOCK_EX, blocking=False) as got:
        if got:
            yield
            if publish:
                publish_snapshot(warehouse)
            return
    if on_wait is not None:
        on_wait()
    with _flock(lock_path(warehouse), fcntl.LOCK_EX, blocking=True):
        yield
        if publish:
            publish_snapshot(warehouse)


def publish_snapshot(warehouse: Path) -> None:
    """Copy the (closed, checkpointed) warehouse to the snapshot path in one rename. The caller
    holds the writer lock."""
    if not warehouse.is_file():
        return
    target = snapshot_path(warehouse)
    partial = target.with_name(target.name + f".{os.getpid()}.tmp")
    shutil.copyfile(warehouse, partial)
    os.replace(partial, target)


@contextmanager
def reading(warehouse: Path, *, timeout: float = 600.0, poll: float = 0.2) -> Iterator[Path]:
    """The file to open read-only now: the warehouse (no writer active; the shared lock is held
    while reading) or the last published snapshot (a writer is active). Without a snapshot, wait
    up to ``timeout`` seconds for the writer; raise WarehouseBusy after that."""
    warehouse = Path(warehouse)
    deadline = time.monotonic() + timeout
    while True:
        with _flock(lock_path(warehouse), fcntl.LOCK_SH, blocking=False) as got:
            if got:
                yield warehouse
                return
        snapshot = snapshot_path(warehouse)
        if snapshot.is_file():
            yield snapshot
            return
        if time.monotonic() > deadline:
            raise WarehouseBusy(f"{warehouse} is being written and has no read snapshot yet; try again shortly")
        time.sleep(poll)
