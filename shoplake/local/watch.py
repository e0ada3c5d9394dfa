"""``shoplake up``: a landing folder that behaves like the raw bucket.

A file dropped in the landing folder (or a sub-folder) is processed like an S3 upload: once it
has stopped growing, it is landed under the dataset's prefix, keeping its name, and its
"Object Created" event runs through the local stack. The file then leaves the landing folder
(into ``landing/.processed/``), so dropping it again processes it again.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer

from shoplake.local.runtime import LocalCloud, RunResult


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


def watch(
    landing: Path,
    *,
    dataset: str,
    report: Callable[[RunResult], None],
    poll_seconds: float = 1.0,
    stop: threading.Event | None = None,
) -> None:
    stop = stop or threading.Event()
    wakeup = threading.Event()
    observer = Observer()
    observer.schedule(_Wakeup(wakeup), str(landing), recursive=True)
    observer.start()
    done = landing / ".processed"
    sizes: dict[Path, int] = {}
    try:
        with LocalCloud() as cloud:
            while not stop.is_set():
                for path in _ready_files(landing, sizes):
                    name = path.relative_to(landing).as_posix()
                    result = cloud.process(cloud.land(path, dataset=dataset, name=name), file=name)
                    target = done / time.strftime("%Y%m%dT%H%M%S") / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.move(str(path), target)
                    report(result)
                wakeup.wait(poll_seconds)
                wakeup.clear()
    finally:
        observer.stop()
        observer.join()
