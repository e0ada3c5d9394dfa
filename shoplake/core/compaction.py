"""Compaction: many small sources' committed files merged into segments, without giving up
per-source replacement or atomic visibility.

Output is keyed by source object, so every small file that lands adds a file per table and
partition. A reader's cost grows with files (a DuckDB view opens each footer; Snowflake keeps
a registry row, a notification and an open per file). A **segment** is a copy of many sources'
current files merged into one file per table (the partition value a column, rows sorted by it),
under ``_segments/<table>/<id>/``, with a manifest (``_manifests/<dataset>/segments/<id>.json``)
that names each source and the *version* of the source manifest it copied (the S3 ETag; the
local store's stand-in tag).

* **The per-source files stay the record.** Publishing, re-delivery and replay never touch
  segments; a segment can be deleted at any time and readers fall back to the sources' files.
* **A segment is read only while it is exact.** It is *live* while every source it holds still
  has the manifest version it recorded. Re-delivering one of its sources (a new run, a new
  source manifest) makes it stale: readers then read that source's new files and the other
  sources' own files again, until the next compaction folds them into a new segment. So a
  source is read from exactly one place, whatever order writers and readers run in.
* **Commit is one PUT.** The segment's files are written first, the row counts reconciled
  against the source manifests (and, on Snowflake, the files registered), then its manifest
  is written: a reader lists it or it does not.
  A merge writes the merged segment first; a reader that still sees the old ones drops any
  segment holding a source a newer live segment holds. Files of retired segments are deleted
  only after the caller has switched its readers (``after_commit``), and in the cloud only
  after a grace period (``Policy.retire_after_seconds``).
* **Readers list, they do not read every manifest.** Liveness comes from one listing of the
  source manifests with their tags (``ObjectStore.list_tags``: 1,000 keys per S3 request); only
  the sources no live segment holds have their manifests read.

Costs per compaction: reading and rewriting the chosen sources' files once (a merge rewrites
the merged segments' rows again), one listing, one manifest GET per chosen source, one PUT per
output file plus the segment manifest. Storage: compacted rows are stored twice.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shoplake.core import errors, layout
from shoplake.core.contracts import Dataset
from shoplake.core.storage import ObjectStore, read_json, write_json


@dataclass(frozen=True)
class Policy:
    """When to compact and what: size-tiered, like an LSM tree's compaction."""

    min_sources: int = 4  # compact once this many small sources sit outside every live segment
    fanout: int = 4  # this many live segments of one tier merge into one of the next tier
    max_source_rows: int = 200_000  # a source this large keeps its own files (they are big already)
    # No segment grows past this (a merge holds its rows in memory: ~1 GB at the default), and a
    # segment this large is not merged again.
    max_segment_rows: int = 1_000_000
    # How long a retired segment's files outlive it. 0 where every reader switches before the
    # files go (the local warehouse, under its writer lock); in the cloud a view re-created a
    # moment earlier from an older state may still name the segment, until the next refresh.
    retire_after_seconds: int = 0

    def tier(self, segment: dict[str, Any]) -> int:
        """0 for a segment of up to fanout × min_sources sources, 1 up to fanout² × min_sources, …"""
        tier, size = 0, self.min_sources * self.fanout
        while len(segment["sources"]) >= size:
            tier, size = tier + 1, size * self.fanout
        return tier


@dataclass
class LakeState:
    """What a reader needs: the current version of every source manifest, and the live segments."""

    dataset: str
    processed_root: str
    sources: dict[str, str]  # source id -> manifest tag
    live: list[dict[str, Any]] = field(default_factory=list)  # newest first
    retired: list[dict[str, Any]] = field(default_factory=list)  # stale or superseded
    # retired earlier, files kept for Policy.retire_after_seconds (the manifest says since when)
    retiring: list[dict[str, Any]] = field(default_factory=list)

    def covered(self) -> set[str]:
        return {sid for seg in self.live for sid in seg["sources"]}

    def uncovered(self) -> list[str]:
        covered = self.covered()
        return sorted(sid for sid in self.sources if sid not in covered)


def _source_id(manifest_uri: str) -> str:
    return manifest_uri.rsplit("/", 1)[1].removesuffix(".json")


def lake_state(store: ObjectStore, processed_root: str, dataset: str) -> LakeState:
    tags = store.list_tags(layout.source_manifests_prefix(processed_root, dataset))
    sources = {_source_id(uri): tag for uri, tag in tags.items() if uri.endswith(".json")}
    state = LakeState(dataset, processed_root, sources)
    segment_uris = [
        u for u in store.list(layout.segment_manifests_prefix(processed_root, dataset)) if u.endswith(".json")
    ]
    held: set[str] = set()
    for uri in sorted(segment_uris, reverse=True):  # ids sort by creation time: newest first
        segment = _read_if_there(store, uri)
        if segment is None:  # retired between the listing and the read
            continue
        if "retired_at" in segment:
            state.retiring.append(segment)
            continue
        exact = all(sources.get(sid) == entry["tag"] for sid, entry in segment["sources"].items())
        if exact and held.isdisjoint(segment["sources"]):
            state.live.append(segment)
            held.update(segment["sources"])
        else:
            state.retired.append(segment)
    return state


def _read_if_there(store: ObjectStore, uri: str) -> dict[str, Any] | None:
    try:
        return json.loads(store.get_bytes(uri))
    except FileNotFoundError:
        return None
    except Exception as exc:  # S3: a NoSuchKey ClientError
        if getattr(exc, "response", {}).get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise


def current_files(store: ObjectStore, dataset: Dataset, state: LakeState) -> dict[str, list[str]]:
    """Every table's files to read: the live segments', then each other source's own committed files."""
    files: dict[str, list[str]] = {t.name: [] for t in dataset.tables}
    for segment in state.live:
        for table, table_files in segment["tables"].items():
            files[table].extend(table_files)
    for sid in state.uncovered():
        manifest = _read_source_manifest(store, state.processed_root, dataset.name, sid)
        for table, table_files in manifest["tables"].items():
            files[table].extend(table_files)
    return files


def _read_source_manifest(store: ObjectStore, processed_root: str, dataset: str, sid: str) -> dict[str, Any]:
    return read_json(store, layout.source_manifest_uri(processed_root, dataset, sid))


def _partition_value(uri: str, column: str | None) -> str | None:
    if column is None:
        return None
    match = re.search(rf"/{re.escape(column)}=([^/]+)/", uri)
    if not match:
        raise errors.ConfigurationError(f"{uri} has no {column}= path segment")
    return match.group(1)


def plan(state: LakeState, manifests: Callable[[str], dict[str, Any]], policy: Policy, force: bool = False):
    """(sources to put in the new segment, live segments it replaces), or None when nothing is due.

    Small uncovered sources become a segment once there are ``min_sources`` of them; then, when
    one tier holds ``fanout`` live segments, they merge into one of the next tier. A source is
    rewritten about log_fanout(sources / min_sources) times in all, and a reader reads at most
    ``fanout - 1`` segments per tier plus fewer than ``min_sources`` sources' own files.
    ``force`` merges every segment below ``max_segment_rows`` and every small source into one.
    """
    rows = {sid: sum(manifests(sid)["row_counts"].values()) for sid in state.uncovered()}
    small = [sid for sid, n in rows.items() if n <= policy.max_source_rows]
    mergeable = [seg for seg in state.live if _rows(seg) < policy.max_segment_rows]
    if force:
        merge = mergeable if len(mergeable) > 1 or (mergeable and small) else []
        merge, room = _within(merge, [_rows(seg) for seg in merge], policy.max_segment_rows)
        small, _ = _within(small, [rows[sid] for sid in small], room)
        if not small and len(merge) < 2:
            return None
        return small + sorted(sid for seg in merge for sid in seg["sources"]), merge
    if len(small) >= policy.min_sources:
        # a burst of small sources: the first max_segment_rows of them now, the rest next time
        return _within(small, [rows[sid] for sid in small], policy.max_segment_rows)[0], []
    tiers: dict[int, list[dict[str, Any]]] = {}
    for seg in mergeable:
        tiers.setdefault(policy.tier(seg), []).append(seg)
    for tier in sorted(tiers):
        if len(tiers[tier]) >= policy.fanout:
            merge = sorted(tiers[tier], key=lambda seg: seg["segment_id"])[: policy.fanout]
            if sum(_rows(seg) for seg in merge) <= policy.max_segment_rows:
                return sorted(sid for seg in merge for sid in seg["sources"]), merge
    return None


def _rows(segment: dict[str, Any]) -> int:
    return sum(segment["row_counts"].values())


def _within(items: list, sizes: list[int], budget: int) -> tuple[list, int]:
    """The longest prefix of ``items`` whose sizes fit the budget (at least one item), and what is left of it."""
    taken, used = [], 0
    for item, size in zip(items, sizes, strict=True):
        if taken and used + size > budget:
            break
        taken.append(item)
        used += size
    return taken, budget - used


def compact(
    store: ObjectStore,
    processed_root: str,
    dataset: Dataset,
    *,
    policy: Policy = Policy(),  # noqa: B008 - frozen
    force: bool = False,
    before_commit: Callable[[dict[str, Any]], None] | None = None,
    after_commit: Callable[[dict[str, Any] | None], None] | None = None,
    after_retire: Callable[[list[dict[str, Any]]], None] | None = None,
) -> dict[str, Any]:
    """Write one segment if the policy says one is due (``force``: any small uncovered source
    is enough); then retire what it replaces and any stale segment.

    ``before_commit(segment)`` runs once the segment's files are written and reconciled, before
    its manifest makes it visible (Snowflake registers the files; an error there leaves no
    segment). ``after_commit(segment)`` runs after the new segment's manifest is written (``None``: only
    stale segments retire) and before retired segments' files are deleted: the place to switch
    readers to the new file set (the DuckDB views; Snowflake's registration and views).
    ``after_retire(segments)`` runs once their files are gone (Snowflake drops their
    registrations): at once, or on the first compaction after ``retire_after_seconds``."""
    state = lake_state(store, processed_root, dataset.name)
    cache: dict[str, dict[str, Any]] = {}

    def manifest(sid: str) -> dict[str, Any]:
        if sid not in cache:
            cache[sid] = _read_source_manifest(store, processed_root, dataset.name, sid)
        return cache[sid]

    chosen = plan(state, manifest, policy, force)
    report: dict[str, Any] = {"dataset": dataset.name, "segment": None, "sources": 0, "files_before": 0}
    segment = None
    if chosen is not None:
        sources, merged = chosen
        segment = _write_segment(
            store, processed_root, dataset, {sid: (state.sources[sid], manifest(sid)) for sid in sources}
        )
        try:
            if before_commit is not None:
                before_commit(segment)
        except Exception:
            store.delete([f for files in segment["tables"].values() for f in files])
            raise
        write_json(store, layout.segment_manifest_uri(processed_root, dataset.name, segment["segment_id"]), segment)
        report.update(
            segment=segment["segment_id"],
            sources=len(sources),
            merged=[s["segment_id"] for s in merged],
            rows=_rows(segment),
            files_before=sum(len(f) for sid in sources for f in manifest(sid)["tables"].values()),
            files_after=sum(len(f) for f in segment["tables"].values()),
        )
        state.retired.extend(merged)
    if after_commit is not None and (segment is not None or state.retired):
        after_commit(segment)
    # Retire: the manifest first (readers stop listing it), then its files, now or after the grace period.
    now = datetime.now(UTC)
    due = [
        old
        for old in state.retiring
        if (now - datetime.fromisoformat(old["retired_at"])).total_seconds() >= policy.retire_after_seconds
    ]
    for old in state.retired:
        uri = layout.segment_manifest_uri(processed_root, dataset.name, old["segment_id"])
        if policy.retire_after_seconds > 0:
            write_json(store, uri, old | {"retired_at": now.isoformat()})
        else:
            due.append(old)
    for old in due:
        store.delete([layout.segment_manifest_uri(processed_root, dataset.name, old["segment_id"])])
        store.delete([f for files in old["tables"].values() for f in files])
    if after_retire is not None and due:
        after_retire(due)
    report["retired"] = [s["segment_id"] for s in state.retired]
    report["deleted"] = [s["segment_id"] for s in due]
    return report


def _write_segment(
    store: ObjectStore, processed_root: str, dataset: Dataset, sources: dict[str, tuple[str, dict[str, Any]]]
) -> dict[str, Any]:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    segment_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:8]
    tables: dict[str, list[str]] = {}
    row_counts: dict[str, int] = {}
    for table in dataset.tables:
        uris = [u for _tag, m in sources.values() for u in m["tables"].get(table.name, [])]
        tables[table.name], row_counts[table.name] = [], 0
        if not uris:
            continue
        files = [pq.ParquetFile(pa.BufferReader(store.get_bytes(u))) for u in uris]
        parts = []
        for uri, f in zip(uris, files, strict=True):
            part = f.read()
            if table.partition_by:  # the value the source's path held becomes a column
                value = _partition_value(uri, table.partition_by)
                part = part.append_column(table.partition_by, pa.array([value] * part.num_rows, pa.string()))
            parts.append(part)
        merged = pa.concat_tables(parts, promote_options="permissive")
        if table.partition_by:  # sorted, so row groups' statistics prune on the partition column
            merged = merged.sort_by(table.partition_by)
        sink = io.BytesIO()
        pq.write_table(merged, sink, compression="snappy", row_group_size=122_880)
        dest = layout.segment_prefix(processed_root, table.name, segment_id) + "part-00000.parquet"
        store.put_bytes(dest, sink.getvalue())
        tables[table.name].append(dest)
        row_counts[table.name] = merged.num_rows
    expected = {t.name: sum(m["row_counts"].get(t.name, 0) for _tag, m in sources.values()) for t in dataset.tables}
    if expected != row_counts:
        store.delete([f for files in tables.values() for f in files])
        raise errors.WarehouseRefreshError(
            f"segment {segment_id}: wrote {row_counts} rows, the sources hold {expected}"
        )
    segment = {
        "segment_id": segment_id,
        "dataset": dataset.name,
        "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "sources": {sid: {"tag": tag, "run_id": m["run_id"]} for sid, (tag, m) in sorted(sources.items())},
        "tables": tables,
        "row_counts": row_counts,
    }
    return segment
