"""Compaction's bookkeeping: when a segment is due, which segments a reader uses, what a merge retires."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shoplake.core import compaction, errors, layout
from shoplake.core.storage import LocalObjectStore
from shoplake.datasets import DATASETS

ROOT = "s3://processed"
REVIEWS = DATASETS["reviews"]


@pytest.fixture
def store(tmp_path):
    return LocalObjectStore(tmp_path / "lake")


def publish(store, name: str, rows: int, run: str = "r1", years=(2020,), claim: int | None = None) -> str:
    """A committed source: ``rows`` reviews per year, one file per year, and its source manifest."""
    sid = layout.source_id(f"s3://raw/reviews/{name}")
    files = []
    for year in years:
        uri = layout.run_prefix(ROOT, "reviews", sid, run) + f"review_year={year}/part-0.parquet"
        table = pa.table({"review_id": [f"{name}-{year}-{i}" for i in range(rows)], "run_id": [run] * rows})
        buf = pa.BufferOutputStream()
        pq.write_table(table, buf)
        store.put_bytes(uri, buf.getvalue().to_pybytes())
        files.append(uri)
    manifest = {
        "source_id": sid,
        "run_id": run,
        "tables": {"reviews": files},
        "row_counts": {"reviews": claim if claim is not None else rows * len(years)},
    }
    store.put_bytes(layout.source_manifest_uri(ROOT, "reviews", sid), json.dumps(manifest).encode())
    return sid


def rows_read(store, files: list[str]) -> list[str]:
    return sorted(r for f in files for r in pq.read_table(store.path(f)).column("review_id").to_pylist())


def files_now(store) -> list[str]:
    return compaction.current_files(store, REVIEWS, compaction.lake_state(store, ROOT, "reviews"))["reviews"]


def test_nothing_is_due_until_enough_small_sources_sit_outside_every_segment(store):
    policy = compaction.Policy(min_sources=3, max_source_rows=10)
    publish(store, "a", 2)
    publish(store, "b", 2)
    publish(store, "big", 6, years=(2020, 2021))  # 12 rows: keeps its own files
    assert compaction.compact(store, ROOT, REVIEWS, policy=policy)["segment"] is None

    publish(store, "c", 2)
    report = compaction.compact(store, ROOT, REVIEWS, policy=policy)

    assert (report["sources"], report["rows"], report["files_before"], report["files_after"]) == (3, 6, 3, 1)
    # the reader reads the segment's one file and the big source's two, and the same 18 rows as before
    assert len(files_now(store)) == 3
    expected = sorted(
        [f"{n}-2020-{i}" for n in "abc" for i in range(2)] + [f"big-{y}-{i}" for y in (2020, 2021) for i in range(6)]
    )
    assert rows_read(store, files_now(store)) == expected


def test_a_redelivered_source_makes_its_segment_stale_and_is_read_from_its_own_files(store):
    a, _b = publish(store, "a", 2), publish(store, "b", 3)
    first = compaction.compact(store, ROOT, REVIEWS, force=True)

    publish(store, "a", 1, run="r2")  # a new run of a: its segment no longer matches

    state = compaction.lake_state(store, ROOT, "reviews")
    assert (state.live, [s["segment_id"] for s in state.retired]) == ([], [first["segment"]])
    assert rows_read(store, files_now(store)) == ["a-2020-0", "b-2020-0", "b-2020-1", "b-2020-2"]
    second = compaction.compact(store, ROOT, REVIEWS, force=True)
    assert second["retired"] == [first["segment"]] and second["sources"] == 2
    assert not store.list(layout.segment_prefix(ROOT, "reviews", first["segment"]))
    assert rows_read(store, files_now(store)) == ["a-2020-0", "b-2020-0", "b-2020-1", "b-2020-2"]
    [manifest] = store.list(layout.segment_manifests_prefix(ROOT, "reviews"))
    assert json.loads(store.get_bytes(manifest))["sources"][a]["run_id"] == "r2"


def test_merging_segments_never_shows_a_source_twice(store):
    policy = compaction.Policy(min_sources=1, fanout=3)
    segments = []
    for name in "abc":
        publish(store, name, 1)
        segments.append(compaction.compact(store, ROOT, REVIEWS, policy=policy)["segment"])
    assert None not in segments
    publish(store, "d", 1)  # a small source waits for the next compaction: merges go first only when none is due
    assert compaction.compact(store, ROOT, REVIEWS, policy=policy)["sources"] == 1
    seen_between = []

    # When the lowest tier holds `fanout` segments (a, b, c; d's is the fourth), the first three merge
    merged = compaction.compact(
        store, ROOT, REVIEWS, policy=policy, after_commit=lambda _segment: seen_between.append(files_now(store))
    )

    assert (merged["sources"], merged["merged"], merged["retired"]) == (3, segments, segments)
    # between the merged segment's commit and the old ones' retirement, a reader already reads
    # the merged segment instead of the three it replaces (they hold sources it holds), and d's
    assert len(seen_between[0]) == 2
    assert rows_read(store, seen_between[0]) == ["a-2020-0", "b-2020-0", "c-2020-0", "d-2020-0"]
    assert rows_read(store, files_now(store)) == ["a-2020-0", "b-2020-0", "c-2020-0", "d-2020-0"]
    assert len(store.list(layout.segment_manifests_prefix(ROOT, "reviews"))) == 2


def test_a_segment_whose_rows_do_not_reconcile_is_not_committed(store):
    publish(store, "a", 2)
    publish(store, "b", 2, claim=3)  # the manifest claims a row its files do not hold

    with pytest.raises(errors.WarehouseRefreshError, match="wrote"):
        compaction.compact(store, ROOT, REVIEWS, force=True)

    assert store.list(f"{ROOT}/_segments/") == []
    assert store.list(layout.segment_manifests_prefix(ROOT, "reviews")) == []
    assert len(files_now(store)) == 2


def test_in_the_cloud_a_retired_segments_files_outlive_it_for_the_grace_period(store):
    publish(store, "a", 2)
    publish(store, "b", 1)
    first = compaction.compact(store, ROOT, REVIEWS, force=True)
    publish(store, "a", 1, run="r2")  # its segment goes stale
    graced = compaction.Policy(retire_after_seconds=3600)

    second = compaction.compact(store, ROOT, REVIEWS, policy=graced, force=True)

    # the stale segment is retired (no reader uses it) but its files stay for the grace period
    assert (second["retired"], second["deleted"]) == ([first["segment"]], [])
    state = compaction.lake_state(store, ROOT, "reviews")
    assert [s["segment_id"] for s in state.live] == [second["segment"]]
    assert [s["segment_id"] for s in state.retiring] == [first["segment"]]
    assert store.list(layout.segment_prefix(ROOT, "reviews", first["segment"]))
    assert rows_read(store, files_now(store)) == ["a-2020-0", "b-2020-0"]
    # a later compaction within the period keeps them; one after it deletes them
    assert compaction.compact(store, ROOT, REVIEWS, policy=graced)["deleted"] == []
    later = compaction.compact(store, ROOT, REVIEWS, policy=compaction.Policy(retire_after_seconds=0))
    assert later["deleted"] == [first["segment"]]
    assert not store.list(layout.segment_prefix(ROOT, "reviews", first["segment"]))
    assert store.list(layout.segment_manifests_prefix(ROOT, "reviews")) == [
        layout.segment_manifest_uri(ROOT, "reviews", second["segment"])
    ]


class SnowflakeLake:
    """Answers like Snowflake over the lake: REFRESH '<path>' registers exactly the objects under
    the path that the external table's pattern takes; EXTERNAL_TABLE_FILES lists them."""

    def __init__(self, store):
        self.store, self.registered, self.executed, self._rows = store, {}, [], []

    def cursor(self):
        return self

    def close(self):
        pass

    def execute(self, sql, params=()):
        self.executed.append((sql, params))
        if sql.startswith("ALTER EXTERNAL TABLE"):
            table = sql.split()[3].rsplit(".", 1)[1].strip('"')
            keys = [u.removeprefix(f"{ROOT}/") for u in self.store.list(f"{ROOT}/{params[0]}")]
            kind = "/_segments/" if table.endswith("__SEGMENTS") else "/source="
            self.registered[table] = {k for k in self.registered.get(table, set()) if not k.startswith(params[0])}
            self.registered[table] |= {k for k in keys if kind in f"/{k}" and k.endswith(".parquet")}
        elif "EXTERNAL_TABLE_FILES" in sql:
            table = params[0].rsplit(".", 1)[1]
            self._rows = [(k,) for k in sorted(self.registered.get(table, ())) if k.startswith(params[1])]
        return self

    def fetchall(self):
        return self._rows


def test_on_snowflake_a_segment_is_registered_before_it_is_committed_and_the_views_follow(store, monkeypatch):
    from types import SimpleNamespace

    from shoplake.core import warehouse
    from shoplake.core.warehouse import snowflake

    lake = SnowflakeLake(store)
    monkeypatch.setattr(snowflake, "connect_from_secret", lambda *_: lake)
    settings = SimpleNamespace(
        processed_bucket="processed",
        warehouse="snowflake",
        snowflake_secret_name="s",
        snowflake_database="SHOPLAKE",
        snowflake_schema="RAW",
    )
    sids = sorted(publish(store, name, 1) for name in "abcd")

    report = warehouse.compact_lake(settings, store, dataset="reviews")

    segment = report["segment"]
    [manifest] = store.list(layout.segment_manifests_prefix(ROOT, "reviews"))
    assert manifest.endswith(f"{segment}.json")
    # the segment's files were registered (and checked) first, then the views re-created to read it
    refreshes = [p[0] for sql, p in lake.executed if sql.startswith("ALTER EXTERNAL TABLE")]
    assert refreshes == [f"_segments/{t.name}/{segment}/" for t in REVIEWS.tables]
    assert lake.registered["REVIEWS__SEGMENTS"] == {f"_segments/reviews/{segment}/part-00000.parquet"}
    views = [(sql, p) for sql, p in lake.executed if sql.startswith("CREATE OR REPLACE VIEW")]
    assert [sql.split()[4] for sql, _ in views] == [f'"SHOPLAKE"."RAW"."{t.name.upper()}"' for t in REVIEWS.tables]
    assert all("SEGMENT_ID IN (%s)" in sql and "SOURCE_ID" not in sql and p == (segment,) for sql, p in views)

    # When one source is delivered again, the next compaction replaces the stale segment and
    # drops its registrations once its files are gone
    publish(store, "a", 2, run="r2")
    lake.executed.clear()
    second = warehouse.compact_lake(settings, store, dataset="reviews", policy=compaction.Policy(min_sources=4))

    assert second["retired"] == second["deleted"] == [segment]
    refreshes = [p[0] for sql, p in lake.executed if sql.startswith("ALTER EXTERNAL TABLE")]
    assert refreshes == [f"_segments/{t.name}/{s}/" for s in (second["segment"], segment) for t in REVIEWS.tables]
    assert lake.registered["REVIEWS__SEGMENTS"] == {f"_segments/reviews/{second['segment']}/part-00000.parquet"}
    assert json.loads(store.get_bytes(layout.segment_manifest_uri(ROOT, "reviews", second["segment"])))[
        "sources"
    ].keys() == set(sids)


def test_no_segment_grows_past_max_segment_rows_and_a_burst_takes_several_compactions(store):
    policy = compaction.Policy(min_sources=2, fanout=2, max_segment_rows=7)
    for name in "abcde":
        publish(store, name, 3)

    sizes = []
    while (report := compaction.compact(store, ROOT, REVIEWS, policy=policy))["segment"]:
        sizes.append((report["sources"], report["rows"]))

    # 3 + 3 fit in 7, a third source would not; the fifth waits for a partner; two segments of
    # 6 rows would make 12, so they are not merged
    assert sizes == [(2, 6), (2, 6)]
    assert len(files_now(store)) == 3
    assert rows_read(store, files_now(store)) == sorted(f"{n}-2020-{i}" for n in "abcde" for i in range(3))
