"""Cart abandonment end to end: generated cart events with known truth plus crafted edge cases
through the local pipeline (Spark, the state machine), the cart marts built by dbt, and the
promotions export; every answer against tests/cart_truth.py (plain Python over the files).

Given ten days of the simulated shop's cart events (with resent and broken records, anonymous
carts, late exports) and its orders, plus crafted carts: ties in the ranking, a removal that
empties a cart, one customer with twelve abandoned products, a purchase after the abandonment;
then a second delivery: late events that reopen one cart and check another out, and the whole
history again under another name.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from shoplake.datasets.cart_events.sample import write_sample as write_cart_events
from shoplake.datasets.transactions.sample import write_sample as write_orders
from shoplake.local.runtime import LocalCloud
from shoplake.orchestration.events import emit
from tests import cart_truth as truth
from tests.fixture_warehouse import dbt, statuses

pytestmark = pytest.mark.spark

FIRST, LAST = date(2026, 11, 10), date(2026, 11, 19)
PER_DAY = 30
DAY = "2026-11-15"
HEADER = truth.HEADER
CART_MARTS = ("+customer_promotions", "+fct_carts", "+product_abandonment", "+cart_abandonment_daily")


def at(hh_mm: str, day: str = DAY) -> str:
    return f"{day}T{hh_mm}:00Z"


def add(event_id, cart, customer, product, quantity, price, ts) -> list[object]:
    return [event_id, cart, customer, "add", product, quantity, price, ts]


# Crafted carts, all quiet since the 15th (long before the watermark, late on the 19th).
CRAFTED = [
    # ties (C900001): SKU-90004 10.00 at 11:00; SKU-90001 and SKU-90002 10.00 at 10:00 (product id
    # decides); SKU-90003 10.00 at 09:00; SKU-90005 6.00 + 4.00 summed over two carts, at 08:30
    add("x-t1-1", "T1", "C900001", "SKU-90002", 1, "10.00", at("10:00")),
    add("x-t1-2", "T1", "C900001", "SKU-90001", 1, "10.00", at("10:00")),
    add("x-t1-3", "T1", "C900001", "SKU-90005", 1, "6.00", at("08:00")),
    add("x-t2-1", "T2", "C900001", "SKU-90003", 2, "5.00", at("09:00")),
    add("x-t2-2", "T2", "C900001", "SKU-90004", 1, "10.00", at("11:00")),
    add("x-t2-3", "T2", "C900001", "SKU-90005", 1, "4.00", at("08:30")),
    # a removal of more than was added empties the cart (C900002 E1), a partial one does not (E2)
    add("x-e1-1", "E1", "C900002", "SKU-90010", 2, "7.00", at("08:00")),
    ["x-e1-2", "E1", "C900002", "remove", "SKU-90010", 3, "7.00", at("08:05")],
    add("x-e2-1", "E2", "C900002", "SKU-90011", 3, "4.00", at("08:00")),
    ["x-e2-2", "E2", "C900002", "remove", "SKU-90011", 1, "4.00", at("08:10")],
    # bought afterwards (C900003): SKU-00001 is bought on the 16th (not promoted, the cart is
    # recovered); SKU-00002 was bought before the cart (still promoted)
    add("x-p1-1", "P1", "C900003", "SKU-00001", 1, "30.00", at("12:00")),
    add("x-p1-2", "P1", "C900003", "SKU-00002", 1, "20.00", at("12:01")),
    # twelve abandoned products (C900004): the ten most valuable are promoted
    *[add(f"x-m1-{i}", "M1", "C900004", f"SKU-901{i:02d}", 1, f"{i}.00", at("14:00")) for i in range(1, 13)],
    # to be reopened by a late add (L1) and checked out by a late checkout (L2)
    add("x-l1-1", "L1", "C900005", "SKU-90020", 1, "20.00", at("12:00")),
    add("x-l2-1", "L2", "C900006", "SKU-90022", 1, "22.00", at("13:00")),
    # checked out at once
    add("x-k1-1", "K1", "C900007", "SKU-90030", 1, "3.00", at("15:00")),
    ["x-k1-2", "K1", "C900007", "checkout", "", "", "", at("15:05")],
]
ORDER_HEADER = ["transaction_id", "order_id", "customer_id", "product_id", "quantity", "price", "total_amount",
                "transaction_date", "status", "currency"]  # fmt: skip
ORDERS = [
    ["X-T1", "X-O1", "C900003", "SKU-00001", 1, "30.00", "30.00", "2026-11-16T12:00:00Z", "completed", "EUR"],
    ["X-T2", "X-O2", "C900003", "SKU-00002", 1, "20.00", "20.00", "2026-11-14T12:00:00Z", "completed", "EUR"],
]


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def rows(home: Path, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def carts(tmp_path_factory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("carts")
    history = root / "cart-events.csv"
    stats = write_cart_events(history, None, corrupt_share=0.03, duplicate_share=0.02, day=FIRST, until=LAST,
                              sessions_per_day=PER_DAY)  # fmt: skip
    crafted = write_csv(root / "crafted.csv", HEADER, CRAFTED)
    orders = root / "orders.csv"
    write_orders(orders, None, corrupt_share=0.0, duplicate_share=0.0, day=FIRST, until=LAST, sessions_per_day=PER_DAY)
    crafted_orders = write_csv(root / "crafted-orders.csv", ORDER_HEADER, ORDERS)
    home = root / "home"
    mp = pytest.MonkeyPatch()
    mp.setenv("SHOPLAKE_HOME", str(home))
    try:
        with LocalCloud(home, retry_time_scale=0.001) as cloud:

            def deliver(path: Path, dataset: str, day: date):
                event = cloud.land(path, dataset=dataset, date=day.isoformat())
                return cloud.process(event, file=str(path), transform=False)

            first = [deliver(history, "cart_events", LAST), deliver(crafted, "cart_events", LAST),
                     deliver(orders, "transactions", LAST), deliver(crafted_orders, "transactions", LAST)]  # fmt: skip
            build1 = dbt(home, "build", "--select", *CART_MARTS, "--exclude-resource-type", "unit_test")
            state1 = {
                "events": truth.read_events(history, crafted),
                "carts": rows(home, "select * from marts.fct_carts"),
                "lines": rows(home, "select * from marts.fct_cart_lines"),
                "products": rows(home, "select * from marts.product_abandonment"),
                "promotions": rows(home, "select * from marts.customer_promotions"),
            }
            # the second delivery: late events, and the history again under another name
            watermark = truth.cart_lines(state1["events"])["watermark"]
            reopen_at = (watermark - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
            late = write_csv(root / "late.csv", HEADER, [
                add("x-l1-2", "L1", "C900005", "SKU-90021", 1, "21.00", reopen_at),
                ["x-l2-2", "L2", "C900006", "checkout", "", "", "", at("13:30")],
            ])  # fmt: skip
            again = root / "cart-events-again.csv"
            again.write_bytes(history.read_bytes())
            second = [deliver(late, "cart_events", LAST + timedelta(days=1)),
                      deliver(again, "cart_events", LAST + timedelta(days=1))]  # fmt: skip
            build2 = dbt(home, "build", "--select", *CART_MARTS, "--exclude-resource-type", "unit_test")
            # the export, twice for the same date: the transform's event, through the bus's rules
            # (an event for other models only reaches nobody)
            unrelated = {"dag_id": "shoplake_transform", "run_id": "manual__0", "models": ["fct_reviews"]}
            emit(unrelated, bus=None, home=home)
            nobody = cloud.deliver_transform_events()
            exports = []
            for n in (1, 2):
                detail = {"dag_id": "shoplake_transform", "run_id": f"manual__{n}",
                          "models": ["cart_abandonment_daily", "customer_promotions", "fct_carts"]}  # fmt: skip
                emit(detail, bus=None, home=home)
                [delivery] = cloud.deliver_transform_events()
                result = delivery["result"]
                folder = cloud.store.path(f"s3://shoplake-local-consumption/promotions/date={result['date']}/")
                files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if not p.name.startswith(".")}
                exports.append({"delivery": delivery, "result": result, "files": files})
    finally:
        mp.undo()
    return {"home": home, "stats": stats, "first": first, "second": second, "build1": build1, "build2": build2,
            "state1": state1, "files": [history, crafted, late, again], "orders": [orders, crafted_orders],
            "exports": exports, "nobody": nobody}  # fmt: skip


def failures(build) -> dict[str, str]:
    return {uid: s for uid, s in statuses(build).items() if s not in ("success", "pass", "warn")}


def test_every_file_reconciles_and_both_builds_pass(carts):
    stats = carts["stats"]
    history = carts["first"][0]
    assert (history.counts["processed"], history.counts["quarantined"], history.counts["duplicates"]) == (
        stats.valid, stats.corrupt, stats.duplicates)  # fmt: skip
    reasons = {r: n for r, n in history.quarantine_reasons.items() if n}
    assert reasons == {r: n for r, n in stats.corrupt_by_reason.items() if n}
    assert [r.status for r in carts["first"] + carts["second"]] == ["SUCCEEDED"] * 6
    assert carts["first"][1].counts["processed"] == len(CRAFTED)
    assert failures(carts["build1"]) == {} and failures(carts["build2"]) == {}


def _carts(got: list[dict]) -> dict[str, dict]:
    return {r["cart_id"]: {"customer_id": r["customer_id"], "status": r["status"], "units": r["units"],
                           "cart_value": r["cart_value"], "last_activity_at": r["last_activity_at"] and
                           utc(r["last_activity_at"])} for r in got}  # fmt: skip


def test_carts_and_their_outcomes_equal_the_independent_computation(carts):
    want = truth.cart_lines(carts["state1"]["events"])["carts"]
    assert _carts(carts["state1"]["carts"]) == want
    # the crafted edge cases, by hand
    got = {r["cart_id"]: r["status"] for r in carts["state1"]["carts"] if len(r["cart_id"]) == 2}
    assert got == {"T1": "abandoned", "T2": "abandoned", "E1": "emptied", "E2": "abandoned", "P1": "abandoned",
                   "M1": "abandoned", "L1": "abandoned", "L2": "abandoned", "K1": "checked_out"}  # fmt: skip
    # and the generated history has every outcome
    assert {c["status"] for c in want.values()} == {"checked_out", "emptied", "abandoned", "open"}


def test_late_events_reopen_a_cart_and_check_another_out(carts):
    home = carts["home"]
    result = truth.cart_lines(truth.read_events(*carts["files"]))
    assert _carts(rows(home, "select * from marts.fct_carts")) == result["carts"]
    got = {r["cart_id"]: r["status"] for r in rows(home, "select cart_id, status from marts.fct_carts")}
    assert (got["L1"], got["L2"]) == ("open", "checked_out")
    # the history delivered again changed nothing: each event once
    assert rows(home, "select count(*) as n from marts.fct_cart_events") == [{"n": len(truth.read_events(
        *carts["files"]))}]  # fmt: skip


def test_lines_equal_the_independent_computation(carts):
    want = truth.cart_lines(truth.read_events(*carts["files"]))["lines"]
    got = rows(carts["home"], "select * from marts.fct_cart_lines")
    fields = ("customer_id", "quantity_added", "quantity_removed", "final_quantity", "unit_price", "line_value",
              "is_abandoned")  # fmt: skip
    assert {(r["cart_id"], r["product_id"]): {k: r[k] for k in fields} | {"last_activity_at": utc(
        r["last_activity_at"])} for r in got} == {k: {f: v[f] for f in fields} | {"last_activity_at": v[
        "last_activity_at"]} for k, v in want.items()}  # fmt: skip
    assert (want[("E1", "SKU-90010")]["final_quantity"], want[("E2", "SKU-90011")]["line_value"]) == (0, Decimal("8"))


def test_product_abandonment_equals_the_independent_computation(carts):
    want = truth.product_abandonment(truth.cart_lines(truth.read_events(*carts["files"])))
    got = rows(carts["home"], "select * from marts.product_abandonment")
    fields = ("carts_with_product", "carts_abandoned", "units_abandoned", "value_abandoned", "abandonment_rate")
    assert {r["product_id"]: {k: pytest.approx(r[k]) if isinstance(r[k], float) else r[k] for k in fields}
            for r in got} == want  # fmt: skip


def _promotions(got: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in sorted(got, key=lambda r: (r["customer_id"], r["rank"])):
        out.setdefault(r["customer_id"], []).append({"rank": r["rank"], "product_id": r["product_id"],
            "value_abandoned": r["value_abandoned"], "last_activity": utc(r["last_activity"]),
            "units_abandoned": r["units_abandoned"], "carts_abandoned": r["carts_abandoned"]})  # fmt: skip
    return out


def test_each_customers_top_ten_equals_the_independent_computation(carts):
    result = truth.cart_lines(truth.read_events(*carts["files"]))
    want = truth.promotions(result, truth.read_orders(*carts["orders"]))
    got = _promotions(rows(carts["home"], "select * from marts.customer_promotions"))
    assert got == want
    # the crafted customers, by hand: ties by last activity then product id; sums over carts; a
    # product bought afterwards is gone, one bought before stays; twelve products, ten promoted
    assert [p["product_id"] for p in got["C900001"]] == ["SKU-90004", "SKU-90001", "SKU-90002", "SKU-90003",
                                                        "SKU-90005"]  # fmt: skip
    assert got["C900001"][-1]["value_abandoned"] == Decimal("10.00") and got["C900001"][-1]["carts_abandoned"] == 2
    assert [p["product_id"] for p in got["C900003"]] == ["SKU-00002"]
    assert [p["product_id"] for p in got["C900004"]] == [f"SKU-901{i:02d}" for i in range(12, 2, -1)]
    assert [p["product_id"] for p in got["C900002"]] == ["SKU-90011"]
    assert "C900005" not in got and "C900006" not in got  # reopened, checked out


def test_recovered_carts_equal_the_independent_computation(carts):
    result = truth.cart_lines(truth.read_events(*carts["files"]))
    want = truth.recovered(result, truth.read_orders(*carts["orders"]))
    got = {r["cart_id"] for r in rows(carts["home"], "select cart_id from marts.fct_carts where is_recovered")}
    assert got == want and "P1" in got
    assert len(want) > 1  # the generated history recovers some carts too


def test_the_export_is_the_promotions_and_a_rerun_writes_identical_bytes(carts):
    first, second = carts["exports"]
    assert carts["nobody"] == []
    assert (first["delivery"]["rule"], first["delivery"]["function"]) == (
        "shoplake-local-promotions-rebuilt", "shoplake-local-exportPromotions")  # fmt: skip
    assert first["files"] == second["files"]
    assert sorted(first["files"]) == ["_manifest.json", "promotion_data.csv", "promotion_data.parquet"]
    result = truth.cart_lines(truth.read_events(*carts["files"]))
    want = truth.promotions(result, truth.read_orders(*carts["orders"]))
    exported = list(csv.DictReader(io.StringIO(first["files"]["promotion_data.csv"].decode())))
    assert [(r["customer_id"], int(r["rank"]), r["product_id"], Decimal(r["value_abandoned"]), r["last_activity"])
            for r in exported] == [(c, p["rank"], p["product_id"], p["value_abandoned"],
            p["last_activity"].strftime("%Y-%m-%dT%H:%M:%SZ")) for c in sorted(want) for p in want[c]]  # fmt: skip
    manifest = json.loads(first["files"]["_manifest.json"])
    assert manifest["date"] == (result["watermark"]).date().isoformat() == first["result"]["date"]
    assert manifest["rows"] == sum(len(v) for v in want.values()) and manifest["customers"] == len(want)
    # the runs behind the promotions: the crafted and late files' and the history delivered
    # again, whose rows replaced the first delivery's (each event is kept from its latest run)
    crafted, (late, again) = carts["first"][1], carts["second"]
    assert manifest["source_run_ids"] == sorted({crafted.execution, late.execution, again.execution})
    import hashlib

    assert (
        manifest["files"]["promotion_data.csv"]["sha256"]
        == hashlib.sha256(first["files"]["promotion_data.csv"]).hexdigest()
    )
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(first["files"]["promotion_data.parquet"]))
    assert table.num_rows == manifest["rows"]
    assert table.column("product_id").to_pylist() == [r["product_id"] for r in exported]
