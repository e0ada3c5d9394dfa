"""The dashboard's pages under Streamlit's AppTest, against the fixture warehouse (dbt-built marts).

Every page is rendered by the app's own entry (``run_page`` with the page's ``render``) and the
values it shows are compared with the exact values of the fixture — and, for the overview, with
the SQL answer of the marts.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from shoplake.datasets.reviews.contract import REVIEWS
from shoplake.reporting.dashboard import formatting as fmt
from shoplake.reporting.dashboard.launch import APP
from shoplake.reporting.executions import StepFunctionsExecutions
from tests.apptest import page, shown
from tests.fixture_warehouse import NOW, T1, T2, T5


def sql_one(home, sql: str, params=()) -> tuple:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql, list(params)).fetchone()


# -- overview ---------------------------------------------------------------------------------
def test_overview_all_time(marts_env):
    # Given the fixture warehouse / When the overview renders with the default period
    committed = T5 + pd.Timedelta(minutes=1)
    at = page("overview")
    before = fmt.ago(committed)
    at.run()
    after = fmt.ago(committed)

    # Then the headline numbers are the fixture's...
    metrics = shown(at)
    assert metrics["Data freshness"] in {before, after}  # "19 min ago" (the render may cross a minute)
    assert metrics == {
        "Reviews": "13",
        "Products": "5",
        "Reviewers": "6",
        "Average rating": "4.15 ★",  # (29 + 5 * 5) / 13
        "Verified purchases": "91.7%",  # 11 of the 12 reviews whose verification is known
        "Data freshness": metrics["Data freshness"],
    }
    # ... and equal to the marts' SQL answer
    reviews, products, reviewers, avg = sql_one(
        marts_env,
        "select count(*), count(distinct product_id), count(distinct reviewer_id), avg(rating) from marts.fct_reviews",
    )
    assert metrics["Reviews"] == fmt.count(reviews)
    assert metrics["Products"] == fmt.count(products)
    assert metrics["Reviewers"] == fmt.count(reviewers)
    assert metrics["Average rating"] == fmt.rating(avg)
    assert [c.value for c in at.caption][:2] == [
        "Reviews written 01 Jun 2023 – 20 Mar 2024",
        f"Newest processed file: **run-5.jsonl**, committed {fmt.timestamp(T5 + pd.Timedelta(minutes=1))}",
    ]


def test_overview_period_selection(marts_env):
    # Given the overview / When the latest 90 days (up to the newest review) are chosen
    at = page("overview")
    at.run()
    at.segmented_control(key="period").set_value("Latest 90 days").run()

    # Then U9's burst of June 2023 is outside the period
    metrics = shown(at)
    assert {k: metrics[k] for k in ("Reviews", "Products", "Reviewers", "Average rating")} == {
        "Reviews": "8",
        "Products": "3",
        "Reviewers": "5",
        "Average rating": "3.62 ★",  # 29 / 8 = 3.625
    }
    assert at.caption[0].value == "Reviews written 22 Dec 2023 – 20 Mar 2024"
    (count,) = sql_one(
        marts_env, "select count(*) from marts.fct_reviews where review_date between ? and ?",
        [date(2023, 12, 22), date(2024, 3, 20)],
    )  # fmt: skip
    assert metrics["Reviews"] == fmt.count(count)

    # When a custom range holding only the burst's day is chosen / Then only the burst counts
    at.segmented_control(key="period").set_value("Custom").run()
    at.date_input(key="range").set_value((date(2023, 6, 1), date(2023, 6, 30))).run()
    metrics = shown(at)
    assert (metrics["Reviews"], metrics["Reviewers"], metrics["Average rating"]) == ("5", "1", "5.00 ★")


def test_app_entry_serves_the_overview_first(marts_env):
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Overview"]
    assert shown(at)["Reviews"] == "13"


# -- products ---------------------------------------------------------------------------------
def test_products_page(marts_env):
    at = page("products")
    at.run()
    shown(at)

    # The minimum review count starts at 10 capped at the largest count (3): P1, P2 and P4 qualify
    assert at.number_input(key="min_reviews").value == 3
    ranking = sql_rows(
        marts_env,
        "select product_id, review_count, average_rating, bayesian_average, verified_share "
        "from marts.product_rating_summary where review_count >= 3 order by bayesian_average desc",
    )
    top = at.dataframe[0].value
    bottom = at.dataframe[1].value
    assert top["product_id"].tolist() == ["P4", "P1", "P2"]
    assert bottom["product_id"].tolist() == ["P2", "P1", "P4"]
    assert top.to_dict("records") == ranking
    assert bottom.to_dict("records") == ranking[::-1]

    # The most reviewed product is chosen first (P1, ties broken by id); its numbers and reviews
    assert at.selectbox(key="product").value == "P1"
    assert shown(at) == {
        "Reviews of this product": "3",
        "Its average rating": "3.67 ★",
        "Its Bayesian average": fmt.rating(ranking[1]["bayesian_average"]),
    }
    helpful = at.dataframe[2].value
    assert helpful[["rating", "helpful_votes", "review_title", "reviewer_id"]].to_dict("records") == [
        {"rating": 4, "helpful_votes": 7, "review_title": "updated", "reviewer_id": "U2"},
        {"rating": 4, "helpful_votes": 2, "review_title": "fine", "reviewer_id": "U1"},
        {"rating": 3, "helpful_votes": 0, "review_title": "fine", "reviewer_id": "U3"},
    ]

    # When the minimum drops to 1 and P5 is chosen / Then P5's numbers show
    at.number_input(key="min_reviews").set_value(1).run()
    assert at.dataframe[0].value["product_id"].tolist() == ["P4", "P5", "P3", "P1", "P2"]
    at.selectbox(key="product").set_value("P5").run()
    assert shown(at)["Reviews of this product"] == "2"
    assert at.caption[0].value == "Reviewed from 01 Jun 2023 to 01 Jun 2023"


def sql_rows(home, sql: str) -> list[dict]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).df().to_dict("records")


# -- reviewers --------------------------------------------------------------------------------
def test_reviewers_page(marts_env):
    at = page("reviewers")
    at.run()

    assert shown(at) == {
        "Reviewers": "6",
        "Reviews per reviewer": "2.17",  # 13 / 6
        "Wrote one review": "33.3%",  # U4 and U5
        "Unusual reviewers": "1",
    }
    unusual = at.dataframe[0].value
    assert unusual.to_dict("records") == [
        {
            "reviewer_id": "U9",
            "reviewer_name": "Bot Nine",
            "review_count": 5,
            "max_reviews_in_one_day": 5,
            "active_days": 1,
            "distinct_products": 2,
            "average_rating_given": 5.0,
            "five_star_share": 1.0,
            "verified_share": 1.0,
        }
    ]
    assert "at least 5 reviews on one day" in at.caption[0].value


# -- pipeline health --------------------------------------------------------------------------
def test_pipeline_health_page(marts_env):
    at = page("pipeline_health")
    at.run()

    # Current runs of files 1, 2, 3 and 5: 7 + 6 + 2 + 6 lines
    assert shown(at) == {"Files published": "4", "Records read": "21", "Quarantined": "4", "Duplicates": "1"}
    assert [m.delta for m in at.metric][2:] == ["19.05% of records", "4.76% of records"]
    assert at.selectbox(key="pipeline_dataset").options == ["All datasets", "reviews"]

    executions = at.dataframe[0].value
    assert executions.drop(columns="started").astype(object).where(executions.notna(), None).to_dict(
        "records"
    ) == [
        {"dataset": "reviews", "file": "broken.jsonl", "outcome": "failed", "detail": "States.TaskFailed",
         "seconds": "1 min 15 s",
         "records_read": None, "processed": None, "quarantined": None, "duplicates": None},
        {"dataset": "reviews", "file": "run-1.jsonl", "outcome": "unchanged", "detail": "", "seconds": "0.8 s",
         "records_read": None, "processed": None, "quarantined": None, "duplicates": None},
        {"dataset": "reviews", "file": "report.xlsx", "outcome": "rejected", "detail": "unsupported_file_type",
         "seconds": "1.2 s",
         "records_read": None, "processed": None, "quarantined": None, "duplicates": None},
        {"dataset": "reviews", "file": "run-1.jsonl", "outcome": "published", "detail": "", "seconds": "41.5 s",
         "records_read": 7, "processed": 5, "quarantined": 1, "duplicates": 1},
    ]  # fmt: skip
    assert executions["started"].tolist() == [fmt.timestamp(NOW - pd.Timedelta(minutes=m)) for m in (20, 90, 150, 180)]

    # The newest file with quarantined lines is chosen first: file 5's one line
    assert at.selectbox(key="quarantine_file").value == "run-5"
    minute = pd.Timedelta(minutes=1)
    assert at.selectbox(key="quarantine_file").options == [
        f"reviews · run-5.jsonl · 1 quarantined of 6 · {fmt.timestamp(T5 + minute)}",
        f"reviews · run-2.jsonl · 2 quarantined of 6 · {fmt.timestamp(T2 + minute)}",
        f"reviews · run-1.jsonl · 1 quarantined of 7 · {fmt.timestamp(T1 + minute)}",
    ]
    # Every reason of the current runs, with what it means
    assert at.dataframe[1].value.astype(object).to_dict("records") == [
        {"dataset": "reviews", "reason": "invalid_rating", "description": REVIEWS.reason_codes["invalid_rating"],
         "records": 1},
        {"dataset": "reviews", "reason": "malformed_json", "description": REVIEWS.reason_codes["malformed_json"],
         "records": 1},
        {"dataset": "reviews", "reason": "missing_product_id",
         "description": REVIEWS.reason_codes["missing_product_id"], "records": 1},
        {"dataset": "reviews", "reason": "missing_rating", "description": REVIEWS.reason_codes["missing_rating"],
         "records": 1},
    ]  # fmt: skip
    assert at.dataframe[2].value.to_dict("records") == [
        {"source_line_number": 6, "quarantine_reason": "missing_product_id", "raw_record": "{"}
    ]
    # When file 2 is chosen / Then its two lines show
    at.selectbox(key="quarantine_file").set_value("run-2").run()
    assert at.dataframe[2].value.to_dict("records") == [
        {"source_line_number": 5, "quarantine_reason": "missing_rating", "raw_record": "{"},
        {"source_line_number": 6, "quarantine_reason": "invalid_rating", "raw_record": "{"},
    ]
    assert at.selectbox(key="quarantine_file").value == "run-2"

    # When one dataset is chosen / Then the page shows that dataset's files (here: all of them)
    at.selectbox(key="pipeline_dataset").set_value("reviews").run()
    assert shown(at)["Records read"] == "21"
    assert len(at.dataframe[0].value) == 4


# -- configuration and errors -----------------------------------------------------------------
def test_missing_warehouse_is_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPLAKE_HOME", str(tmp_path / "empty"))
    at = page("overview")
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"no local warehouse at {tmp_path / 'empty' / 'warehouse.duckdb'}: "
        "run `make demo` (or `shoplake ingest FILE`) first"
    ]


def test_snowflake_needs_its_configuration(dashboard_home, monkeypatch):
    monkeypatch.setenv("DASHBOARD_WAREHOUSE", "snowflake")
    monkeypatch.delenv("SNOWFLAKE_DATABASE", raising=False)
    monkeypatch.delenv("SNOWFLAKE_WAREHOUSE", raising=False)
    at = page("overview")
    at.run()
    assert [e.value for e in at.error] == [
        "DASHBOARD_WAREHOUSE=snowflake needs SNOWFLAKE_DATABASE and SNOWFLAKE_WAREHOUSE"
    ]


# -- executions from Step Functions (moto) ----------------------------------------------------
def test_step_functions_executions_match_the_local_run_records(cloud, tmp_path):
    # Given a rejected CSV (its header is no reviews layout), run through the state machine in moto
    src = tmp_path / "report.csv"
    src.write_bytes(b"asin,rating\nB000,5\n")
    result = cloud.process(cloud.land(src))

    # When the executions are read from Step Functions, as the cloud dashboard does
    source = StepFunctionsExecutions(cloud.refs["ReviewPipeline"], client=cloud.client("stepfunctions"))
    (execution,) = source.recent()

    # Then it is the same execution with the same outcome as the local run record
    assert (execution.name, execution.status, execution.detail, execution.source_uri) == (
        result.execution,
        "REJECTED",
        "missing_columns",
        result.source_uri,
    )
    assert execution.seconds == pytest.approx(result.seconds, abs=0.01)
