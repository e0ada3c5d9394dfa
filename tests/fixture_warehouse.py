"""A small warehouse built from inline rows with the exact contract schema.

The raw.* tables the local runtime publishes (as views over Parquet), filled with four files in
which some reviews repeat, and the helpers that run dbt in-process on it. The dbt tests, the DAG
tests and the dashboard tests all build their warehouses from these rows.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from shoplake.core.contracts import PIPELINE_RUNS, Table
from shoplake.core.warehouse.duckdb import DUCKDB_TYPES
from shoplake.datasets import DATASETS

DBT_DIR = Path(__file__).resolve().parents[1] / "dbt"

# Ingestion times relative to now, so source freshness (warn 24 h, error 72 h) passes.
NOW = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
T1, T2 = NOW - timedelta(hours=3), NOW - timedelta(hours=2)
T3 = NOW - timedelta(minutes=30)
# File 4 became visible after file 3 but was ingested before it (overlapping executions).
T4 = T2 + timedelta(minutes=20)

RAW = "s3://shoplake-local-raw/reviews/"
PRODUCTS = {"r01": "P1", "r02": "P1", "r03": "P2", "r04": "P2", "r05": "P3", "r06": "P3", "r07": "P1", "r08": "P2"}
REVIEWERS = {"r01": "U1", "r02": "U2", "r03": "U1", "r04": "U3", "r05": "U2", "r06": "U4", "r07": "U3", "r08": "U5"}


def review(
    review_id: str,
    *,
    run: str,
    ingested_at: datetime,
    rating: int,
    day: date,
    line: int,
    helpful: int = 0,
    verified: bool | None = True,
    title: str = "fine",
    style: dict[str, str] | None = None,
    reviewer_name: str | None = None,
) -> dict[str, Any]:
    """A raw.reviews row with every contract column."""
    ts = datetime(day.year, day.month, day.day, 12, 0, 0)
    return {
        "review_id": review_id,
        "product_id": PRODUCTS[review_id],
        "parent_product_id": None,
        "reviewer_id": REVIEWERS[review_id],
        "reviewer_name": reviewer_name,
        "rating": rating,
        "title": title,
        "review_text": f"text of {review_id}",
        "review_ts": ts,
        "review_date": day,
        "helpful_votes": helpful,
        "total_votes": None,
        "verified_purchase": verified,
        "image_count": 0,
        "style": style,
        "source_format": "amazon_2018" if verified is not None else "amazon_2014",
        "source_uri": f"{RAW}{run}.jsonl",
        "line_number": line,
        "ingested_at": ingested_at,
        "run_id": run,
        "review_year": day.year,
    }


def run_row(run: str, committed_at: datetime, processed: int, duplicates: int, reasons: dict[str, int]):
    quarantined = sum(reasons.values())
    return {
        "dataset": "reviews",
        "source_uri": f"{RAW}{run}.jsonl",
        "source_id": f"src-{run}",
        "run_id": run,
        "pipeline_version": "1",
        "committed_at": committed_at,
        "records_read": processed + quarantined + duplicates,
        "processed": processed,
        "quarantined": quarantined,
        "duplicates": duplicates,
        "quarantine_reasons": reasons,
        "clean_seconds": 1.5,
        "flatten_seconds": 0.5,
    }


def quarantine_row(run: str, line: int, reason: str):
    return {"source_uri": f"{RAW}{run}.jsonl", "line_number": line, "reason": reason, "raw_record": "{", "run_id": run}


def image_row(review_id: str, run: str, url: str, variant: str, year: int):
    return {
        "review_id": review_id,
        "image_url": url,
        "variant": variant,
        "source_uri": f"{RAW}{run}.jsonl",
        "run_id": run,
        "review_year": year,
    }


# r01 as files 1 and 3 publish it; file 3 only re-rates it.
R01 = dict(day=date(2024, 1, 5), line=1, helpful=2, style={"size": "Medium", "color": "Red"}, reviewer_name="Ann")

# Two files: r02 and r03 arrive again in file 2 (r02 with more helpful votes, r03 re-rated 2 -> 3).
FILE_1 = {
    "reviews": [
        review("r01", run="run-1", ingested_at=T1, rating=5, **R01),
        review("r02", run="run-1", ingested_at=T1, rating=4, day=date(2024, 1, 20), line=2, verified=False),
        review("r03", run="run-1", ingested_at=T1, rating=2, day=date(2024, 2, 3), line=3, helpful=1, verified=None),
        review(
            "r04", run="run-1", ingested_at=T1, rating=1, day=date(2024, 3, 10), line=4, style={"format": "Paperback"}
        ),
        review("r05", run="run-1", ingested_at=T1, rating=5, day=date(2023, 12, 30), line=5),
    ],
    "review_images": [
        image_row("r01", "run-1", "https://img/1.jpg", "original", 2024),
        image_row("r01", "run-1", "https://img/2.jpg", "original", 2024),
    ],
    "reviews_quarantine": [quarantine_row("run-1", 7, "malformed_json")],
    "pipeline_runs": [run_row("run-1", T1 + timedelta(minutes=1), 5, 1, {"malformed_json": 1})],
}
FILE_2 = {
    "reviews": [
        review(
            "r02",
            run="run-2",
            ingested_at=T2,
            rating=4,
            day=date(2024, 1, 20),
            line=1,
            helpful=7,
            verified=False,
            title="updated",
        ),
        review("r03", run="run-2", ingested_at=T2, rating=3, day=date(2024, 2, 3), line=2, helpful=1, verified=None),
        review("r06", run="run-2", ingested_at=T2, rating=4, day=date(2024, 1, 15), line=3, style={"colour": "Blue"}),
        review("r07", run="run-2", ingested_at=T2, rating=3, day=date(2024, 2, 11), line=4),
    ],
    "review_images": [image_row("r06", "run-2", "https://img/6.jpg", "large", 2024)],
    "reviews_quarantine": [quarantine_row("run-2", 5, "missing_rating"), quarantine_row("run-2", 6, "invalid_rating")],
    "pipeline_runs": [run_row("run-2", T2 + timedelta(minutes=1), 4, 0, {"missing_rating": 1, "invalid_rating": 1})],
}
# Later: file 3 re-rates r01 and brings r08; file 4 (ingested before file 3, visible after it)
# brings an older copy of r01 that must not win.
FILE_3 = {
    "reviews": [
        review("r01", run="run-3", ingested_at=T3, rating=4, **R01),
        review("r08", run="run-3", ingested_at=T3, rating=5, day=date(2024, 3, 20), line=2),
    ],
    "review_images": [],
    "reviews_quarantine": [],
    "pipeline_runs": [run_row("run-3", T3 + timedelta(minutes=1), 2, 0, {})],
}
FILE_4 = {
    "reviews": [
        review("r01", run="run-4", ingested_at=T4, rating=1, day=date(2024, 1, 5), line=1),
    ],
    "review_images": [],
    "reviews_quarantine": [],
    "pipeline_runs": [run_row("run-4", T4 + timedelta(minutes=90), 1, 0, {})],
}
# Two catalogue snapshots: P1 and P2 (reviewed) and P9 (not reviewed) on day one; P1's price
# changes later and P2 is exported again unchanged. P3 is only known from its reviews.
CATALOGUE_AT_1, CATALOGUE_AT_2 = datetime(2024, 1, 1, 8, 0, 0), datetime(2024, 2, 1, 8, 0, 0)
PRODUCTS_RAW = "s3://shoplake-local-raw/products/"


def product(product_id: str, *, run: str, ingested_at: datetime, price: str, updated_at: datetime, line: int,
            stock: int = 10, category: str = "home") -> dict[str, Any]:  # fmt: skip
    """A raw.products row with every contract column."""
    from decimal import Decimal

    return {
        "product_id": product_id,
        "name": f"Product {product_id}",
        "category": category,
        "brand": "Oakfield",
        "price": Decimal(price),
        "stock": stock,
        "updated_at": updated_at,
        "updated_at_given": True,
        "source_format": "json_array",
        "source_uri": f"{PRODUCTS_RAW}{run}.json",
        "line_number": line,
        "ingested_at": ingested_at,
        "run_id": run,
    }


def products_run_row(run: str, committed_at: datetime, processed: int) -> dict[str, Any]:
    return {
        **run_row(run, committed_at, processed, 0, {}),
        "dataset": "products",
        "source_uri": f"{PRODUCTS_RAW}{run}.json",
    }


CATALOGUE_1 = {
    "products": [
        product("P1", run="cat-1", ingested_at=T1, price="10.00", updated_at=CATALOGUE_AT_1, line=2),
        product("P2", run="cat-1", ingested_at=T1, price="25.50", updated_at=CATALOGUE_AT_1, line=10),
        product("P9", run="cat-1", ingested_at=T1, price="3.99", updated_at=CATALOGUE_AT_1, line=18, stock=0),
    ],
    "pipeline_runs": [products_run_row("cat-1", T1 + timedelta(minutes=2), 3)],
}
CATALOGUE_2 = {
    "products": [
        product("P1", run="cat-2", ingested_at=T2, price="12.00", updated_at=CATALOGUE_AT_2, line=2, stock=4),
        product("P2", run="cat-2", ingested_at=T2, price="25.50", updated_at=CATALOGUE_AT_2, line=10),
    ],
    "pipeline_runs": [products_run_row("cat-2", T2 + timedelta(minutes=2), 2)],
}

# The shop's order lines and clickstream. Order file 1: customer C1's order O1 (P1, and P7 which
# the catalogue lacks, in the Online Retail layout with its name and country), guest order O2,
# one line quarantined. Order file 2: O1's P1 line again, now returned, and C2's refunded O3.
# Event file 1: C1 views P1 before ordering, an anonymous visitor views P8 (only the store events
# know it), C3 adds P1 to the cart; event file 2: the tracker resends E2, and C3 buys P1.
SHOP_RAW = "s3://shoplake-local-raw/"


def order_line(transaction_id: str, *, run: str, ingested_at: datetime, order: str, customer: str | None,
               product: str, quantity: int, price: str, status: str, at: datetime, line: int,
               name: str | None = None, country: str | None = None) -> dict[str, Any]:  # fmt: skip
    """A raw.transactions row with every contract column."""
    from decimal import Decimal

    retail = name is not None
    return {
        "transaction_id": transaction_id,
        "order_id": order,
        "customer_id": customer,
        "is_guest": customer is None,
        "product_id": product,
        "product_name": name,
        "quantity": quantity,
        "price": Decimal(price),
        "total_amount": Decimal(price) * quantity,
        "currency": "GBP" if retail else "USD",
        "status": status,
        "transaction_ts": at,
        "transaction_date": at.date(),
        "customer_country": country,
        "source_format": "online_retail" if retail else "native",
        "source_uri": f"{SHOP_RAW}transactions/{run}.csv",
        "line_number": line,
        "ingested_at": ingested_at,
        "run_id": run,
        "transaction_month": at.strftime("%Y-%m"),
    }


def event(event_id: str, *, run: str, ingested_at: datetime, session: str, customer: str | None, kind: str,
          product: str | None, at: datetime, line: int, category_code: str | None = None,
          brand: str | None = None) -> dict[str, Any]:  # fmt: skip
    """A raw.clickstream_events row with every contract column."""
    store = category_code is not None
    return {
        "event_id": event_id,
        "session_id": session,
        "customer_id": customer,
        "is_anonymous": customer is None,
        "event_type": kind,
        "page": None if store else f"/p/{product or 'home'}",
        "product_id": product,
        "category_code": category_code,
        "brand": brand,
        "event_ts": at,
        "device": "other" if store else "mobile",
        "price": None,
        "source_format": "store_events" if store else "native",
        "source_uri": f"{SHOP_RAW}clickstream/{run}.jsonl",
        "line_number": line,
        "ingested_at": ingested_at,
        "run_id": run,
        "event_date": at.date(),
    }


def shop_run_row(dataset: str, run: str, committed_at: datetime, processed: int, duplicates: int = 0,
                 reasons: dict[str, int] | None = None) -> dict[str, Any]:  # fmt: skip
    suffix = "csv" if dataset == "transactions" else "jsonl"
    return {
        **run_row(run, committed_at, processed, duplicates, reasons or {}),
        "dataset": dataset,
        "source_uri": f"{SHOP_RAW}{dataset}/{run}.{suffix}",
    }


ORDER_AT_1, ORDER_AT_2 = datetime(2024, 2, 10, 10, 0, 0), datetime(2024, 3, 5, 18, 30, 0)
ORDERS_1 = {
    "transactions": [
        order_line("T1", run="ord-1", ingested_at=T1, order="O1", customer="C1", product="P1", quantity=2,
                   price="12.00", status="completed", at=ORDER_AT_1, line=2),
        order_line("T2", run="ord-1", ingested_at=T1, order="O1", customer="C1", product="P7", quantity=1,
                   price="5.00", status="completed", at=ORDER_AT_1, line=3, name="WHITE MUG", country="France"),
        order_line("T3", run="ord-1", ingested_at=T1, order="O2", customer=None, product="P2", quantity=1,
                   price="25.50", status="completed", at=datetime(2024, 3, 1, 9, 0, 0), line=4),
    ],
    "transactions_quarantine": [
        {"source_uri": f"{SHOP_RAW}transactions/ord-1.csv", "line_number": 5, "reason": "invalid_status",
         "raw_record": "T9,O9,C1,P1,1,1.00,1.00,2024-03-01,shipped,USD", "run_id": "ord-1"},
    ],
    "pipeline_runs": [shop_run_row("transactions", "ord-1", T1 + timedelta(minutes=3), 3, 0, {"invalid_status": 1})],
}  # fmt: skip
ORDERS_2 = {
    "transactions": [
        order_line("T1", run="ord-2", ingested_at=T2, order="O1", customer="C1", product="P1", quantity=2,
                   price="12.00", status="returned", at=ORDER_AT_1, line=2),
        order_line("T4", run="ord-2", ingested_at=T2, order="O3", customer="C2", product="P1", quantity=3,
                   price="12.00", status="refunded", at=ORDER_AT_2, line=3),
    ],
    "pipeline_runs": [shop_run_row("transactions", "ord-2", T2 + timedelta(minutes=3), 2)],
}  # fmt: skip
EVENTS_1 = {
    "clickstream_events": [
        event("E1", run="clk-1", ingested_at=T1, session="S1", customer="C1", kind="page_view", product=None,
              at=datetime(2024, 2, 10, 9, 55, 0), line=1),
        event("E2", run="clk-1", ingested_at=T1, session="S1", customer="C1", kind="product_view", product="P1",
              at=datetime(2024, 2, 10, 9, 56, 0), line=2),
        event("E3", run="clk-1", ingested_at=T1, session="S2", customer=None, kind="product_view", product="P8",
              at=datetime(2024, 2, 11, 12, 0, 0), line=3, category_code="electronics.audio", brand="sono"),
        event("E4", run="clk-1", ingested_at=T1, session="S3", customer="C3", kind="add_to_cart", product="P1",
              at=datetime(2024, 3, 2, 8, 0, 0), line=4),
    ],
    "pipeline_runs": [shop_run_row("clickstream", "clk-1", T1 + timedelta(minutes=4), 4)],
}  # fmt: skip
EVENTS_2 = {
    "clickstream_events": [
        event("E2", run="clk-2", ingested_at=T2, session="S1", customer="C1", kind="product_view", product="P1",
              at=datetime(2024, 2, 10, 9, 56, 0), line=1),
        event("E5", run="clk-2", ingested_at=T2, session="S3", customer="C3", kind="purchase", product="P1",
              at=datetime(2024, 3, 2, 8, 5, 0), line=2),
    ],
    "pipeline_runs": [shop_run_row("clickstream", "clk-2", T2 + timedelta(minutes=4), 2)],
}  # fmt: skip
SHOP_FILES = (ORDERS_1, ORDERS_2, EVENTS_1, EVENTS_2)

# Three months of the simulated shop (shoplake.datasets.shop) as raw rows: its catalogue, every
# order line, every tracker event and the cart service's events of the same visits
# (shoplake.datasets.cart_events.generator), for the dashboard's shop pages.
HISTORY_FIRST, HISTORY_LAST = date(2026, 9, 1), date(2026, 11, 30)


def shop_history(first: date = HISTORY_FIRST, last: date = HISTORY_LAST, per_day: int = 4) -> dict[str, list[dict]]:
    from shoplake.datasets import shop

    the_shop = shop.the_shop(2026)
    products = []
    for i, p in enumerate(the_shop.products, start=2):
        row = product(p.product_id, run="shop-catalogue", ingested_at=T1, price=str(p.price),
                      updated_at=CATALOGUE_AT_1, line=i, stock=p.stock, category=p.category)  # fmt: skip
        products.append(row | {"name": p.name, "brand": p.brand})
    orders, events = [], []
    for session in the_shop.visits(first, last, per_day):
        for e in session.events:
            device = e.device if e.device in ("mobile", "desktop", "tablet") else "other"
            events.append({
                "event_id": e.event_id, "session_id": e.session_id, "customer_id": e.customer_id,
                "is_anonymous": e.customer_id is None, "event_type": e.event_type, "page": e.page,
                "product_id": e.product_id, "category_code": None, "brand": None,
                "event_ts": e.ts.replace(tzinfo=None), "device": device, "price": e.price,
                "source_format": "native", "source_uri": f"{SHOP_RAW}clickstream/shop-events.jsonl",
                "line_number": len(events) + 1, "ingested_at": T1, "run_id": "shop-events",
                "event_date": e.ts.date(),
            })  # fmt: skip
        for ln in session.order:
            orders.append(order_line(ln.transaction_id, run="shop-orders", ingested_at=T1, order=ln.order_id,
                                     customer=ln.customer_id, product=ln.product_id, quantity=ln.quantity,
                                     price=str(ln.price), status=ln.status, at=ln.ts.replace(tzinfo=None),
                                     line=len(orders) + 2))  # fmt: skip
    carts = history_cart_events(first, last, per_day, orders)
    return {"products": products, "transactions": orders, "clickstream_events": events, "cart_events": carts}


CARTS_URI = f"{SHOP_RAW}cart_events/shop-carts.csv"


def cart_row(event_id: str, *, cart: str, customer: str, kind: str, product: str | None, quantity: int | None,
             price: Any, at: datetime, line: int) -> dict[str, Any]:  # fmt: skip
    """A raw.cart_events row with every contract column (times naive UTC)."""
    return {
        "event_id": event_id, "cart_id": cart, "customer_id": customer, "event_type": kind, "product_id": product,
        "quantity": quantity, "unit_price": price, "event_ts": at, "source_format": "native", "source_uri": CARTS_URI,
        "line_number": line, "ingested_at": T1, "run_id": "shop-carts", "event_date": at.date(),
    }  # fmt: skip


def history_cart_events(first: date, last: date, per_day: int, orders: list[dict]) -> list[dict[str, Any]]:
    """The cart service's events of the shop history's visits, in one file (CSV lines from 2).

    An anonymous visitor's cart is left out (the pipeline quarantines it). Two carts the simulated
    shop does not make are added (its customers seldom come back for what they left): the first
    signed-in order line a month in, left in a cart two days before it was bought (a recovered
    cart), and the next one of another customer, left nine days before (abandoned, not recovered,
    and not promoted: bought since)."""
    from shoplake.datasets.cart_events.generator import cart_events

    rows: list[dict[str, Any]] = []
    for e in cart_events(first, last, seed=2026, sessions_per_day=per_day):
        if e.customer_id is not None:
            rows.append(cart_row(e.event_id, cart=e.cart_id, customer=e.customer_id, kind=e.event_type,
                                 product=e.product_id, quantity=e.quantity, price=e.unit_price,
                                 at=e.ts.replace(tzinfo=None), line=len(rows) + 2))  # fmt: skip
    month_in = datetime(first.year, first.month, first.day) + timedelta(days=30)
    signed_in = sorted((o for o in orders if o["customer_id"] and o["transaction_ts"] >= month_in),
                       key=lambda o: (o["transaction_ts"], o["transaction_id"]))  # fmt: skip
    won_back = signed_in[0]
    too_late = next(o for o in signed_in if o["customer_id"] != won_back["customer_id"])
    for cart, bought, days in (("CART-LEFT-2-DAYS", won_back, 2), ("CART-LEFT-9-DAYS", too_late, 9)):
        rows.append(cart_row(f"{cart}-01", cart=cart, customer=bought["customer_id"], kind="add",
                             product=bought["product_id"], quantity=1, price=bought["price"],
                             at=bought["transaction_ts"] - timedelta(days=days), line=len(rows) + 2))  # fmt: skip
    return rows


# Every registered dataset's raw tables (the others stay empty here) and pipeline_runs.
TABLES: list[Table] = [*(t for ds in DATASETS.values() for t in ds.tables), PIPELINE_RUNS]


# -- the local warehouse ----------------------------------------------------------------------
def contract_columns(table: Table) -> list[tuple[str, str]]:
    """(name, neutral type) of a raw.* table as the local views expose it, partition column last."""
    cols = [(c.name, c.type) for c in table.columns]
    if table.partition_by:
        cols.append((table.partition_by, table.partition_type))
    return cols


def create_raw_tables(path: Path) -> None:
    """raw.* as tables with the exact types of the local views (shoplake/core/warehouse/duckdb.py)."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists raw")
        for table in TABLES:
            cols = ", ".join(f"{name} {DUCKDB_TYPES[typ]}" for name, typ in contract_columns(table))
            con.execute(f"create table raw.{table.name} ({cols})")


def map_placeholder(typ: str) -> str:
    """A parameter bound as a list of {k, v} structs, made a DuckDB MAP of the contract's type."""
    value = "bigint" if typ.endswith("bigint>") else "varchar"
    return f"cast(map_from_entries(?::struct(k varchar, v {value})[]) as {DUCKDB_TYPES[typ]})"


def map_entries(value: dict | None) -> list[dict] | None:
    return None if value is None else [{"k": k, "v": v} for k, v in value.items()]


def insert_duckdb(path: Path, file: dict[str, list[dict]]) -> None:
    with duckdb.connect(str(path)) as con:
        for table in TABLES:
            cols = contract_columns(table)
            for row in file.get(table.name, []):
                values = [map_placeholder(typ) if typ.startswith("map<") else "?" for _, typ in cols]
                params = [map_entries(row[name]) if typ.startswith("map<") else row[name] for name, typ in cols]
                con.execute(f"insert into raw.{table.name} values ({', '.join(values)})", params)


def query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path)) as con:
        return con.execute(sql).fetchall()


@contextmanager
def environment(**env: str) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        yield


def dbt_args(home: Path, target: str) -> list[str]:
    """The project, the target, and target and log paths of the home (never dbt/target)."""
    return [
        "--project-dir", str(DBT_DIR),
        "--profiles-dir", str(DBT_DIR),
        "--target", target,
        "--target-path", str(home / "dbt-target"),
        "--log-path", str(home / "dbt-logs"),
    ]  # fmt: skip


def dbt(home: Path, *args: str, target: str = "local", **env: str):
    """Invoke dbt in-process on the project with the given SHOPLAKE_HOME; return dbt's result."""
    from dbt.cli.main import dbtRunner

    with environment(SHOPLAKE_HOME=str(home), DBT_SEND_ANONYMOUS_USAGE_STATS="False", **env):
        result = dbtRunner().invoke([*args, *dbt_args(home, target)])
    release_duckdb()
    return result


def dbt_cli(home: Path, *args: str, target: str, **env: str) -> subprocess.CompletedProcess:
    """dbt in a process of its own (raises on failure).

    For the Snowflake targets: the Snowflake adapter and DuckDB in one interpreter make DuckDB
    report its type objects as leaked at exit (harmless, but noise at the end of the suite)."""
    cmd = [str(Path(sys.executable).parent / "dbt"), *args, *dbt_args(home, target)]
    proc = subprocess.run(  # noqa: S603
        cmd, env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "False", **env}, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    return proc


def dbt_process(home: Path, *args: str, target: str, **env: str) -> dict[str, str]:
    """dbt_cli, then {unique_id: status} from run_results.json."""
    dbt_cli(home, *args, target=target, **env)
    results = json.loads((home / "dbt-target" / "run_results.json").read_text())["results"]
    return {r["unique_id"]: r["status"] for r in results}


def release_duckdb() -> None:
    """Close the DuckDB connection dbt-duckdb keeps for the life of the process (dbt runs in-process
    here): the file is then free for others, and no live DuckDB objects are left at exit."""
    connections = sys.modules.get("dbt.adapters.duckdb.connections")
    if connections is not None and connections.DuckDBConnectionManager._ENV is not None:
        connections.DuckDBConnectionManager._ENV.close()
        connections.DuckDBConnectionManager._ENV = None


def statuses(result) -> dict[str, str]:
    return {r.node.unique_id: str(r.status) for r in result.result.results}


def copy_home(source: Path, root: Path) -> Path:
    root.mkdir(parents=True)
    shutil.copy(source / "warehouse.duckdb", root / "warehouse.duckdb")
    return root


def make_home(root: Path, *files: dict) -> Path:
    root.mkdir(parents=True)
    create_raw_tables(root / "warehouse.duckdb")
    for f in files:
        insert_duckdb(root / "warehouse.duckdb", f)
    return root


# -- the dashboard's warehouse ----------------------------------------------------------------
# Files 1-3, plus a file in which reviewer U9 writes five five-star reviews on one day (the
# reviewer_activity mart flags them) long before the other reviews, and one quarantined line.
BURST_DAY = date(2023, 6, 1)
T5 = T3 + timedelta(minutes=10)


def burst_review(n: int, product_id: str) -> dict[str, Any]:
    row = review("r01", run="run-5", ingested_at=T5, rating=5, day=BURST_DAY, line=n, reviewer_name="Bot Nine")
    return {**row, "review_id": f"b{n}", "product_id": product_id, "reviewer_id": "U9", "style": None}


FILE_5 = {
    "reviews": [burst_review(n, p) for n, p in enumerate(["P4", "P4", "P4", "P5", "P5"], start=1)],
    "review_images": [],
    "reviews_quarantine": [quarantine_row("run-5", 6, "missing_product_id")],
    "pipeline_runs": [run_row("run-5", T5 + timedelta(minutes=1), 5, 0, {"missing_product_id": 1})],
}


def execution_records() -> list[dict[str, Any]]:
    """Run records as the local runtime writes them ($SHOPLAKE_HOME/runs/), oldest first: file 1
    published, a CSV rejected, file 1 landed again unchanged, a file whose clean job failed."""
    from shoplake.local.runtime import ZERO_COUNTS, RunResult

    def record(minutes: int, execution: str, key: str, status: str, **kw: Any) -> dict[str, Any]:
        started = NOW - timedelta(minutes=minutes)
        return RunResult(
            file=key.rsplit("/", 1)[-1],
            status=status,
            execution=execution,
            source_uri=f"s3://shoplake-local-raw/{key}",
            counts=kw.pop("counts", dict(ZERO_COUNTS)),
            started_at=started.replace(tzinfo=UTC).isoformat(),
            **kw,
        ).to_json()

    return [
        record(180, "exec-1", "reviews/run-1.jsonl", "SUCCEEDED", seconds=41.5,
               counts={"records_read": 7, "processed": 5, "quarantined": 1, "duplicates": 1}),
        record(150, "exec-2", "reviews/report.xlsx", "REJECTED", seconds=1.2,
               rejection={"reason": "unsupported_file_type", "message": "not a review dump", "quarantine_uri": "q"}),
        record(90, "exec-3", "reviews/run-1.jsonl", "SUCCEEDED", seconds=0.8, unchanged=True),
        record(20, "exec-4", "reviews/broken.jsonl", "FAILED", seconds=75.0,
               error={"error": "States.TaskFailed", "cause": "Glue job failed"}),
    ]  # fmt: skip


def write_execution_records(home: Path) -> None:
    runs = home / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    for r in execution_records():
        stamp = r["started_at"].replace(":", "").replace("-", "")[:15]
        (runs / f"{stamp}-{r['execution']}.json").write_text(json.dumps(r, indent=2))


def make_dashboard_home(root: Path) -> Path:
    """Files 1, 2, 3 and 5 and the shop's history after ``dbt build``, with run records: the
    dashboard tests' warehouse."""
    home = make_home(root, FILE_1, FILE_2, FILE_3, FILE_5, shop_history())
    result = dbt(home, "build")
    assert result.success, [r.message for r in result.result.results if str(r.status) not in ("success", "pass")]
    write_execution_records(home)
    return home


# -- the dashboard's questions, asked of any warehouse ----------------------------------------
def dashboard_answers(marts) -> dict[str, Any]:
    """Every query of shoplake.reporting.dashboard.queries on ``marts``, as plain JSON-able values (numbers
    as int / rounded float): the same answers are expected from DuckDB and from Snowflake."""
    from shoplake.reporting.dashboard import queries as q

    def ints(series) -> list[int]:
        return [int(v) for v in series]

    def floats(series) -> list[float]:
        return [round(float(v), 9) for v in series]

    def plain(obj) -> dict[str, Any]:
        return {k: round(v, 9) if isinstance(v, float) else v for k, v in obj.__dict__.items()}

    first, last = q.review_date_range(marts)
    ranked = q.ranked_products(marts, min_reviews=1, limit=10, best=True)
    summary = q.product_summary(marts, "P1")
    reasons = q.daily_quarantine_reasons(marts)
    return {
        "review_dates": [str(first), str(last)],
        "overview": plain(q.overview(marts, first, last)),
        "overview_2024": plain(q.overview(marts, date(2024, 1, 1), date(2024, 12, 31))),
        "monthly": {
            "months": [str(m.date()) for m in q.monthly_reviews(marts, first, last)["review_month"]],
            "reviews": ints(q.monthly_reviews(marts, first, last)["reviews"]),
        },
        "newest_file": q.newest_processed_file(marts)[1],
        "most_reviews": q.most_reviews_of_a_product(marts),
        "top": ranked["product_id"].tolist(),
        "top_bayesian": floats(ranked["bayesian_average"]),
        "bottom": q.ranked_products(marts, min_reviews=2, limit=2, best=False)["product_id"].tolist(),
        "ratings": ints(q.rating_distribution(marts)["reviews"]),
        "ratings_p1": ints(q.rating_distribution(marts, "P1")["reviews"]),
        "choices": q.product_choices(marts, min_reviews=1),
        "p1": [int(summary["review_count"]), round(float(summary["bayesian_average"]), 9)],
        "p1_monthly": ints(q.product_monthly(marts, "P1")["review_count"]),
        "p1_helpful": ints(q.most_helpful_reviews(marts, "P1")["helpful_votes"]),
        "reviewers": plain(q.reviewer_summary(marts)),
        "activity": ints(q.activity_distribution(marts)["reviewers"]),
        "unusual": q.unusual_reviewers(marts)["reviewer_id"].tolist(),
        "totals": plain(q.pipeline_totals(marts)),
        "daily_lines": ints(q.daily_records(marts)["records_read"]),
        "reasons": sorted([r, n] for r, n in zip(reasons["reason"], ints(reasons["records"]), strict=True)),
        "files": q.files_with_quarantine(marts)["run_id"].tolist(),
        "files_of_reviews": q.files_with_quarantine(marts, dataset="reviews")["run_id"].tolist(),
        "datasets": q.pipeline_datasets(marts),
        "reason_totals": [
            [r.dataset, r.reason, r.description, int(r.records)] for r in q.quarantine_reasons(marts).itertuples()
        ],
        "totals_of_reviews": plain(q.pipeline_totals(marts, "reviews")),
        "run_2_records": q.quarantined_records(marts, "run-2")["quarantine_reason"].tolist(),
    }
