"""The cart_events dataset through the clean and flatten jobs: the cart service's layout (CSV,
JSON Lines), the public store export's cart events (the real sample file), every reason code,
resent events, and the sample's and the generator's truth."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from shoplake.core import layout
from shoplake.core.jobs import clean, flatten
from shoplake.core.storage import get_store
from shoplake.datasets.cart_events import generator
from shoplake.datasets.cart_events.contract import CART_EVENTS
from shoplake.datasets.cart_events.sample import write_sample
from tests.unit.work_area import work_rows

pytestmark = pytest.mark.spark

PROCESSED = "s3://processed"
REAL = Path(__file__).resolve().parents[3] / "shared" / "real-data" / "commerce"
HEADER = "event_id,cart_id,customer_id,event_type,product_id,quantity,unit_price,event_ts"


def args(uri: str, run_id: str = "run-ce") -> dict[str, str]:
    return {"dataset": "cart_events", "source_uri": uri, "run_id": run_id, "processed_root": PROCESSED,
            "ingested_at": "2026-12-01T07:00:00Z", "storage_backend": "local", "source_etag": "etag"}  # fmt: skip


def land(key: str, data: bytes | str) -> str:
    uri = f"s3://raw/{key}"
    get_store("local").put_bytes(uri, data.encode("utf-8") if isinstance(data, str) else data)
    return uri


def work(spark, kind: str, run_id: str = "run-ce") -> list[dict]:
    return work_rows(spark, "cart_events", kind, run_id)


FIELDS = ("line_number", "event_id", "cart_id", "customer_id", "event_type", "product_id", "quantity", "unit_price",
          "event_ts", "event_date", "source_format")  # fmt: skip


def test_adds_removes_checkouts_and_resends(spark, home):
    lines = [
        HEADER,
        "e1,K1,C1,add,P1,2,19.90,2026-12-01T10:00:00+01:00",
        "e2,K1,C1,REMOVE,P1,1,19.90,1764583200000",
        "e1,K1,C1,add,P1,2,19.90,2026-12-01T10:00:00+01:00",  # resent
        "e3,K1,C1,checkout,,,,2026-12-01T09:30:00Z",
    ]
    uri = land("cart_events/date=2026-12-01/cart.csv", "\r\n".join(lines) + "\r\n")
    manifest = clean.run(spark, args(uri))
    assert manifest["counts"] == {"records_read": 4, "processed": 3, "quarantined": 0, "duplicates": 1}
    assert [{k: r[k] for k in FIELDS} for r in work(spark, "records")] == [
        {"line_number": 2, "event_id": "e1", "cart_id": "K1", "customer_id": "C1", "event_type": "add",
         "product_id": "P1", "quantity": 2, "unit_price": Decimal("19.90"), "event_ts": datetime(2026, 12, 1, 9, 0),
         "event_date": "2026-12-01", "source_format": "native"},
        {"line_number": 3, "event_id": "e2", "cart_id": "K1", "customer_id": "C1", "event_type": "remove",
         "product_id": "P1", "quantity": 1, "unit_price": Decimal("19.90"), "event_ts": datetime(2025, 12, 1, 10, 0),
         "event_date": "2025-12-01", "source_format": "native"},
        {"line_number": 5, "event_id": "e3", "cart_id": "K1", "customer_id": "C1", "event_type": "checkout",
         "product_id": None, "quantity": None, "unit_price": None, "event_ts": datetime(2026, 12, 1, 9, 30),
         "event_date": "2026-12-01", "source_format": "native"},
    ]  # fmt: skip


def record(**fields) -> str:
    base = {"event_id": "e1", "cart_id": "K1", "customer_id": "C1", "event_type": "add", "product_id": "P1",
            "quantity": 1, "unit_price": "9.99", "event_ts": "2026-12-01T10:00:00Z"}  # fmt: skip
    return json.dumps({k: v for k, v in (base | fields).items() if v is not None})


REASON_CASES = [
    ("not json", "malformed_json"),
    (record(event_id=""), "missing_event_id"),
    (record(cart_id=" "), "missing_cart_id"),
    (record(customer_id=None), "anonymous_cart"),
    (record(event_type="wishlist"), "invalid_event_type"),
    (record(event_ts=None), "missing_event_ts"),
    (record(event_ts="2026-12-01 10:00:00"), "invalid_event_ts"),
    (record(product_id=""), "missing_product_id"),
    (record(event_type="remove", quantity=0), "invalid_quantity"),
    (record(quantity="1.5"), "invalid_quantity"),
    (record(unit_price="-1.00"), "invalid_unit_price"),
    (record(unit_price="1.999"), "invalid_unit_price"),
    (record(event_type="checkout", quantity=None, unit_price=None), "checkout_with_item"),
]


def test_every_reason_code_of_a_cart_event(spark, home):
    # Given one record per reason (the store export's own reason is in the real-file test)
    assert {r for _, r in REASON_CASES} | {"malformed_row", "not_a_cart_event"} == set(CART_EVENTS.reason_codes)
    uri = land("cart_events/bad.jsonl", "\n".join(line for line, _ in REASON_CASES) + "\n")
    manifest = clean.run(spark, args(uri))
    assert manifest["counts"]["processed"] == 0
    assert [(q["line_number"], q["reason"]) for q in work(spark, "quarantine")] == [
        (n, reason) for n, (_, reason) in enumerate(REASON_CASES, start=1)
    ]


def _store_reference(path: Path) -> dict:
    """The store export's cart events, by the rules (independently of the transform): views are
    not cart events; a cart event needs a session, a user and a product; repeats are duplicates."""
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig", newline="")))
    kinds = {"cart": "add", "remove_from_cart": "remove", "purchase": "checkout"}
    seen, out = set(), {"records": len(rows), "processed": 0, "duplicates": 0, "reasons": {}, "by_type": {}}
    for r in rows:
        reason = ("not_a_cart_event" if r["event_type"] == "view" else "missing_cart_id" if not r["user_session"]
                  else "anonymous_cart" if not r["user_id"] else None)  # fmt: skip
        if reason:
            out["reasons"][reason] = out["reasons"].get(reason, 0) + 1
            continue
        identity = (r["user_session"], r["event_time"], r["event_type"], r["product_id"])
        if identity in seen:
            out["duplicates"] += 1
            continue
        seen.add(identity)
        out["processed"] += 1
        out["by_type"][kinds[r["event_type"]]] = out["by_type"].get(kinds[r["event_type"]], 0) + 1
    return out


def test_the_real_store_events_sample_is_accounted_for_as_cart_events(spark, home):
    # Given 5,000 events of the public multi-category store export (views, carts, purchases)
    path = REAL / "c3_rees46_events.csv"
    truth = _store_reference(path)
    uri = land("cart_events/rees46.csv", path.read_bytes())
    # When it lands as cart events
    clean.run(spark, args(uri))
    manifest = flatten.run(spark, args(uri))
    # Then every record is a cart event, a quarantined view, or a duplicate
    assert manifest["layout"] == "store_events"
    quarantined = sum(truth["reasons"].values())
    assert manifest["counts"] == {"records_read": truth["records"], "processed": truth["processed"],
                                  "quarantined": quarantined, "duplicates": truth["duplicates"]}  # fmt: skip
    assert manifest["quarantine_reasons"] == truth["reasons"]
    published = spark.read.parquet(
        get_store("local").spark_path(layout.source_prefix(PROCESSED, "cart_events", layout.source_id(uri)))
    )
    by_type = {r["event_type"]: r["count"] for r in published.groupBy("event_type").count().collect()}
    assert by_type == truth["by_type"]
    checkouts = published.where("event_type = 'checkout'").select("product_id", "quantity", "unit_price").distinct()
    assert [tuple(r) for r in checkouts.collect()] == [(None, None, None)]
    assert {r["quantity"] for r in published.where("event_type = 'add'").collect()} == {1}


@pytest.mark.parametrize("name", ["cart-events.csv", "cart-events.jsonl.gz"])
def test_the_samples_counts_are_what_the_pipeline_finds(spark, home, tmp_path, name):
    path = tmp_path / name
    stats = write_sample(path, 600, corrupt_share=0.05, duplicate_share=0.03, seed=9)
    assert stats.corrupt_by_reason["anonymous_cart"] > 0
    uri = f"s3://raw/cart_events/{name}"
    get_store("local").put_file(uri, path)
    clean.run(spark, args(uri))
    manifest = flatten.run(spark, args(uri))
    assert manifest["counts"] == {
        "records_read": 600, "processed": stats.valid, "quarantined": stats.corrupt, "duplicates": stats.duplicates
    }  # fmt: skip
    assert manifest["quarantine_reasons"] == {r: n for r, n in stats.corrupt_by_reason.items() if n}


def test_a_generated_window_is_the_same_file_every_time_and_only_its_exports():
    start = datetime(2026, 12, 1, 18, tzinfo=UTC)
    one = generator.batch(start, start + timedelta(hours=1), sessions_per_day=1440)
    again = generator.batch(start, start + timedelta(hours=1), sessions_per_day=1440)
    assert one == again and one.events > 0
    assert one.key == "cart_events/date=2026-12-01/cart-events-20261201T180000Z-20261201T190000Z.csv"
    rows = list(csv.DictReader(one.body.decode().splitlines()))
    assert len(rows) == one.events
    # every event exported in the window, some of them late (they happened hours before)
    exported = generator.exported_between(start, start + timedelta(hours=1), sessions_per_day=1440)
    assert all(start <= e.exported_at < start + timedelta(hours=1) for e in exported)
    assert any(e.ts < start - timedelta(hours=1) for e in exported)
    # a retried run in the same slot writes the same window
    assert generator.window_ending(datetime(2026, 12, 1, 19, 7, 31, tzinfo=UTC), timedelta(minutes=15)) == (
        datetime(2026, 12, 1, 18, 45, tzinfo=UTC), datetime(2026, 12, 1, 19, 0, tzinfo=UTC))  # fmt: skip


def test_generated_carts_agree_with_the_shops_catalogue_customers_and_orders():
    from shoplake.datasets import shop

    the_shop = shop.the_shop(2026)
    day = date(2026, 11, 20)
    events = generator.cart_events(day, day)
    prices = {p.product_id: p.price for p in the_shop.products}
    customers = {c.customer_id for c in the_shop.customers}
    assert {e.customer_id for e in events} - {None} <= customers
    assert all(e.unit_price == prices[e.product_id] for e in events if e.event_type != "checkout")
    # a checked-out cart holds what the visit's order has (product and units)
    for session in the_shop.visits(day, day):
        cart = generator.cart_of(session)
        if not any(e.event_type == "checkout" for e in cart):
            assert not session.order
            continue
        held: dict[str, int] = {}
        for e in cart:
            if e.event_type != "checkout":
                held[e.product_id] = held.get(e.product_id, 0) + (e.quantity if e.event_type == "add" else -e.quantity)
        assert {p: n for p, n in held.items() if n > 0} == {ln.product_id: ln.quantity for ln in session.order}
    assert {e.event_type for e in events} == {"add", "remove", "checkout"}
