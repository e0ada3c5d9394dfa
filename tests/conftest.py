"""Shared fixtures: one SparkSession per pytest process, and a throwaway SHOPLAKE_HOME."""

from __future__ import annotations

import os
import time

import pytest

# Spark hands timestamps to Python as naive local times: make "local" UTC so tests read UTC.
os.environ["TZ"] = "UTC"
time.tzset()


@pytest.fixture(scope="session")
def spark():
    """The process's one SparkSession (a JVM start costs ~8 s; every Spark test shares it)."""
    from shoplake.core.spark import get_spark

    return get_spark()


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A temporary SHOPLAKE_HOME with the local storage backend."""
    root = tmp_path / "home"
    root.mkdir()
    monkeypatch.setenv("SHOPLAKE_HOME", str(root))
    monkeypatch.setenv("STORAGE_BACKEND", "local")
    return root
