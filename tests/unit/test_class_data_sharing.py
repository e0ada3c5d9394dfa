"""The JVM class-data sharing archive: made once by a process, adopted by the next ones."""

from __future__ import annotations

import os
import subprocess
import sys

from shoplake.core.spark import class_data_sharing


def old(path, seconds=120):
    stat = path.stat()
    os.utime(path, (stat.st_atime - seconds, stat.st_mtime - seconds))


def dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(child.stdout)


def test_the_first_process_dumps_an_archive_of_its_own_and_the_next_adopts_it(tmp_path):
    # Given no archive: the JVM is asked to dump one under this process's name
    option = class_data_sharing(tmp_path)
    [flag] = [o for o in option.split() if o.startswith("-XX:")]
    name, value = flag.split("=", 1)
    assert name == "-XX:ArchiveClassesAtExit"
    assert value.endswith(f".jsa.{os.getpid()}.partial")
    # When that process is gone and its archive written a while ago
    finished = tmp_path / value.rsplit("/", 1)[1].replace(f".{os.getpid()}.", f".{dead_pid()}.")
    finished.write_bytes(b"archive")
    old(finished)
    # Then the next process maps it, under the archive's own name
    option = class_data_sharing(tmp_path)
    archive = value.removesuffix(f".{os.getpid()}.partial")
    assert f"-XX:SharedArchiveFile={archive}" in option.split()
    assert sorted(p.name for p in tmp_path.iterdir()) == [archive.rsplit("/", 1)[1]]


def test_an_archive_still_being_written_or_a_second_one_is_not_taken(tmp_path):
    option = class_data_sharing(tmp_path)
    value = option.split()[0].split("=", 1)[1]
    base = value.removesuffix(f".{os.getpid()}.partial").rsplit("/", 1)[1]
    # a live process's archive, and a dead one's written just now: neither is taken
    live = tmp_path / f"{base}.{os.getpid()}.partial"
    live.write_bytes(b"x")
    old(live)
    fresh = tmp_path / f"{base}.{dead_pid()}.partial"
    fresh.write_bytes(b"x")
    assert class_data_sharing(tmp_path).split()[0].startswith("-XX:ArchiveClassesAtExit=")
    # once an archive exists, a finished extra one is removed
    (tmp_path / base).write_bytes(b"archive")
    old(fresh)
    assert class_data_sharing(tmp_path).split()[0] == f"-XX:SharedArchiveFile={tmp_path / base}"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([base, live.name])


def test_it_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPLAKE_SPARK_CDS", "0")
    assert class_data_sharing(tmp_path) == ""
    assert list(tmp_path.iterdir()) == []
