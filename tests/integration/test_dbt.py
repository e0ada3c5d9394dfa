"""The dbt project (dbt/) on both warehouses.

* ``dbt build --target local`` on a DuckDB warehouse built from inline rows with the exact
  contract schema (the tables the local runtime publishes as raw.* views): two files in which
  some reviews repeat, then a third and a late fourth for the incremental build;
* ``dbt parse --target prod`` (Snowflake, credentials from the environment);
* the Snowflake-dialect check: the same models against a fakesnow server, with plain tables of
  Snowflake types (OBJECT / VARIANT maps) standing in for the external tables.

dbt runs in-process (dbtRunner); every invocation writes to a temporary target path so the
project's own dbt/target (the manifest the DAG renders from) is left alone.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import duckdb
import pytest

from shoplake.datasets import DATASETS
from shoplake.reporting.dashboard.marts import DuckDBMarts
from shoplake.tooling.snowflake.external_tables import SNOWFLAKE_TYPES
from tests.fixture_warehouse import (
    CATALOGUE_1,
    CATALOGUE_2,
    CATALOGUE_AT_1,
    CATALOGUE_AT_2,
    FILE_1,
    FILE_2,
    FILE_3,
    FILE_4,
    RAW,
    SHOP_FILES,
    SHOP_RAW,
    T1,
    T2,
    TABLES,
    contract_columns,
    copy_home,
    dashboard_answers,
    dbt,
    dbt_cli,
    dbt_process,
    insert_duckdb,
    make_home,
    order_line,
    query,
    shop_run_row,
    statuses,
)
from tests.ports import free_port


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Any]:
    """A warehouse holding review files 1 and 2, two catalogue snapshots and the shop's order and
    event files, after one ``dbt build``."""
    home = make_home(tmp_path_factory.mktemp("dbt") / "home", FILE_1, FILE_2, CATALOGUE_1, CATALOGUE_2, *SHOP_FILES)
    return home, dbt(home, "build")


DUPLICATES_WARNING = "test.shoplake.dq_status_is_not_dq_checks__pipeline_True__warn"


def not_passed(done: dict[str, str]) -> dict[str, str]:
    """The nodes that did not succeed or pass, without their hash suffix."""
    return {uid.rsplit(".", 1)[0] if uid.startswith("test.") else uid: s for uid, s in done.items()
            if s not in ("success", "pass")}  # fmt: skip


def rows_as_dicts(path: Path, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(path)) as con:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


# -- dbt build --target local -----------------------------------------------------------------
def test_build_passes_every_model_and_test(built):
    # Given two files with repeated reviews / When dbt build runs / Then everything passes
    _, result = built
    assert result.success, [r.message for r in result.result.results if str(r.status) not in ("success", "pass")]
    kinds = {uid.split(".")[0] for uid in statuses(result)}
    assert kinds == {"model", "seed", "test", "unit_test"}
    # everything passes but one warning: review file 2 repeated 1 of its 13 records (over 5 %)
    assert not_passed(statuses(result)) == {DUPLICATES_WARNING: "warn"}
    assert sum(uid.startswith("unit_test.") for uid in statuses(result)) == 16


def test_fct_reviews_has_one_row_per_review_with_its_latest_ingestion(built):
    home, _ = built
    path = home / "warehouse.duckdb"
    # acceptance: one row per distinct review_id of raw.reviews
    (distinct_raw,) = query(path, "select count(distinct review_id) from raw.reviews")[0]
    assert query(path, "select count(*), count(distinct review_id) from marts.fct_reviews") == [(distinct_raw, 7)]
    got = query(
        path,
        "select review_id, product_id, reviewer_id, rating, helpful_votes, review_title, run_id, review_month, "
        "style_size, style_color, style_format from marts.fct_reviews order by review_id",
    )
    assert got == [
        ("r01", "P1", "U1", 5, 2, "fine", "run-1", date(2024, 1, 1), "Medium", "Red", None),
        ("r02", "P1", "U2", 4, 7, "updated", "run-2", date(2024, 1, 1), None, None, None),
        ("r03", "P2", "U1", 3, 1, "fine", "run-2", date(2024, 2, 1), None, None, None),
        ("r04", "P2", "U3", 1, 0, "fine", "run-1", date(2024, 3, 1), None, None, "Paperback"),
        ("r05", "P3", "U2", 5, 0, "fine", "run-1", date(2023, 12, 1), None, None, None),
        ("r06", "P3", "U4", 4, 0, "fine", "run-2", date(2024, 1, 1), None, "Blue", None),
        ("r07", "P1", "U3", 3, 0, "fine", "run-2", date(2024, 2, 1), None, None, None),
    ]


def test_product_rating_summary_numbers(built):
    home, _ = built
    got = rows_as_dicts(home / "warehouse.duckdb", "select * from marts.product_rating_summary order by product_id")
    # ratings after de-duplication: P1 5, 4, 3; P2 3, 1; P3 5, 4 -> prior mean m = 25 / 7, C = 10
    m, c = Fraction(25, 7), 10

    def bayes(total: int, n: int) -> float:
        return float((c * m + total) / (c + n))

    expected = [
        {"product_id": "P1", "review_count": 3, "average_rating": 4.0,
         "rating_1_count": 0, "rating_2_count": 0, "rating_3_count": 1, "rating_4_count": 1, "rating_5_count": 1,
         "verified_review_count": 2, "verified_share": 2 / 3,
         # weights 1 + helpful votes: r01 5 x 3, r02 4 x 8, r07 3 x 1
         "helpful_weighted_average": 50 / 12, "bayesian_average": bayes(12, 3),
         "first_review_date": date(2024, 1, 5), "last_review_date": date(2024, 2, 11)},
        {"product_id": "P2", "review_count": 2, "average_rating": 2.0,
         "rating_1_count": 1, "rating_2_count": 0, "rating_3_count": 1, "rating_4_count": 0, "rating_5_count": 0,
         # r03 comes from a 2014 file: verification unknown, so the share is over r04 only
         "verified_review_count": 1, "verified_share": 1.0,
         "helpful_weighted_average": (3 * 2 + 1 * 1) / 3, "bayesian_average": bayes(4, 2),
         "first_review_date": date(2024, 2, 3), "last_review_date": date(2024, 3, 10)},
        {"product_id": "P3", "review_count": 2, "average_rating": 4.5,
         "rating_1_count": 0, "rating_2_count": 0, "rating_3_count": 0, "rating_4_count": 1, "rating_5_count": 1,
         "verified_review_count": 2, "verified_share": 1.0,
         "helpful_weighted_average": 4.5, "bayesian_average": bayes(9, 2),
         "first_review_date": date(2023, 12, 30), "last_review_date": date(2024, 1, 15)},
    ]  # fmt: skip
    assert got == [
        {k: pytest.approx(v, rel=1e-12) if isinstance(v, float) else v for k, v in e.items()} for e in expected
    ]
    # P2 (2 reviews averaging 2.0) is pulled up towards the mean more than P1 (3 reviews) is pulled down
    assert bayes(4, 2) == pytest.approx(139 / 42) and bayes(12, 3) == pytest.approx(334 / 91)


def test_product_reviews_monthly_change_from_previous_month(built):
    home, _ = built
    got = query(
        home / "warehouse.duckdb",
        "select product_id, review_month, review_count, average_rating, previous_month_review_count, "
        "review_count_change, average_rating_change from marts.product_reviews_monthly order by 1, 2",
    )
    assert got == [
        ("P1", date(2024, 1, 1), 2, 4.5, 0, 2, None),
        ("P1", date(2024, 2, 1), 1, 3.0, 2, -1, -1.5),
        ("P2", date(2024, 2, 1), 1, 3.0, 0, 1, None),
        ("P2", date(2024, 3, 1), 1, 1.0, 1, 0, -2.0),
        ("P3", date(2023, 12, 1), 1, 5.0, 0, 1, None),
        # across the year boundary
        ("P3", date(2024, 1, 1), 1, 4.0, 1, 0, -1.0),
    ]


def test_products_are_the_catalogues_current_versions_and_the_reviewed_ones_it_lacks(built):
    home, _ = built
    path = home / "warehouse.duckdb"
    assert query(
        path,
        "select product_id, product_name, price, stock, catalogue_updated_at, in_catalogue, known_from, review_count "
        "from marts.dim_products order by 1",
    ) == [
        # P1's price changed in the second snapshot: the newer one wins, with its stock
        ("P1", "Product P1", Decimal("12.00"), 4, CATALOGUE_AT_2, True, "catalogue", 3),
        # P2 was exported again unchanged: its version is still the first snapshot's
        ("P2", "Product P2", Decimal("25.50"), 10, CATALOGUE_AT_1, True, "catalogue", 2),
        # P3 is only known from its reviews
        ("P3", None, None, None, None, False, "reviews", 2),
        # P7 only from an order line (the export's name), P8 only from the clickstream
        ("P7", "WHITE MUG", None, None, None, False, "transactions", 0),
        ("P8", None, None, None, None, False, "clickstream", 0),
        ("P9", "Product P9", Decimal("3.99"), 0, CATALOGUE_AT_1, True, "catalogue", 0),
    ]
    not_listed = "select product_id, category, brand from marts.dim_products where not in_catalogue order by 1"
    assert query(path, not_listed) == [
        ("P3", None, None), ("P7", None, None), ("P8", "electronics.audio", "sono")
    ]  # fmt: skip
    # the price of any product as of any time
    assert query(
        path,
        "select product_id, price, valid_from, valid_to, is_current, run_id from marts.dim_products_history "
        "order by product_id, valid_from",
    ) == [
        ("P1", Decimal("10.00"), CATALOGUE_AT_1, CATALOGUE_AT_2, False, "cat-1"),
        ("P1", Decimal("12.00"), CATALOGUE_AT_2, None, True, "cat-2"),
        ("P2", Decimal("25.50"), CATALOGUE_AT_1, None, True, "cat-1"),
        ("P9", Decimal("3.99"), CATALOGUE_AT_1, None, True, "cat-1"),
    ]
    as_of = query(
        path,
        "select product_id, price from marts.dim_products_history "
        "where valid_from <= timestamp '2024-01-15 00:00:00' "
        "and (valid_to > timestamp '2024-01-15 00:00:00' or valid_to is null) order by 1",
    )
    assert as_of == [("P1", Decimal("10.00")), ("P2", Decimal("25.50")), ("P9", Decimal("3.99"))]


def test_dimensions_and_reviewer_activity(built):
    home, _ = built
    path = home / "warehouse.duckdb"
    assert query(path, "select product_id, review_count from marts.dim_products order by 1") == [
        ("P1", 3),
        ("P2", 2),
        ("P3", 2),
        ("P7", 0),
        ("P8", 0),
        ("P9", 0),
    ]
    assert query(path, "select reviewer_id, reviewer_name, review_count from marts.dim_reviewers order by 1") == [
        ("U1", "Ann", 2),
        ("U2", None, 2),
        ("U3", None, 2),
        ("U4", None, 1),
    ]
    assert query(
        path,
        "select reviewer_id, review_count, distinct_products, active_days, max_reviews_in_one_day, "
        "average_rating_given, five_star_share, verified_share, is_unusual from marts.reviewer_activity order by 1",
    ) == [
        ("U1", 2, 2, 2, 1, 4.0, 0.5, 1.0, False),
        ("U2", 2, 2, 2, 1, 4.5, 0.5, 0.5, False),
        ("U3", 2, 2, 2, 1, 2.0, 0.0, 1.0, False),
        ("U4", 1, 1, 1, 1, 4.0, 0.0, 1.0, False),
    ]
    assert query(path, "select review_id, image_variant, image_url from marts.fct_review_images order by 3") == [
        ("r01", "original", "https://img/1.jpg"),
        ("r01", "original", "https://img/2.jpg"),
        ("r06", "large", "https://img/6.jpg"),
    ]


def test_order_lines_events_and_customers_across_files(built):
    home, _ = built
    path = home / "warehouse.duckdb"
    # one row per order line, its latest ingestion: T1 was re-exported as returned
    assert query(
        path,
        "select transaction_id, order_id, customer_id, is_guest, product_id, quantity, unit_price, total_amount, "
        "status, is_kept, returned_units, returned_amount, transaction_month, run_id "
        "from marts.fct_order_lines order by 1",
    ) == [
        ("T1", "O1", "C1", False, "P1", 2, Decimal("12.00"), Decimal("24.00"), "returned", False, 2,
         Decimal("24.00"), date(2024, 2, 1), "ord-2"),
        ("T2", "O1", "C1", False, "P7", 1, Decimal("5.00"), Decimal("5.00"), "completed", True, 0,
         Decimal("0.00"), date(2024, 2, 1), "ord-1"),
        ("T3", "O2", None, True, "P2", 1, Decimal("25.50"), Decimal("25.50"), "completed", True, 0,
         Decimal("0.00"), date(2024, 3, 1), "ord-1"),
        ("T4", "O3", "C2", False, "P1", 3, Decimal("12.00"), Decimal("36.00"), "refunded", False, 3,
         Decimal("36.00"), date(2024, 3, 1), "ord-2"),
    ]  # fmt: skip
    # one row per event: the resent E2 once, from its latest file
    events = "select event_id, event_type, product_id, is_anonymous, run_id from marts.fct_clickstream_events"
    assert query(path, f"{events} order by 1") == [
        ("E1", "page_view", None, False, "clk-1"),
        ("E2", "product_view", "P1", False, "clk-2"),
        ("E3", "product_view", "P8", True, "clk-1"),
        ("E4", "add_to_cart", "P1", False, "clk-1"),
        ("E5", "purchase", "P1", False, "clk-2"),
    ]  # fmt: skip
    # customers from orders and visits (the guest is none)
    assert query(
        path,
        "select customer_id, first_seen_at, last_seen_at, orders, order_lines, first_order_at, sessions, "
        "first_visit_at, store_reviews, country from marts.dim_customers order by 1",
    ) == [
        ("C1", datetime(2024, 2, 10, 9, 55), datetime(2024, 2, 10, 10, 0), 1, 2, datetime(2024, 2, 10, 10, 0), 1,
         datetime(2024, 2, 10, 9, 55), 0, "France"),
        ("C2", datetime(2024, 3, 5, 18, 30), datetime(2024, 3, 5, 18, 30), 1, 1, datetime(2024, 3, 5, 18, 30), 0,
         None, 0, None),
        ("C3", datetime(2024, 3, 2, 8, 0), datetime(2024, 3, 2, 8, 5), 0, 0, None, 1, datetime(2024, 3, 2, 8, 0), 0,
         None),
    ]  # fmt: skip


def test_pipeline_health_per_file_and_per_day(built):
    home, _ = built
    path = home / "warehouse.duckdb"
    assert query(
        path,
        "select run_id, dataset, records_read, processed, quarantined, duplicates, quarantine_rows, is_current_run "
        "from marts.fct_pipeline_runs order by run_id",
    ) == [
        # every dataset's runs: catalogue snapshots, event files, order files, review files
        ("cat-1", "products", 3, 3, 0, 0, 0, True),
        ("cat-2", "products", 2, 2, 0, 0, 0, True),
        ("clk-1", "clickstream", 4, 4, 0, 0, 0, True),
        ("clk-2", "clickstream", 2, 2, 0, 0, 0, True),
        ("ord-1", "transactions", 4, 3, 1, 0, 1, True),
        ("ord-2", "transactions", 2, 2, 0, 0, 0, True),
        ("run-1", "reviews", 7, 5, 1, 1, 1, True),
        ("run-2", "reviews", 6, 4, 2, 0, 2, True),
    ]
    # per dataset and UTC day of commit (the runs of the two hours may fall on two days)
    runs: dict[tuple[str, date], list[tuple[int, ...]]] = {}
    for dataset, committed, counts in [
        ("products", T1 + timedelta(minutes=2), (3, 3, 0, 0)),
        ("products", T2 + timedelta(minutes=2), (2, 2, 0, 0)),
        ("reviews", T1 + timedelta(minutes=1), (7, 5, 1, 1)),
        ("reviews", T2 + timedelta(minutes=1), (6, 4, 2, 0)),
        ("transactions", T1 + timedelta(minutes=3), (4, 3, 1, 0)),
        ("transactions", T2 + timedelta(minutes=3), (2, 2, 0, 0)),
        ("clickstream", T1 + timedelta(minutes=4), (4, 4, 0, 0)),
        ("clickstream", T2 + timedelta(minutes=4), (2, 2, 0, 0)),
    ]:
        runs.setdefault((dataset, committed.date()), []).append(counts)
    expected = [
        (dataset, day, len(rs), len(rs), *(sum(r[i] for r in rs) for i in range(4)))
        for (dataset, day), rs in sorted(runs.items())
    ]
    got = query(
        path,
        "select dataset, committed_date, runs, files, records_read, processed, quarantined, duplicates "
        "from marts.pipeline_health_daily order by 1, 2",
    )
    assert got == expected


def test_quarantine_reasons_in_long_form_with_their_meaning(built):
    home, _ = built
    assert query(
        home / "warehouse.duckdb",
        "select dataset, run_id, quarantine_reason, records, reason_description, is_current_run "
        "from marts.fct_quarantine_reasons order by run_id, quarantine_reason",
    ) == [
        ("transactions", "ord-1", "invalid_status", 1, "status is not completed, returned or refunded", True),
        ("reviews", "run-1", "malformed_json", 1, "the line is not a JSON object (nor a Python dict literal)", True),
        ("reviews", "run-2", "invalid_rating", 1, "the rating is not an integral number from 1 to 5", True),
        ("reviews", "run-2", "missing_rating", 1, "overall / rating is missing", True),
    ]


def test_quarantined_records_of_each_file(built):
    home, _ = built
    assert query(
        home / "warehouse.duckdb",
        "select run_id, source_uri, source_line_number, quarantine_reason, raw_record "
        "from marts.fct_quarantined_records order by run_id, source_line_number",
    ) == [
        (
            "ord-1",
            f"{SHOP_RAW}transactions/ord-1.csv",
            5,
            "invalid_status",
            "T9,O9,C1,P1,1,1.00,1.00,2024-03-01,shipped,USD",
        ),
        ("run-1", f"{RAW}run-1.jsonl", 7, "malformed_json", "{"),
        ("run-2", f"{RAW}run-2.jsonl", 5, "missing_rating", "{"),
        ("run-2", f"{RAW}run-2.jsonl", 6, "invalid_rating", "{"),
    ]


def test_fixture_rows_follow_the_contract():
    for file in (FILE_1, FILE_2, FILE_3, FILE_4, CATALOGUE_1, CATALOGUE_2, *SHOP_FILES):
        for table in TABLES:
            assert all(list(row) == [name for name, _ in contract_columns(table)] for row in file.get(table.name, []))


def test_the_reason_codes_seed_is_every_contracts_reasons(built):
    home, _ = built
    expected = sorted((ds.name, r, d) for ds in DATASETS.values() for r, d in ds.reason_codes.items())
    assert query(home / "warehouse.duckdb", "select * from staging.quarantine_reason_codes order by 1, 2") == expected


# -- incremental ------------------------------------------------------------------------------
def test_incremental_build_reads_only_new_runs_and_matches_a_full_refresh(built, tmp_path):
    # Given the built warehouse of files 1 and 2, with a marker on a row no new file touches
    source, _ = built
    home = copy_home(source, tmp_path / "home")
    path = home / "warehouse.duckdb"
    query(path, "update marts.fct_reviews set review_title = 'untouched' where review_id = 'r05'")
    insert_duckdb(path, FILE_3)

    def incremental_query() -> str:
        compiled = dbt(home, "compile", "--select", "fct_reviews")
        assert compiled.success
        return compiled.result.results[0].node.compiled_code

    # When the model's incremental query is compiled against the loaded table
    # Then it selects file 3's rows only
    assert sorted(query(path, f"select review_id, run_id, rating from ({incremental_query()})")) == [
        ("r01", "run-3", 4),
        ("r08", "run-3", 5),
    ]

    # When the incremental build runs
    assert dbt(home, "build", "--select", "fct_reviews+").success
    # Then the untouched row was not rewritten, r01 took file 3's values, r08 arrived
    expected = [
        ("r01", "run-3", 4, "fine"),
        ("r02", "run-2", 4, "updated"),
        ("r03", "run-2", 3, "fine"),
        ("r04", "run-1", 1, "fine"),
        ("r05", "run-1", 5, "untouched"),
        ("r06", "run-2", 4, "fine"),
        ("r07", "run-2", 3, "fine"),
        ("r08", "run-3", 5, "fine"),
    ]
    assert query(path, "select review_id, run_id, rating, review_title from marts.fct_reviews order by 1") == expected

    # Given file 4, ingested before file 3 but visible only now, with an older copy of r01
    insert_duckdb(path, FILE_4)
    # Then the incremental query finds it but keeps nothing from it, and the build changes nothing
    assert query(path, f"select count(*) from ({incremental_query()})") == [(0,)]
    assert dbt(home, "build", "--select", "fct_reviews+").success
    after = rows_as_dicts(path, "select * from marts.fct_reviews order by review_id")
    assert [(r["review_id"], r["run_id"], r["rating"], r["review_title"]) for r in after] == expected

    # When the model is rebuilt from scratch / Then it equals the incremental result
    assert dbt(home, "build", "--select", "fct_reviews+", "--full-refresh").success
    full = rows_as_dicts(path, "select * from marts.fct_reviews order by review_id")
    after[4]["review_title"] = "fine"
    assert full == after


# -- freshness --------------------------------------------------------------------------------
def test_source_freshness_thresholds(built, tmp_path):
    source, _ = built
    fresh = dbt(source, "source", "freshness")
    assert fresh.success
    assert statuses(fresh) == {
        "source.shoplake.amazon.reviews": "pass",
        "source.shoplake.shop.cart_events": "pass",
        "source.shoplake.shop.clickstream_events": "pass",
        "source.shoplake.shop.products": "pass",
        "source.shoplake.shop.transactions": "pass",
        "source.shoplake.shoplake.pipeline_runs": "pass",
        # the change capture never sent a batch here: not started
        "source.shoplake.shop_db.cdc_dim_products": "pass",
        "source.shoplake.shop_db.cdc_dim_users": "pass",
        "source.shoplake.shop_db.cdc_fact_sales": "pass",
    }
    # Given runs committed 30 h and reviews ingested 4 days ago / Then both warn: staleness is
    # reported, never an error that would stop every dataset's marts
    home = copy_home(source, tmp_path / "stale")
    now = "current_timestamp::timestamp"
    query(home / "warehouse.duckdb", f"update raw.pipeline_runs set committed_at = {now} - interval 30 hour")
    query(home / "warehouse.duckdb", f"update raw.reviews set ingested_at = {now} - interval 4 day")
    stale = dbt(home, "source", "freshness")
    assert stale.success
    assert statuses(stale) == {
        "source.shoplake.amazon.reviews": "warn",
        "source.shoplake.shop.cart_events": "pass",  # never sent a file: not started
        "source.shoplake.shop.clickstream_events": "pass",  # never sent a file: not started
        "source.shoplake.shop.products": "pass",  # a week without a catalogue export is still fine
        "source.shoplake.shop.transactions": "pass",
        "source.shoplake.shoplake.pipeline_runs": "warn",
        "source.shoplake.shop_db.cdc_dim_products": "pass",
        "source.shoplake.shop_db.cdc_dim_users": "pass",
        "source.shoplake.shop_db.cdc_fact_sales": "pass",
    }
    # A dataset that never sent a file has not started: not stale (a shop need not send them all)
    query(home / "warehouse.duckdb", "delete from raw.reviews")
    assert statuses(dbt(home, "source", "freshness", "--select", "source:amazon.reviews")) == {
        "source.shoplake.amazon.reviews": "pass"
    }


# -- prod -------------------------------------------------------------------------------------
# -- data quality --------------------------------------------------------------------------------
DQ_START = date(2024, 4, 1)
ANOMALY_DAY = date(2024, 4, 20)


def steady_orders() -> dict[str, list[dict]]:
    """30 days of 20 completed lines a day (the 30th still arriving: 5 so far), but on ANOMALY_DAY
    only 2 (a tenth), in one file whose run had as many duplicates as records (half of what it read)."""
    lines = []
    for d in range(30):
        day = DQ_START + timedelta(days=d)
        per_day = 2 if day == ANOMALY_DAY else 5 if d == 29 else 20
        at = datetime(day.year, day.month, day.day, 12)
        for n in range(per_day):
            lines.append(order_line(f"D{d:02d}-{n:02d}", run="dq-1", ingested_at=T1, order=f"DO{d:02d}-{n:02d}",
                                    customer=f"C{n % 7}", product=f"P{n % 3 + 1}", quantity=1, price="10.00",
                                    status="completed", at=at, line=n + 2))  # fmt: skip
    run = shop_run_row("transactions", "dq-1", T1 + timedelta(minutes=3), len(lines), duplicates=len(lines))
    return {"transactions": lines, "pipeline_runs": [run]}


def test_data_quality_flags_anomalies_and_a_failing_gate_keeps_the_marts(tmp_path):
    # Given a month of steady orders with one thin day, from a file that sent its records twice
    home = make_home(tmp_path / "home", CATALOGUE_1, steady_orders())
    path = home / "warehouse.duckdb"
    # When dbt builds
    first = dbt(home, "build", "--exclude-resource-type", "unit_test")
    # Then the thin day and the duplicates warn, nothing fails, and the marts are built
    assert first.success
    warned = not_passed(statuses(first))
    assert warned == {DUPLICATES_WARNING: "warn", "test.shoplake.dq_status_is_not_dq_gate__transactions_warn": "warn"}
    found = query(path, "select check_name, date, observed, expected, status from marts.dq_check_results "
                        "where dataset = 'transactions' and status != 'pass' order by check_name, date")  # fmt: skip
    assert found == [
        ("duplicate_share", (T1 + timedelta(minutes=3)).date(), 0.5, 0.05, "warn"),
        # 2 against a median of 20 with no deviation: z = -18 / √20 = -4.0 (the Poisson floor)
        ("volume_anomaly", ANOMALY_DAY, 2.0, 20.0, "warn"),
    ]
    # (the day after the thin one has it in its baseline: the median holds, no warning; the
    # newest day, still arriving, is not judged)
    (checked,) = query(path, "select count(*) from marts.dq_check_results where check_name = 'volume_anomaly'")[0]
    assert checked == 28  # days 2-29: every completed day
    revenue = query(path, "select date, orders, net_revenue from marts.revenue_daily order by date")
    assert revenue[19] == (ANOMALY_DAY, 2, Decimal("20.00"))
    assert len(revenue) == 30

    # Given a writer that bypassed the contract: a line without a currency, worth 1,000
    bad = order_line("BAD", run="dq-2", ingested_at=T2, order="OB", customer="C1", product="P1", quantity=100,
                     price="10.00", status="completed", at=datetime(2024, 4, 30, 12), line=2)  # fmt: skip
    bad["currency"] = None
    insert_duckdb(path, {"transactions": [bad]})
    # When dbt builds again
    second = dbt(home, "build", "--exclude-resource-type", "unit_test")
    # Then the gate fails and the marts built on transactions keep their last good state
    assert not second.success
    failed = not_passed(statuses(second))
    assert failed["test.shoplake.dq_status_is_not_dq_gate__transactions_fail"] == "fail"
    assert {failed[f"model.shoplake.{m}"] for m in ("revenue_daily", "customer_lifetime_value", "return_rates",
            "int_order_lines__categorised", "product_engagement")} == {"skipped"}  # fmt: skip
    assert query(path, "select date, orders, net_revenue from marts.revenue_daily order by date") == revenue
    # the facts took the line (what the gate judges), the failure is in the history
    assert query(path, "select count(*) from marts.fct_order_lines where transaction_id = 'BAD'") == [(1,)]
    batches = query(path, "select count(distinct checked_at) from marts.dq_checks__transactions")
    assert batches == [(2,)]
    fails = query(
        path, "select check_name, observed, status, message from marts.dq_check_results where status = 'fail'"
    )
    assert fails == [("null_share.currency", 1 / 568, "fail", "1 of 568 rows without currency")]
    # and the other datasets' marts are not held back by it
    assert "model.shoplake.dim_products" not in failed


def test_parse_prod_target(tmp_path):
    dbt_cli(
        tmp_path,
        "parse",
        target="prod",
        SNOWFLAKE_ACCOUNT="xy12345.eu-west-1",
        SNOWFLAKE_USER="shoplake_transformer",
        SNOWFLAKE_PASSWORD="not-a-secret",  # noqa: S106
        SNOWFLAKE_ROLE="SHOPLAKE_PROD_TRANSFORMER",
        SNOWFLAKE_WAREHOUSE="TRANSFORMING",
        SNOWFLAKE_DATABASE="SHOPLAKE",
    )
    manifest = json.loads((tmp_path / "dbt-target" / "manifest.json").read_text())
    schemas = {n["name"]: n["schema"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    assert schemas["stg_amazon__reviews"] == "staging"
    assert schemas["fct_reviews"] == "marts"
    assert {s["schema"] for s in manifest["sources"].values()} == {"raw"}
    assert manifest["metadata"]["adapter_type"] == "snowflake"


# -- the Snowflake-dialect check --------------------------------------------------------------
REPO_ROOT = Path(__file__).resolve().parents[2]


def snowflake_load(port: int, warehouse: Path, into: Path) -> None:
    """Copy every raw.* table of a local warehouse into fakesnow's RAW tables the way Snowflake
    bulk-loads: each table exported as Parquet, then ``COPY INTO … MATCH_BY_COLUMN_NAME`` (seconds,
    where one INSERT per row, parsed and transpiled by fakesnow, took minutes). ``into`` must be new:
    like Snowflake, fakesnow skips files it loaded before."""
    statements = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in TABLES:
            folder = into / table.name
            folder.mkdir(parents=True)
            names = ", ".join(name for name, _ in contract_columns(table))
            con.execute(f"copy (select {names} from raw.{table.name}) to '{folder / 'rows.parquet'}' (format parquet)")  # noqa: S608 - contract names
            statements.append(
                f"copy into shoplake.raw.{table.name} from 'file://{folder}' "
                "file_format = (type = parquet) match_by_column_name = case_insensitive"
            )
    loaded = snowflake_sql(port, *statements)
    assert [status for ((_, status, *_),) in loaded] == ["LOADED"] * len(TABLES)


_SNOWFLAKE_CLIENT = """
import json, sys
import snowflake.connector
port, database, statements = int(sys.argv[1]), sys.argv[2] or None, json.loads(sys.stdin.read())
conn = snowflake.connector.connect(
    user="fake", password="snow", account="fakesnow", host="127.0.0.1", port=port, protocol="http", database=database
)
cur = conn.cursor()
out = []
for sql in statements:
    cur.execute(sql)
    out.append([list(row) for row in cur.fetchall()])
conn.close()
print(json.dumps(out, default=str))
"""


def snowflake_sql(port: int, *statements: str, database: str = "shoplake") -> list[list[tuple]]:
    """Run statements on the fakesnow server with the Snowflake connector, in a process of its own
    (see dbt_process); each statement's rows."""
    proc = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _SNOWFLAKE_CLIENT, str(port), database],
        input=json.dumps(statements),
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [[tuple(row) for row in rows] for rows in json.loads(proc.stdout)]


@pytest.fixture
def fakesnow_server(tmp_path):
    """A fakesnow server (its own process) on a free port of 127.0.0.1, with RAW tables of Snowflake types."""
    port = free_port()
    log = (tmp_path / "fakesnow.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "fakesnow", "-s", "-p", str(port)], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"fakesnow did not start: {(tmp_path / 'fakesnow.log').read_text()}") from None
                time.sleep(0.1)
        snowflake_sql(port, "create database shoplake", database="")
        snowflake_sql(
            port,
            "create schema shoplake.raw",
            *(
                f"create table shoplake.raw.{table.name} "
                f"({', '.join(f'{name} {SNOWFLAKE_TYPES[typ]}' for name, typ in contract_columns(table))})"
                for table in TABLES
            ),
        )
        yield port
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_models_run_on_the_snowflake_dialect(fakesnow_server, tmp_path):
    port = fakesnow_server
    files = (FILE_1, FILE_2, CATALOGUE_1, CATALOGUE_2, *SHOP_FILES)
    snowflake_load(port, make_home(tmp_path / "first", *files) / "warehouse.duckdb", tmp_path / "load-1")
    # fakesnow cannot create database-qualified temporary tables, which dbt's unit tests need:
    # the unit tests run on DuckDB; every model and data test runs here.
    args = ("build", "--exclude-resource-type", "unit_test")
    done = dbt_process(tmp_path, *args, target="fakesnow", FAKESNOW_PORT=str(port))
    assert not_passed(done) == {DUPLICATES_WARNING: "warn"}
    assert sum(uid.startswith("model.") for uid in done) == 78

    reviews, reasons, history, lines, customers, products = snowflake_sql(
        port,
        "select review_id, run_id, rating, style_size, style_color from shoplake.marts.fct_reviews order by 1",
        "select run_id, quarantine_reason, records from shoplake.marts.fct_quarantine_reasons order by 1, 2",
        # (fakesnow's result encoding turns a null timestamp into 1970-01-01: ask for nullness)
        "select product_id, price, valid_from, case when valid_to is null then 'open' else "
        "cast(valid_to as varchar) end, is_current from shoplake.marts.dim_products_history order by 1, 3",
        "select transaction_id, status, is_kept, returned_units, returned_amount, transaction_month, run_id "
        "from shoplake.marts.fct_order_lines order by 1",
        "select customer_id, first_seen_at, last_seen_at, orders, order_lines, sessions, country "
        "from shoplake.marts.dim_customers order by 1",
        "select product_id, product_name, category, known_from from shoplake.marts.dim_products order by 1",
    )
    # the shop's facts and dimensions across datasets, in Snowflake SQL
    assert lines == [
        ("T1", "returned", False, 2, "24.00", "2024-02-01", "ord-2"),
        ("T2", "completed", True, 0, "0.00", "2024-02-01", "ord-1"),
        ("T3", "completed", True, 0, "0.00", "2024-03-01", "ord-1"),
        ("T4", "refunded", False, 3, "36.00", "2024-03-01", "ord-2"),
    ]
    assert customers == [
        ("C1", "2024-02-10 09:55:00", "2024-02-10 10:00:00", 1, 2, 1, "France"),
        ("C2", "2024-03-05 18:30:00", "2024-03-05 18:30:00", 1, 1, 0, None),
        ("C3", "2024-03-02 08:00:00", "2024-03-02 08:05:00", 0, 0, 1, None),
    ]
    assert products == [
        ("P1", "Product P1", "home", "catalogue"),
        ("P2", "Product P2", "home", "catalogue"),
        ("P3", None, None, "reviews"),
        ("P7", "WHITE MUG", None, "transactions"),
        ("P8", None, "electronics.audio", "clickstream"),
        ("P9", "Product P9", "home", "catalogue"),
    ]
    # the catalogue's history, in Snowflake SQL (numbers and timestamps as the connector prints them)
    assert history == [
        ("P1", "10.00", str(CATALOGUE_AT_1), str(CATALOGUE_AT_2), False),
        ("P1", "12.00", str(CATALOGUE_AT_2), "open", True),
        ("P2", "25.50", str(CATALOGUE_AT_1), "open", True),
        ("P9", "3.99", str(CATALOGUE_AT_1), "open", True),
    ]
    assert reviews == [
        ("r01", "run-1", 5, "Medium", "Red"),
        ("r02", "run-2", 4, None, None),
        ("r03", "run-2", 3, None, None),
        ("r04", "run-1", 1, None, None),
        ("r05", "run-1", 5, None, None),
        ("r06", "run-2", 4, None, "Blue"),
        ("r07", "run-2", 3, None, None),
    ]
    assert reasons == [
        ("ord-1", "invalid_status", 1),
        ("run-1", "malformed_json", 1),
        ("run-2", "invalid_rating", 1),
        ("run-2", "missing_rating", 1),
    ]

    # the incremental path (delete+insert) in Snowflake SQL
    snowflake_load(port, make_home(tmp_path / "second", FILE_3, FILE_4) / "warehouse.duckdb", tmp_path / "load-2")
    done = dbt_process(tmp_path, *args, "--select", "fct_reviews+", target="fakesnow", FAKESNOW_PORT=str(port))
    assert set(done.values()) == {"success", "pass"}
    changed, count = snowflake_sql(
        port,
        "select review_id, run_id, rating from shoplake.marts.fct_reviews where review_id in ('r01', 'r08') order by 1",
        "select count(*) from shoplake.marts.fct_reviews",
    )
    assert changed == [("r01", "run-3", 4), ("r08", "run-3", 5)]
    assert count == [(8,)]

    # The dashboard's questions (shoplake/reporting/dashboard/queries.py) get the same answers from
    # Snowflake as from DuckDB built from the same four files
    done = dbt_process(tmp_path, *args, "--select", "fct_pipeline_runs+", target="fakesnow", FAKESNOW_PORT=str(port))
    assert set(done.values()) == {"success", "pass"}
    on_snowflake = dashboard_answers_on_fakesnow(port)
    local = make_home(tmp_path / "duckdb", *files, FILE_3, FILE_4)
    assert dbt(local, "build", "--exclude-resource-type", "unit_test").success
    on_duckdb = dashboard_answers(DuckDBMarts(local / "warehouse.duckdb"))
    assert on_snowflake == on_duckdb
    assert on_snowflake["overview"] == {
        "reviews": 8, "products": 3, "reviewers": 5, "average_rating": 3.625, "verified_share": round(6 / 7, 9),
    }  # fmt: skip
    # files with quarantined records, newest commit first, of every dataset or one
    assert on_snowflake["files"] == ["run-2", "ord-1", "run-1"]
    assert on_snowflake["files_of_reviews"] == ["run-2", "run-1"]
    assert on_snowflake["datasets"] == ["clickstream", "products", "reviews", "transactions"]


_DASHBOARD_ON_FAKESNOW = """
import json, sys
import snowflake.connector
from shoplake.reporting.dashboard.marts import SnowflakeMarts
from tests.fixture_warehouse import dashboard_answers
port = int(sys.argv[1])
marts = SnowflakeMarts(
    lambda: snowflake.connector.connect(
        user="fake", password="snow", account="fakesnow", host="127.0.0.1", port=port, protocol="http",
        database="shoplake", paramstyle="qmark",
    ),
    "shoplake",
)
print(json.dumps(dashboard_answers(marts)))
"""


def dashboard_answers_on_fakesnow(port: int) -> dict[str, Any]:
    """dashboard_answers through the dashboard's Snowflake reader (qmark bindings), in a process of its own."""
    proc = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _DASHBOARD_ON_FAKESNOW, str(port)], capture_output=True, text=True, cwd=REPO_ROOT
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)
