"""Where things live in the processed bucket.

::

    <table>/source=<source_id>/run=<run_id>/[review_year=YYYY/]part-*.parquet   published data
    _work/<dataset>/<run_id>/…                                                   a run's scratch space
    _manifests/<dataset>/sources/<source_id>.json    the commit: which run's files are current
    _manifests/<dataset>/runs/<run_id>.json          one manifest per execution (counts, timings)
    _segments/<table>/<segment_id>/part-00000.parquet   compacted copies of many sources' files
    _manifests/<dataset>/segments/<id>.json          a segment: which sources, at which manifest version

Output is keyed by source object: a source's files sit under their own ``source=`` prefix
and the source manifest names the one run whose files are current. Publishing a new run
writes its files under a new ``run=`` prefix, then replaces the source manifest (a single
atomic PUT), then deletes the previous run's files. A reader that lists files through the
manifests (the DuckDB warehouse) or refreshes by prefix after the commit (Snowflake) never
sees half of a run.

Segments (shoplake.core.compaction) are copies of many small sources' files merged into one
file per table and partition; the per-source files stay the record. They sit outside every
table's prefix, so a reader that does not know segments (an external table anchored on
``<table>/source=``) never counts a row twice.
"""

from __future__ import annotations

import hashlib

from shoplake.core.storage import join


def source_id(source_uri: str) -> str:
    """Stable id of a source object (bucket + key), independent of its content or version."""
    return hashlib.sha256(source_uri.encode()).hexdigest()[:16]


def table_root(processed_root: str, table: str) -> str:
    return join(processed_root, table)


def source_prefix(processed_root: str, table: str, sid: str) -> str:
    return join(processed_root, table, f"source={sid}") + "/"


def run_prefix(processed_root: str, table: str, sid: str, run_id: str) -> str:
    return join(processed_root, table, f"source={sid}", f"run={run_id}") + "/"


def work_prefix(processed_root: str, dataset: str, run_id: str) -> str:
    return join(processed_root, "_work", dataset, run_id) + "/"


def clean_manifest_uri(processed_root: str, dataset: str, run_id: str) -> str:
    return join(work_prefix(processed_root, dataset, run_id), "clean_manifest.json")


def source_manifest_uri(processed_root: str, dataset: str, sid: str) -> str:
    return join(processed_root, "_manifests", dataset, "sources", f"{sid}.json")


def source_manifests_prefix(processed_root: str, dataset: str) -> str:
    return join(processed_root, "_manifests", dataset, "sources") + "/"


def run_manifest_uri(processed_root: str, dataset: str, run_id: str) -> str:
    return join(processed_root, "_manifests", dataset, "runs", f"{run_id}.json")


def run_manifests_prefix(processed_root: str, dataset: str) -> str:
    return join(processed_root, "_manifests", dataset, "runs") + "/"


def segment_prefix(processed_root: str, table: str, segment_id: str) -> str:
    """A segment's files: one per table, the partition value a column (no hive keys in the path)."""
    return join(processed_root, "_segments", table, segment_id) + "/"


def is_segment_file(uri: str) -> bool:
    return "/_segments/" in uri


def segment_manifest_uri(processed_root: str, dataset: str, segment_id: str) -> str:
    return join(processed_root, "_manifests", dataset, "segments", f"{segment_id}.json")


def segment_manifests_prefix(processed_root: str, dataset: str) -> str:
    return join(processed_root, "_manifests", dataset, "segments") + "/"
