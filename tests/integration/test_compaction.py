"""Compaction on real review files: segments change how many files are read, never what is read."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from shoplake.core.layout import source_id
from shoplake.core.settings import reset_cold_start_caches
from shoplake.local.stack import bucket_name

REAL = Path(__file__).resolve().parents[3] / "shared" / "real-data" / "amazon-reviews"
TABLES = ("reviews", "review_images", "reviews_quarantine")


def query(cloud, sql: str, params=None):
    with duckdb.connect(str(cloud.home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def snapshot(cloud) -> dict[str, list[tuple]]:
    """Every row of every reviews table, with the column types the views expose."""
    out = {}
    for t in TABLES:
        out[t] = query(cloud, f"select * from raw.{t} order by all")
        out[f"{t} types"] = [row[:2] for row in query(cloud, f"describe raw.{t}")]
    return out


def view_files(cloud, table: str) -> set[str]:
    """The Parquet files a view reads (from its definition: the list of committed files)."""
    [(sql,)] = query(cloud, "select sql from duckdb_views() where schema_name = 'raw' and view_name = ?", [table])
    return {"/" + part.split("'", 1)[0] for part in sql.split("'/")[1:]}


def compact_now(cloud) -> list[dict]:
    """``shoplake compact --force --dataset reviews``: merge whatever there is, due or not."""
    from shoplake.core.warehouse.duckdb import DuckDBWarehouse
    from shoplake.datasets import DATASETS

    warehouse = DuckDBWarehouse(cloud.home / "warehouse.duckdb", cloud.store)
    return [warehouse.compact(DATASETS["reviews"], f"s3://{bucket_name('processed')}", force=True)]


def lake(cloud) -> Path:
    return cloud.home / "lake" / bucket_name("processed")


def test_compaction_keeps_every_row_and_a_redelivered_source_replaces_its_rows(cloud, tmp_path):
    # Given two real review files published: 300 lines of the mixed-generation dump, and a 2018 dump
    lines = (REAL / "r5_mixed.ndjson").read_text().splitlines(keepends=True)
    mixed = tmp_path / "mixed.ndjson"
    mixed.write_text("".join(lines[:300]))
    first = cloud.ingest_batch([(mixed, "reviews", None), (REAL / "r6_2018.json.gz", "reviews", None)])
    assert [r.status for r in first] == ["SUCCEEDED", "SUCCEEDED"]
    before = snapshot(cloud)
    files_before = {t: view_files(cloud, t) for t in TABLES}

    # When the compaction function runs on its schedule, set to compact two small sources
    function = cloud.client("lambda").get_function_configuration(FunctionName="shoplake-local-compactLake")
    cloud.client("lambda").update_function_configuration(
        FunctionName="shoplake-local-compactLake",
        Environment={"Variables": function["Environment"]["Variables"] | {"COMPACTION_MIN_SOURCES": "2"}},
    )
    reset_cold_start_caches()  # its settings are read again, as by a new Lambda sandbox
    reports = cloud.compact_scheduled()
    [report] = [r for r in reports if r["segment"]]

    # Then one segment holds both, every row and type is the same, and the views read fewer files
    assert (report["dataset"], report["sources"]) == ("reviews", 2)
    assert report["rows"] == sum(len(before[t]) for t in TABLES)
    assert snapshot(cloud) == before
    for t in TABLES:
        files = view_files(cloud, t)
        assert all("/_segments/" in f for f in files)
        assert len(files) == 1  # where the sources had one per source and review year
    assert (report["files_after"], report["files_before"]) == (3, sum(len(f) for f in files_before.values()))
    # the sources' own files stay the record
    assert all(Path(f).exists() for files in files_before.values() for f in files)

    # When the mixed file is delivered again with new content (its first 120 lines)
    mixed.write_text("".join(lines[:120]))
    [again] = cloud.ingest_batch([(mixed, "reviews", None)])

    # Then its rows are the new run's alone, the 2018 dump's are untouched, and the stale segment is not read
    mixed_uri = f"s3://{bucket_name('raw')}/reviews/mixed.ndjson"
    assert query(cloud, "select count(*), min(run_id) from raw.reviews where source_uri = ?", [mixed_uri]) == [
        (again.counts["processed"], again.execution)
    ]
    reviews_col = [r[0] for r in before["reviews types"]].index("source_uri")
    others = [r for r in before["reviews"] if r[reviews_col] != mixed_uri]
    assert query(cloud, "select count(*) from raw.reviews where source_uri <> ?", [mixed_uri]) == [(len(others),)]
    assert not any("/_segments/" in f for t in TABLES for f in view_files(cloud, t))
    redelivered = snapshot(cloud)

    # When compaction runs again
    [second] = compact_now(cloud)

    # Then the stale segment is retired (manifest and files) and a new one holds both sources' current runs
    assert second["retired"] == [report["segment"]] and second["sources"] == 2
    assert snapshot(cloud) == redelivered
    assert not list((lake(cloud) / "_segments").glob(f"*/{report['segment']}"))
    manifests = sorted((lake(cloud) / "_manifests" / "reviews" / "segments").glob("*.json"))
    assert [m.stem for m in manifests] == [second["segment"]]
    assert json.loads(manifests[0].read_text())["sources"][source_id(mixed_uri)]["run_id"] == again.execution
    # and a third, with nothing new, changes nothing
    [third] = compact_now(cloud)
    assert (third["segment"], third["retired"]) == (None, [])
    assert snapshot(cloud) == redelivered
