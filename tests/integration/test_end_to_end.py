"""Files in, tested marts out: each publication runs the transform DAG (dbt via Airflow) locally."""

from __future__ import annotations

import duckdb
import pytest

from shoplake.datasets.reviews.sample import generate, write_sample
from shoplake.local.runtime import LocalCloud

pytestmark = pytest.mark.spark


def test_reviews_repeating_across_files_are_kept_once_in_fct_reviews(tmp_path, monkeypatch):
    # Given two files drawn from the same catalogue: the second repeats reviews of the first
    home = tmp_path / "home"
    monkeypatch.setenv("SHOPLAKE_HOME", str(home))
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    write_sample(first, 400, seed=3)
    others, _ = generate(150, seed=4)
    second.write_text("".join(first.read_text().splitlines(keepends=True)[:150] + others))

    # When both are ingested, each publication running the transform DAG
    with LocalCloud(home, retry_time_scale=0.001) as cloud:
        results = [cloud.ingest(first), cloud.ingest(second)]

    # Then every run's DAG succeeded and fct_reviews holds each distinct review once
    assert [(r.status, r.transform["state"]) for r in results] == [("SUCCEEDED", "success")] * 2
    # (the second run builds what the reviews feed, and no other dataset's models)
    assert [r.transform["nodes"]["model.shoplake.fct_reviews"] for r in results] == ["success"] * 2
    assert "model.shoplake.fct_order_lines" not in results[1].transform["nodes"]
    assert {state for r in results for state in r.transform["tasks"].values()} == {"success"}
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        raw_rows, distinct_ids = con.execute("select count(*), count(distinct review_id) from raw.reviews").fetchone()
        fct_rows, fct_ids = con.execute("select count(*), count(distinct review_id) from marts.fct_reviews").fetchone()
        missing = con.execute(
            "select count(*) from (select review_id from raw.reviews except select review_id from marts.fct_reviews)"
        ).fetchone()[0]
    assert raw_rows > distinct_ids  # the files do overlap
    assert (fct_rows, fct_ids, missing) == (distinct_ids, distinct_ids, 0)
