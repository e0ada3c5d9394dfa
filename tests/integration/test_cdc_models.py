"""The change-capture models (dbt: staging, silver, the SCD2 history, city and status gold) on a
scripted history whose answers are worked out by hand below, not by the models' logic.

The history: Ann (user 1) lives in Austin, orders a premium kettle on Nov 2, moves to Boston on
Nov 5, then orders twice on Nov 6 (one cancelled, one of exactly the premium amount). Bo (2) only
changes his email (no new history row). Cy (3) is deleted on Nov 4 and comes back on Nov 8. Di (4)
had no address at first (a column going from null to a value). User 9 was never captured. One
order is cancelled and deleted (a tombstone), and one batch is delivered twice.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tests.fixture_warehouse import dbt, make_home, query, statuses

CDC_MODELS = ("+city_sales_daily", "+order_status_daily", "+fct_order_status_history", "+dim_users_history",
              "+silver_dim_users", "+silver_dim_products", "+capture_freshness")  # fmt: skip


def ts(day: int, hh: int, mm: int = 0, us: int = 0) -> datetime:
    return datetime(2026, 11, day, hh, mm, 0, us)


INGESTED = datetime(2026, 11, 20, 8, 0)


def change(table: str, op: str, at: datetime, *, run: str, ingested: datetime, line: int, **cols) -> dict:
    return {**cols, "change_op": op, "changed_at": at, "source_uri": f"s3://raw/cdc/{table}/{run}.parquet",
            "line_number": line, "ingested_at": ingested, "run_id": run, "change_date": at.date(),
            **({"updated_at": at} if op == "upsert" else {})}  # fmt: skip


USER_COLUMNS = ("user_id", "name", "email", "city", "address", "updated_at")
SALE_COLUMNS = ("sale_id", "user_id", "product_id", "quantity", "total_amount", "status", "created_at", "updated_at")


def user(op: str, at: datetime, user_id: int, city: str | None = None, address: str | None = None,
         email: str | None = None, *, run: str = "r1", ingested: datetime = INGESTED,
         line: int = 1) -> dict:  # fmt: skip
    row = dict.fromkeys(USER_COLUMNS)
    if op == "upsert":
        row |= {"name": f"user {user_id}", "email": email or f"u{user_id}@x", "city": city, "address": address}
    row["user_id"] = user_id
    return row | change("dim_users", op, at, run=run, ingested=ingested, line=line)


def sale(op: str, at: datetime, sale_id: int, user_id: int | None = None, total: str | None = None,
         status: str | None = None, created: datetime | None = None, *, run: str = "r1",
         ingested: datetime = INGESTED, line: int = 1) -> dict:  # fmt: skip
    row = dict.fromkeys(SALE_COLUMNS)
    if op == "upsert":
        row |= {"user_id": user_id, "product_id": "SKU-1", "quantity": 1, "total_amount": Decimal(total),
                "status": status, "created_at": created}  # fmt: skip
    row["sale_id"] = sale_id
    return row | change("fact_sales", op, at, run=run, ingested=ingested, line=line)


USERS = [
    user("upsert", ts(1, 10), 1, "Austin", "Elm 1"),
    user("upsert", ts(5, 12), 1, "Boston", "Oak 2"),
    user("upsert", ts(1, 10), 2, "Austin", "Elm 2"),
    user("upsert", ts(3, 9), 2, "Austin", "Elm 2", email="bo@new"),  # only the email: same period
    user("upsert", ts(1, 11), 3, "Denver", "Ash 3"),
    user("delete", ts(4, 8), 3),
    user("upsert", ts(8, 8), 3, "Denver", "Ash 3"),  # the same key again
    user("upsert", ts(1, 12), 4, "Austin", None),
    user("upsert", ts(2, 12), 4, "Austin", "Pine 4"),  # null to a value
    user("upsert", ts(6, 12), 5, "Denver", "Fir 5"),  # first captured after her first order
]
P100 = {"user_id": 1, "total": "600.00", "created": ts(2, 9)}
SALES = [
    sale("upsert", ts(2, 9), 100, status="PENDING", **P100),
    sale("upsert", ts(3, 9), 100, status="SHIPPED", **P100),
    sale("upsert", ts(4, 9), 100, status="DELIVERED", **P100),
    sale("upsert", ts(2, 10), 200, 2, "50.00", "SHIPPED", ts(2, 10)),
    sale("upsert", ts(7, 9), 101, 1, "100.00", "CANCELLED", ts(6, 15)),
    sale("upsert", ts(6, 16), 102, 1, "500.00", "PENDING", ts(6, 16)),
    sale("upsert", ts(7, 10), 103, 2, "80.00", "CANCELLED", ts(6, 17)),
    sale("delete", ts(7, 11), 103),
    sale("upsert", ts(6, 18), 300, 9, "20.00", "DELIVERED", ts(6, 18)),
    sale("upsert", ts(3, 10), 104, 2, "10.00", "PENDING", ts(3, 10)),  # never moves on: stuck
    sale("upsert", ts(5, 9), 105, 5, "30.00", "DELIVERED", ts(5, 8)),  # before its user's first version
]
# The last batch delivered again: the same versions under another run.
REDELIVERED = [sale("upsert", ts(4, 9), 100, status="DELIVERED", run="r2", ingested=ts(20, 9), **P100)]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    home = make_home(
        tmp_path_factory.mktemp("cdc") / "home", {"cdc_dim_users": USERS, "cdc_fact_sales": SALES + REDELIVERED}
    )
    result = dbt(home, "build", "--select", *CDC_MODELS)
    failed = {k: v for k, v in statuses(result).items() if v not in ("success", "pass", "warn")}
    assert result.success and not failed, failed
    return home


HISTORY = [
    (1, "Austin", "Elm 1", ts(1, 10), ts(5, 12), False),
    (1, "Boston", "Oak 2", ts(5, 12), None, True),
    (2, "Austin", "Elm 2", ts(1, 10), None, True),
    (3, "Denver", "Ash 3", ts(1, 11), ts(4, 8), False),
    (3, "Denver", "Ash 3", ts(8, 8), None, True),
    (4, "Austin", None, ts(1, 12), ts(2, 12), False),
    (4, "Austin", "Pine 4", ts(2, 12), None, True),
    (5, "Denver", "Fir 5", ts(6, 12), None, True),
]


def history(home: Path) -> list[tuple]:
    return query(home / "warehouse.duckdb", "select user_id, city, address, valid_from, valid_to, is_current "
                 "from marts.dim_users_history order by user_id, valid_from")  # fmt: skip


def test_users_history_is_scd2_over_city_and_address(built):
    assert history(built) == HISTORY


def test_order_status_history(built):
    rows = query(built / "warehouse.duckdb", "select sale_id, status, valid_from, valid_to "
                 "from marts.fct_order_status_history order by sale_id, valid_from")  # fmt: skip
    assert rows == [
        (100, "PENDING", ts(2, 9), ts(3, 9)),
        (100, "SHIPPED", ts(3, 9), ts(4, 9)),
        (100, "DELIVERED", ts(4, 9), None),
        (101, "CANCELLED", ts(7, 9), None),
        (102, "PENDING", ts(6, 16), None),
        (103, "CANCELLED", ts(7, 10), ts(7, 11)),  # ended by its deletion
        (104, "PENDING", ts(3, 10), None),
        (105, "DELIVERED", ts(5, 9), None),
        (200, "SHIPPED", ts(2, 10), None),
        (300, "DELIVERED", ts(6, 18), None),
    ]


def test_silver_is_the_source_as_of_the_newest_change(built):
    db = built / "warehouse.duckdb"
    assert query(db, "select sale_id, user_id, total_amount, status from silver.fact_sales order by sale_id") == [
        (100, 1, Decimal("600.00"), "DELIVERED"),
        (101, 1, Decimal("100.00"), "CANCELLED"),
        (102, 1, Decimal("500.00"), "PENDING"),
        (104, 2, Decimal("10.00"), "PENDING"),
        (105, 5, Decimal("30.00"), "DELIVERED"),
        (200, 2, Decimal("50.00"), "SHIPPED"),
        (300, 9, Decimal("20.00"), "DELIVERED"),
    ]
    assert query(db, "select user_id, email, city, address from silver.dim_users order by user_id") == [
        (1, "u1@x", "Boston", "Oak 2"), (2, "bo@new", "Austin", "Elm 2"), (3, "u3@x", "Denver", "Ash 3"),
        (4, "u4@x", "Austin", "Pine 4"), (5, "u5@x", "Denver", "Fir 5"),
    ]  # fmt: skip
    columns = query(db, "select column_name from information_schema.columns where table_schema = 'silver' "
                    "and table_name = 'fact_sales' order by ordinal_position")  # fmt: skip
    assert [c for (c,) in columns] == list(SALE_COLUMNS)


def test_city_sales_use_the_city_at_the_time_of_the_order(built):
    rows = query(built / "warehouse.duckdb", """
        select city, date, orders, cancelled_orders, revenue, average_order_value, premium_orders,
               premium_revenue, standard_revenue, round(premium_market_share, 6), cancellation_rate
        from marts.city_sales_daily order by date, city""")  # fmt: skip
    assert rows == [
        # Ann's Nov 2 order counts for Austin although she lives in Boston now
        ("Austin", date(2026, 11, 2), 2, 0, Decimal("650.00"), 325.0, 1, Decimal("600.00"), Decimal("50.00"),
         round(600 / 650, 6), 0.0),
        # Bo's order, in Austin (his email changed that morning: the same period)
        ("Austin", date(2026, 11, 3), 1, 0, Decimal("10.00"), 10.0, 0, Decimal("0.00"), Decimal("10.00"), 0.0, 0.0),
        # Eve's order came before her first captured version: it takes that version's city
        ("Denver", date(2026, 11, 5), 1, 0, Decimal("30.00"), 30.0, 0, Decimal("0.00"), Decimal("30.00"), 0.0, 0.0),
        # her Nov 6 orders for Boston: one cancelled (no revenue), one of exactly 500 (premium)
        ("Boston", date(2026, 11, 6), 2, 1, Decimal("500.00"), 500.0, 1, Decimal("500.00"), Decimal("0.00"), 1.0, 0.5),
        ("unknown", date(2026, 11, 6), 1, 0, Decimal("20.00"), 20.0, 0, Decimal("0.00"), Decimal("20.00"), 0.0, 0.0),
    ]  # fmt: skip


def test_order_status_daily_counts_stuck_orders_at_the_capture_clock(built):
    rows = query(built / "warehouse.duckdb", "select date, status, orders, stuck_pending, as_of "
                 "from marts.order_status_daily order by date, status")  # fmt: skip
    # as_of: the newest captured change of the orders (Nov 7 11:00, not the wall clock); 104,
    # PENDING since Nov 3 10:00, is 97 hours old then: stuck (48 h); 102, PENDING since Nov 6
    # 16:00, is 19 hours old: not stuck
    assert rows == [
        (date(2026, 11, 2), "DELIVERED", 1, 0, ts(7, 11)),
        (date(2026, 11, 2), "SHIPPED", 1, 0, ts(7, 11)),
        (date(2026, 11, 3), "PENDING", 1, 1, ts(7, 11)),
        (date(2026, 11, 5), "DELIVERED", 1, 0, ts(7, 11)),
        (date(2026, 11, 6), "CANCELLED", 1, 0, ts(7, 11)),
        (date(2026, 11, 6), "DELIVERED", 1, 0, ts(7, 11)),
        (date(2026, 11, 6), "PENDING", 1, 0, ts(7, 11)),
    ]


def test_reruns_and_later_batches_never_double_a_current_row(built, tmp_path):
    """A rebuild, a batch delivered again and a later batch: the same history, one current row
    per live user, silver moved on; a full refresh agrees with the incremental build."""
    from tests.fixture_warehouse import copy_home, insert_duckdb

    home = copy_home(built, tmp_path / "again")
    later = ts(21, 8)
    insert_duckdb(home / "warehouse.duckdb", {
        "cdc_dim_users": [*(u | {"run_id": "r3", "ingested_at": later} for u in USERS),  # all again
                          user("upsert", ts(9, 9), 2, "Boston", "Elm 9", email="bo@new", run="r3", ingested=later)],
        "cdc_fact_sales": [sale("upsert", ts(9, 10), 102, 1, "500.00", "SHIPPED", ts(6, 16), run="r3",
                                ingested=later)],
    })  # fmt: skip
    for args in ((), (), ("--full-refresh",)):
        result = dbt(home, "build", "--select", *CDC_MODELS, *args)
        assert result.success, statuses(result)
        assert history(home) == [*HISTORY[:2], (2, "Austin", "Elm 2", ts(1, 10), ts(9, 9), False),
                                 (2, "Boston", "Elm 9", ts(9, 9), None, True), *HISTORY[3:]]  # fmt: skip
        assert query(home / "warehouse.duckdb", "select status from silver.fact_sales where sale_id = 102") == [
            ("SHIPPED",)
        ]
        assert query(home / "warehouse.duckdb", "select count(*) from silver.fact_sales_state") == [(8,)]


def test_utc_microseconds_reach_the_marts(tmp_path):
    at = datetime(2026, 11, 30, 23, 59, 59, 999999)
    home = make_home(tmp_path / "home", {"cdc_fact_sales": [sale("upsert", at, 1, 1, "9.99", "PENDING", at)]})
    assert dbt(home, "build", "--select", *CDC_MODELS).success
    assert query(home / "warehouse.duckdb", "select created_at from silver.fact_sales") == [(at,)]
    assert query(home / "warehouse.duckdb", "select date from marts.city_sales_daily") == [(date(2026, 11, 30),)]


def test_capture_freshness(built):
    rows = query(built / "warehouse.duckdb", "select table_name, versions_captured, deletions_captured, "
                 "newest_change_at, newest_ingested_at from marts.capture_freshness order by table_name")  # fmt: skip
    # the redelivered version is one version; Cy's deletion and order 103's are tombstones
    assert rows == [("dim_users", 9, 1, ts(8, 8), INGESTED), ("fact_sales", 10, 1, ts(7, 11), ts(20, 9))]


def test_the_order_database_page(built, monkeypatch):
    from shoplake.reporting.dashboard import formatting as fmt
    from tests.apptest import page, shown

    monkeypatch.setenv("SHOPLAKE_HOME", str(built))
    monkeypatch.delenv("DASHBOARD_WAREHOUSE", raising=False)
    at = page("order_sales")
    at.run()
    # revenue: 600 + 50 (Nov 2) + 10 (Nov 3) + 30 (Nov 5) + 500 (Nov 6) + 20 (user 9); 101
    # cancelled, 103 deleted
    assert shown(at) == {
        "Revenue": fmt.amount(1210.0),
        "Average order value": fmt.amount(1210.0 / 6),
        "Orders": "7",
        "Premium share": fmt.share(1100 / 1210),
    }
    cities = at.dataframe[0].value
    assert [(r.city, r.orders, float(r.revenue), round(r.premium_market_share, 6)) for r in cities.itertuples()] == [
        ("Austin", 3, 660.0, round(600 / 660, 6)), ("Boston", 2, 500.0, 1.0), ("Denver", 1, 30.0, 0.0),
        ("unknown", 1, 20.0, 0.0)
    ]  # fmt: skip
    assert [c.value for c in at.caption if "stuck" in c.value] == [
        "1 PENDING orders are stuck (older than the threshold at the capture's clock)"
    ]
    freshness = at.dataframe[1].value
    assert list(freshness["table"]) == ["dim_users", "fact_sales"]
    assert list(freshness["newest change captured"]) == ["2026-11-08 08:00 UTC", "2026-11-07 11:00 UTC"]
