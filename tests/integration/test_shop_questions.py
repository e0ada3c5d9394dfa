"""The shop's seven questions, end to end: three months of the simulated shop's files through the
local pipeline (Spark, the state machine, the transform DAG), then

* every question's mart against an independent computation over the same files
  (tests/shop_truth.py: csv and json over the files, not our readers, not our marts);
* the same raw rows on the Snowflake dialect (fakesnow): every business mart and data-quality
  check gives the same rows as on DuckDB.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from shoplake.datasets.cart_events.sample import write_sample as write_cart_events
from shoplake.datasets.clickstream.sample import write_sample as write_events
from shoplake.datasets.products.sample import write_sample as write_catalogue
from shoplake.datasets.reviews.sample import write_store_sample
from shoplake.datasets.transactions.sample import write_sample as write_orders
from shoplake.local.runtime import LocalCloud
from shoplake.project import REPO_ROOT
from tests import cart_truth
from tests import shop_truth as truth
from tests.fixture_warehouse import dbt, dbt_process, statuses
from tests.integration.test_dbt import fakesnow_server, snowflake_load, snowflake_sql  # noqa: F401 - a fixture

pytestmark = pytest.mark.spark

FIRST, LAST = date(2026, 9, 1), date(2026, 11, 30)
PER_DAY = 6  # visits on an ordinary day (more at weekends and on the November peaks)


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> dict[str, Any]:
    """Three months of the shop landed as four history files, published, and one ``dbt build``
    (the transform DAG that runs the same build is tested in test_dags and test_end_to_end)."""
    root = tmp_path_factory.mktemp("shop")
    files = {
        "products": root / "catalogue.json",
        "transactions": root / "orders.csv",
        "clickstream": root / "events.jsonl",
        "reviews": root / "store-reviews.csv",
        "cart_events": root / "cart-events.csv",
    }
    period = dict(day=FIRST, until=LAST, sessions_per_day=PER_DAY, corrupt_share=0.0)
    write_catalogue(files["products"], 120, corrupt_share=0.0, duplicate_share=0.0, day=FIRST)
    write_orders(files["transactions"], None, duplicate_share=0.01, **period)
    write_events(files["clickstream"], None, duplicate_share=0.01, **period)
    write_store_sample(files["reviews"], None, duplicate_share=0.0, **period)
    write_cart_events(files["cart_events"], None, duplicate_share=0.01, **period)
    home = root / "home"
    mp = pytest.MonkeyPatch()
    mp.setenv("SHOPLAKE_HOME", str(home))
    try:
        with LocalCloud(home, retry_time_scale=0.001) as cloud:
            results = [
                cloud.process(cloud.land(path, dataset=dataset, date=LAST.isoformat()), file=str(path), transform=False)
                for dataset, path in files.items()
            ]
    finally:
        mp.undo()
    build = dbt(home, "build", "--exclude-resource-type", "unit_test")
    return {"home": home, "files": files, "results": results, "build": build}


def rows(home: Path, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def approx(value: Any) -> Any:
    return pytest.approx(value, rel=1e-9, abs=1e-12) if isinstance(value, float) else value


def test_every_file_published_and_the_marts_built(shop):
    # (anonymous visitors' carts are quarantined: only customers' carts can be won back)
    assert [(r.status, r.counts["quarantined"] > 0) for r in shop["results"]] == [("SUCCEEDED", False)] * 4 + [
        ("SUCCEEDED", True)
    ]
    assert set(shop["results"][4].quarantine_reasons) == {"anonymous_cart"}
    # everything built and passed; the November peaks warn (test_data_quality_on_the_clean_history…)
    assert {uid.rsplit(".", 1)[0]: s for uid, s in statuses(shop["build"]).items() if s not in ("success", "pass")} == {
        "test.shoplake.dq_status_is_not_dq_gate__transactions_warn": "warn",
        "test.shoplake.dq_status_is_not_dq_gate__clickstream_warn": "warn",
        "test.shoplake.dq_status_is_not_dq_gate__cart_events_warn": "warn",
    }


@pytest.fixture(scope="module")
def answers(shop) -> dict[str, Any]:
    files = shop["files"]
    lines = truth.read_lines(files["transactions"])
    events = truth.read_events(files["clickstream"])
    categories = truth.read_categories(files["products"])
    ratings = truth.read_ratings(files["reviews"])
    with (REPO_ROOT / "dbt" / "seeds" / "rfm_segments.csv").open() as f:
        segments = {(int(r["r_score"]), int(r["fm_score"])): r["segment"] for r in csv.DictReader(f)}
    visits = truth.sessions(events)
    return {"lines": lines, "events": events, "categories": categories, "ratings": ratings,
            "segments": segments, "visits": visits}  # fmt: skip


def test_the_shop_files_exercise_every_question(answers):
    # the history holds what each question needs: returns and refunds, guests, repeat customers,
    # visits cut by a long pause, and baskets of several products
    lines, visits = answers["lines"], answers["visits"]
    assert {ln.status for ln in lines} == {"completed", "returned", "refunded"}
    assert any(ln.customer_id is None for ln in lines)
    assert any(v["orders"] > 1 for v in truth.customer_lifetime_value(lines).values())
    assert any("#" in key for key in visits)
    assert truth.products_bought_together(lines)


def test_top_selling_products_by_category(shop, answers):
    want = truth.product_sales_monthly(answers["lines"], answers["categories"])
    got = rows(shop["home"], "select * from marts.product_sales_monthly")
    assert {(r["product_id"], r["month"]): {k: approx(r[k]) for k in want[(r["product_id"], r["month"])]}
            for r in got} == want  # fmt: skip


def test_customer_lifetime_value_and_cohorts(shop, answers):
    want = truth.customer_lifetime_value(answers["lines"])
    got = rows(shop["home"], "select * from marts.customer_lifetime_value")
    assert {r["customer_id"]: {k: approx(r[k]) for k in want[r["customer_id"]]} for r in got} == {
        c: {k: approx(v) for k, v in a.items()} for c, a in want.items()
    }
    cohorts = truth.customer_cohorts(answers["lines"])
    got = rows(shop["home"], "select * from marts.customer_cohorts")
    assert {(r["cohort_month"], r["months_since"]): {k: approx(r[k]) for k in cohorts[(r["cohort_month"],
            r["months_since"])]} for r in got} == {k: {f: approx(v) for f, v in a.items()}
            for k, a in cohorts.items()}  # fmt: skip


def test_sessions_and_the_conversion_funnel(shop, answers):
    visits = answers["visits"]
    got = rows(shop["home"], "select * from marts.sessions")
    fields = ("device", "session_date", "events", "reached_product_view", "reached_add_to_cart", "reached_purchase")
    assert {r["session_key"]: {k: r[k] for k in fields} for r in got} == {
        key: {k: v[k] for k in fields} for key, v in visits.items()
    }
    funnel = truth.funnel_daily(visits)
    got = rows(shop["home"], "select * from marts.funnel_daily")
    assert {(r["date"], r["device"]): {k: approx(r[k]) for k in funnel[(r["date"], r["device"])]} for r in got} == {
        k: {f: approx(v) for f, v in a.items()} for k, a in funnel.items()
    }


def test_product_recommendation_insights(shop, answers):
    for mart, want, count in (
        ("products_bought_together", truth.products_bought_together(answers["lines"]), "orders_together"),
        ("products_viewed_together", truth.products_viewed_together(answers["visits"]), "sessions_together"),
    ):
        got = rows(shop["home"], f"select * from marts.{mart}")  # noqa: S608 - a constant
        assert {(r["product_id"], r["other_product_id"]): {
            "together": r[count], "support": approx(r["support"]), "confidence": approx(r["confidence"]),
            "lift": approx(r["lift"])} for r in got} == want, mart  # fmt: skip
    engagement = truth.product_engagement(answers["events"], answers["visits"], answers["ratings"])
    got = rows(shop["home"], "select * from marts.product_engagement where views + add_to_carts + purchases > 0")
    assert {r["product_id"]: {k: approx(r[k]) for k in engagement[r["product_id"]]} for r in got} == {
        p: {k: approx(v) for k, v in a.items()} for p, a in engagement.items()
    }


def test_revenue_trends_over_time(shop, answers):
    daily = truth.revenue_daily(answers["lines"])
    got = rows(shop["home"], "select * from marts.revenue_daily order by date")
    assert [r["date"] for r in got] == list(daily)  # every day, in order
    assert {r["date"]: {k: approx(r[k]) for k in daily[r["date"]]} for r in got} == {
        d: {k: approx(v) for k, v in a.items()} for d, a in daily.items()
    }
    monthly = truth.revenue_monthly(answers["lines"])
    got = rows(shop["home"], "select * from marts.revenue_monthly")
    assert {r["month"]: {k: approx(r[k]) for k in monthly[r["month"]]} for r in got} == {
        m: {k: approx(v) for k, v in a.items()} for m, a in monthly.items()
    }


def test_customer_segments(shop, answers):
    want = truth.customer_segments(answers["lines"], answers["segments"])
    got = rows(shop["home"], "select * from marts.customer_segments")
    assert {r["customer_id"]: {k: r[k] for k in want[r["customer_id"]]} for r in got} == want
    assert len({v["segment"] for v in want.values()}) >= 5  # the shop's customers spread over the segments


def test_return_rates(shop, answers):
    want = truth.return_rates(answers["lines"], answers["categories"])
    got = rows(shop["home"], "select * from marts.return_rates")
    assert {(r["product_id"], r["month"]): {k: approx(r[k]) for k in want[(r["product_id"], r["month"])]}
            for r in got} == {k: {f: approx(v) for f, v in a.items()} for k, a in want.items()}  # fmt: skip
    assert any(a["is_low_volume"] for a in want.values()) and any(not a["is_low_volume"] for a in want.values())


def test_data_quality_on_the_clean_history_flags_only_the_real_peaks(shop, answers):
    # three months of clean files: nothing fails; the volume warnings are the days an independent
    # robust-z computation flags (the November peaks), and nothing else warns
    got = rows(shop["home"], "select dataset, check_name, date, status from marts.dq_check_results "
                             "where status != 'pass' order by dataset, check_name, date")  # fmt: skip
    events_per_day = [e.ts.date() for e in answers["events"]]
    lines_per_day = [ln.day for ln in answers["lines"]]
    carts_per_day = [e.ts.date() for e in cart_truth.read_events(shop["files"]["cart_events"])]
    want = (
        [("cart_events", "volume_anomaly", d, "warn") for d in truth.volume_warnings(carts_per_day)]
        + [("clickstream", "volume_anomaly", d, "warn") for d in truth.volume_warnings(events_per_day)]
        + [("transactions", "volume_anomaly", d, "warn") for d in truth.volume_warnings(lines_per_day)]
    )
    assert [(r["dataset"], r["check_name"], r["date"], r["status"]) for r in got] == want
    assert date(2026, 11, 27) in [w[2] for w in want]  # Black Friday stands out


# -- the same inputs on the Snowflake dialect ---------------------------------------------------
BUSINESS_MARTS = (
    "product_sales_monthly", "category_sales_monthly", "customer_lifetime_value", "customer_cohorts",
    "customer_segments", "sessions", "funnel_daily", "products_bought_together", "products_viewed_together",
    "product_engagement", "revenue_daily", "revenue_monthly", "return_rates",
    "fct_cart_lines", "fct_carts", "product_abandonment", "cart_abandonment_daily", "customer_promotions",
)  # fmt: skip


def normalised(value: Any) -> Any:
    """A value as both warehouses' results compare: numbers as rounded floats, times as text."""
    # (fakesnow's result encoding turns a null timestamp into the epoch)
    if value is None or value == "1970-01-01 00:00:00":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return round(float(value), 6)
    if isinstance(value, str):
        try:
            return round(float(value), 6)
        except ValueError:
            return value
    return str(value)


def test_every_mart_and_check_is_the_same_on_the_snowflake_dialect(shop, fakesnow_server, tmp_path):  # noqa: F811
    port, home = fakesnow_server, shop["home"]
    # Given the raw rows the pipeline published, loaded into fakesnow's RAW tables
    snowflake_load(port, home / "warehouse.duckdb", tmp_path / "load")
    # When every model builds there (their tests ran on DuckDB, and test_dbt runs them all on
    # fakesnow: here the results are compared)
    selected = ["--select", *(f"+{m}" for m in (*BUSINESS_MARTS, "dq_check_results"))]
    done = dbt_process(tmp_path, "build", *selected, "--exclude-resource-type", "unit_test", "test",
                       target="fakesnow", FAKESNOW_PORT=str(port))  # fmt: skip
    assert {uid for uid, s in done.items() if s != "success"} == set()
    # Then each business mart has the same rows as on DuckDB, and so has each check
    queries = [f"select * from shoplake.marts.{m}" for m in BUSINESS_MARTS]
    dq = (
        "select dataset, check_name, date, observed, expected, status, message from {}dq_check_results "
        "where check_name != 'freshness'"
    )
    on_snowflake = snowflake_sql(port, *queries, dq.format("shoplake.marts."))
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        on_duckdb = [con.execute(q.replace("shoplake.", "")).fetchall() for q in queries]
        # (the local history holds one batch: the transform's)
        on_duckdb.append(con.execute(dq.format("marts.")).fetchall())
    for name, sf, dk in zip((*BUSINESS_MARTS, "dq_check_results"), on_snowflake, on_duckdb, strict=True):
        assert len(sf) == len(dk) > 0, name
        assert ordered(sf) == ordered(dk), name


def ordered(result: list[tuple]) -> list[tuple]:
    """Rows normalised, in one order (nulls first) whatever order the warehouse gave them in."""
    rows = [tuple(normalised(v) for v in r) for r in result]
    return sorted(rows, key=lambda r: [(v is not None, str(type(v)), v if v is not None else 0) for v in r])


# -- the cloud's query side -------------------------------------------------------------------
def test_the_athena_named_queries_answer_what_the_marts_answer(shop):
    """The seven named queries (Trino SQL, athena/queries/, read by Athena from the processed
    zone) parse as Trino and, transpiled to DuckDB by sqlglot, run over the same raw tables and
    give the marts' answers."""
    import sqlglot

    from shoplake.tooling.athena import named_queries

    queries = named_queries()
    assert len(queries) == 7
    with duckdb.connect(str(shop["home"] / "warehouse.duckdb"), read_only=True) as con:

        def athena(stem: str) -> list[dict[str, Any]]:
            (duck,) = sqlglot.transpile(queries[stem], read="trino", write="duckdb", unsupported_level="raise")
            con.execute("set search_path = 'raw'")
            cur = con.execute(duck)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

        def marts(sql: str) -> list[dict[str, Any]]:
            con.execute("set search_path = 'marts'")
            cur = con.execute(sql)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

        def keyed(rows: list[dict], key: tuple[str, ...], fields: tuple[str, ...]) -> dict:
            return {tuple(str(r[k])[:10] for k in key): tuple(normalised(r[f]) for f in fields) for r in rows}

        checks = {
            "1_top_selling_products_by_category": (
                "select * from product_sales_monthly", ("product_id", "month"),
                ("category", "units_sold", "net_revenue", "category_rank"),
            ),
            "2_customer_lifetime_value": (
                "select * from customer_lifetime_value", ("customer_id",),
                ("first_order_date", "orders", "net_revenue", "average_order_value", "tenure_days"),
            ),
            "3_conversion_funnel": (
                "select * from funnel_daily", ("date", "device"),
                ("sessions", "product_view_sessions", "add_to_cart_sessions", "purchase_sessions", "conversion_rate"),
            ),
            "4_products_bought_together": (
                "select * from products_bought_together", ("product_id", "other_product_id"),
                ("orders_together", "support", "confidence", "lift"),
            ),
            "5_revenue_by_month": (
                "select * from revenue_monthly where orders > 0", ("month",),
                ("orders", "net_revenue", "average_order_value", "mom_growth"),
            ),
            "6_customer_segments": (
                "select * from customer_segments", ("customer_id",),
                ("recency_days", "frequency", "monetary", "r_score", "f_score", "m_score"),
            ),
            "7_return_rates": (
                "select * from return_rates", ("product_id", "month"),
                ("units_sold", "goods_returned_units", "refunded_units", "return_rate", "is_low_volume"),
            ),
        }  # fmt: skip
        assert set(checks) == set(queries)
        for stem, (mart_sql, key, fields) in checks.items():
            got, want = keyed(athena(stem), key, fields), keyed(marts(mart_sql), key, fields)
            assert got == want and want, stem
