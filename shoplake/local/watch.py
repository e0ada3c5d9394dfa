"""``shoplake up``: a landing folder that behaves like the raw bucket.

A file dropped in the landing folder is processed like an S3 upload: once it has stopped growing,
it is landed under a dataset's prefix, keeping its path, and its "Object Created" event runs
through the local stack. A file under ``landing/<dataset>/`` (e.g.
``landing/transactions/date=2026-12-01/orders.csv``) lands under that dataset, any other under the
default one. The files that became ready together are transformed together, once. Each file then
leaves the landing folder (into ``landing/.processed/``), so dropping it again processes it again.
With ``generate_every``, the cart-event generator's schedule runs here too; with
``capture_every``, the change capture from the local operational database (``shoplake source
start``), its batches taking the same path. After a batch, each dataset it published to is
compacted when enough small sources have piled up (shoplake.core.compaction).
"""

from __future__ import annotations

import contextlib
import shutil
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer

from shoplake.datasets import DATASETS
from shoplake.local.results import RunResult
from shoplake.local.runtime import LocalCloud
from shoplake.tooling.capture import capture


class _Wakeup(FileSystemEventHandler):
    def __init__(self, flag: threading.Event):
        self.flag = flag

    def on_any_event(self, event) -> None:
        self.flag.set()


def _ready_files(landing: Path, sizes: dict[Path, int]) -> list[Path]:
    """Files whose size did not change since the last look (the writer has finished)."""
    ready = []
    current = {
        p: p.stat().st_size
        for p in landing.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(landing).parts)
    }
    for p, size in current.items():
        if sizes.get(p) == size:
            ready.append(p)
    sizes.clear()
    sizes.update({p: s for p, s in current.items() if p not in ready})
    return sorted(ready)


def destination(landing: Path, path: Path, default_dataset: str) -> tuple[str, str]:
    """(dataset, key under its prefix) of a file in the landing folder."""
    parts = path.relative_to(landing).parts
    if len(parts) > 1 and parts[0] in DATASETS:
        return parts[0], "/".join(parts[1:])
    return default_dataset, "/".join(parts)


@contextlib.contextmanager
def _warm_transforms(cloud: LocalCloud):
    """Keep a transform worker running while watching: each batch's transform then starts with
    Airflow, the DAG and dbt already loaded (shoplake.local.transform.TransformWorker)."""
    if not cloud.run_transforms:
        yield
        return
    from shoplake.local.transform import TransformWorker

    with TransformWorker(cloud.home):
        yield


def watch(
    landing: Path,
    *,
    dataset: str,
    report: Callable[[RunResult], None],
    report_transform: Callable[[dict], None] | None = None,
    report_compaction: Callable[[dict], None] | None = None,
    poll_seconds: float = 1.0,
    stop: threading.Event | None = None,
    generate_every: float | None = None,
    capture_every: float | None = None,
    source_uri: Callable[[], str] | None = None,
) -> None:
    stop = stop or threading.Event()
    wakeup = threading.Event()
    observer = Observer()
    observer.schedule(_Wakeup(wakeup), str(landing), recursive=True)
    observer.start()
    done = landing / ".processed"
    sizes: dict[Path, int] = {}
    try:
        every = round(generate_every) if generate_every else 900
        with LocalCloud(cart_events_every_seconds=every) as cloud, _warm_transforms(cloud):
            next_generation = time.time() if generate_every else None
            next_capture = time.time() if capture_every else None
            while not stop.is_set():
                results = []
                if next_generation is not None and time.time() >= next_generation:
                    # The schedule's run: its file enters the raw zone like an upload.
                    made = cloud.generate_cart_events(datetime.now(UTC))
                    if made["key"] is not None:
                        event = cloud.generated_object_event(made["key"])
                        result = cloud.process(event, file=made["key"], transform=False)
                        results.append(result)
                        report(result)
                    next_generation = (time.time() // every + 1) * every
                if next_capture is not None and capture_every and time.time() >= next_capture:
                    # The CDC schedule's run: a batch per table that changed, through the pipeline
                    # (transformed below, with the files that came meanwhile).
                    captured = capture(cloud, source_uri() if source_uri else "", transform=False)
                    for result in captured.results:
                        results.append(result)
                        report(result)
                    next_capture = time.time() + capture_every
                for path in _ready_files(landing, sizes):
                    target, key = destination(landing, path, dataset)
                    name = path.relative_to(landing).as_posix()
                    result = cloud.process(cloud.land(path, dataset=target, name=key), file=name, transform=False)
                    moved = done / time.strftime("%Y%m%dT%H%M%S") / name
                    moved.parent.mkdir(parents=True, exist_ok=True)
                    shutil.move(str(path), moved)
                    results.append(result)
                    report(result)
                summary = cloud.transform(results)
                if summary is not None:
                    for r in results:
                        cloud.record(r)
                    if report_transform is not None:
                        report_transform(summary)
                if any(r.announcements for r in results):
                    # The compaction function's run (its schedule, here after each batch that
                    # published): small sources merge into segments once enough have piled up.
                    # Rows are unchanged, so no transform follows; the lake stays fast as files land.
                    for compacted in cloud.compact_scheduled():
                        if compacted["segment"] and report_compaction is not None:
                            report_compaction(compacted)
                wakeup.wait(poll_seconds)
                wakeup.clear()
    finally:
        observer.stop()
        observer.join()
