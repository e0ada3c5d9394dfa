"""Acceptance, as a user runs it: one `shoplake ingest` of files of every dataset (each with V valid
records, D repeated ids and M bad ones, quoted fields over several lines among them) gives exactly
V − D rows in each raw table and M in its quarantine with their reasons; --json reports the same;
the transform runs once, after all the files; two commands at once on one home both succeed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from shoplake.tooling.cli import main

pytestmark = pytest.mark.spark
BIN = Path(sys.executable).parent

TRANSACTIONS = (
    "transaction_id,order_id,customer_id,product_id,quantity,price,total_amount,transaction_date,status,currency\n"
    "T1,O1,C1,SKU-1,2,3.50,7.00,2026-12-01T10:00:00Z,completed,EUR\n"
    'T2,O1,C1,"SKU-2",1,9.99,9.99,2026-12-01T10:00:00Z,"returned",EUR\n'
    "T3,O2,,SKU-3,4,1.25,5.00,2026-12-01,refunded,\n"
    'T4,O3,C2,"SKU\n4",1,2.00,2.00,2026-12-01,completed,EUR\n'
    "T2,O1,C1,SKU-2,1,9.99,9.99,2026-12-01T10:00:00Z,returned,EUR\n"
    'T5,O4,C2,SKU-5,1,2.00,9.00,2026-12-01,completed,"EUR"\n'
    'T6,O4,C2,SKU-6,"one\nline too many",1,2.00,2.00,2026-12-01,completed,EUR\n'
    "T7,O4,C2,SKU-7,1,2.00,2.00,2026-12-01,lost,EUR\n"
)  # V=4 (T1-T4), D=1 (T2 again), M=3 (T5 total_mismatch, T6 malformed_row, T7 invalid_status)
PRODUCTS = json.dumps(
    [
        {"product_id": "SKU-1", "name": "Kettle", "category": "home", "price": "29.90", "stock": 3},
        {"product_id": "SKU-2", "name": "Lamp", "category": "home", "price": "19.00", "stock": 0},
        {"product_id": "SKU-1", "name": "Kettle again", "category": "home"},
        {"product_id": "SKU-9", "name": "", "category": "home"},
        {"product_id": "SKU-8", "name": "Mug", "category": "home", "price": "cheap"},
    ],
    indent=2,
)  # V=2, D=1, M=2 (missing_name, invalid_price)
CLICKSTREAM = (
    "\n".join(
        json.dumps(e)
        for e in [
            {"event_id": "e1", "session_id": "s1", "event_type": "page_view", "timestamp": "2026-12-01T10:00:00Z"},
            {
                "event_id": "e2",
                "session_id": "s1",
                "event_type": "product_view",
                "product_id": "SKU-1",
                "timestamp": "2026-12-01T10:01:00Z",
                "device": "mobile",
                "customer_id": "C1",
            },
            {"event_id": "e1", "session_id": "s1", "event_type": "page_view", "timestamp": "2026-12-01T10:00:00Z"},
            {"event_id": "e3", "session_id": "s1", "event_type": "wiggle", "timestamp": "2026-12-01T10:02:00Z"},
        ]
    )
    + "\n"
)  # fmt: skip  V=2, D=1, M=1 (invalid_event_type)
STORE_EVENTS = (
    "event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session\n"
    "2019-10-01 00:00:00 UTC,view,44600062,2103807459595387724,,shiseido,35.79,541312140,sess-a\n"
    "2019-10-01 00:00:01 UTC,cart,3900821,2053013552326770905,appliances.kettle,aqua,33.20,554748717,sess-b\n"
    "2019-10-01 00:00:00 UTC,view,44600062,2103807459595387724,,shiseido,35.79,541312140,sess-a\n"
    "2019-10-01 00:00:02 UTC,like,3900821,2053013552326770905,,aqua,33.20,554748717,sess-b\n"
)  # V=2, D=1, M=1 (invalid_event_type)
STORE_REVIEWS = (
    "review_id,product_id,customer_id,rating,review_text,review_date\n"
    'SR-1,SKU-1,C1,5,"Great kettle, boils fast.\nWould buy again.",2026-12-01T12:00:00Z\n'
    'SR-2,SKU-2,C1,2,"Flickers, ""dim""",2026-12-01\n'
    "SR-1,SKU-1,C1,5,dup,2026-12-01\n"
    "SR-3,SKU-2,C2,7,too good,2026-12-01\n"
)  # V=2, D=1, M=1 (invalid_rating)

EXPECTED = {
    # dataset: (file, records read, processed, quarantined, duplicates, reasons, raw table, quarantine table)
    "transactions": ("orders.csv", 8, 4, 3, 1, {"malformed_row": 1, "total_mismatch": 1, "invalid_status": 1},
                     "transactions", "transactions_quarantine"),
    "products": ("catalogue.json", 5, 2, 2, 1, {"missing_name": 1, "invalid_price": 1}, "products",
                 "products_quarantine"),
    "clickstream": ("events.jsonl", 4, 2, 1, 1, {"invalid_event_type": 1}, "clickstream_events",
                    "clickstream_quarantine"),
    "clickstream:store": ("store-events.csv", 4, 2, 1, 1, {"invalid_event_type": 1}, None, None),
    "reviews": ("store-reviews.csv", 4, 2, 1, 1, {"invalid_rating": 1}, None, None),
}  # fmt: skip


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    out = {}
    for name, text in [("orders.csv", TRANSACTIONS), ("catalogue.json", PRODUCTS), ("events.jsonl", CLICKSTREAM),
                       ("store-events.csv", STORE_EVENTS), ("store-reviews.csv", STORE_REVIEWS)]:  # fmt: skip
        out[name] = tmp_path / name
        out[name].write_text(text)
    return out


def sql(runner, query: str) -> list[list[str]]:
    result = runner.invoke(main, ["sql", query, "--format", "json"])
    assert result.exit_code == 0, result.output
    return [list(r.values()) for r in json.loads(result.stdout)]


def test_one_ingest_of_every_dataset_reconciles_and_transforms_once(tmp_path, monkeypatch, files):
    monkeypatch.setenv("SHOPLAKE_HOME", str(tmp_path / "home"))
    runner = CliRunner()
    # When one call lands a file of every dataset (and two layouts of the clickstream)
    result = runner.invoke(
        main,
        [
            "ingest", "--json", "--date", "2026-12-01",
            f"transactions:{files['orders.csv']}", f"products:{files['catalogue.json']}",
            f"clickstream:{files['events.jsonl']}", f"clickstream:{files['store-events.csv']}",
            str(files["store-reviews.csv"]),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    # Then each file reconciles, exactly as written above
    got = {
        (r["dataset"], Path(r["file"]).name): (
            r["counts"]["records_read"], r["counts"]["processed"], r["counts"]["quarantined"],
            r["counts"]["duplicates"], r["quarantine_reasons"],
        )
        for r in report
    }  # fmt: skip
    want = {(key.split(":")[0], e[0]): (e[1], e[2], e[3], e[4], e[5]) for key, e in EXPECTED.items()}
    assert got == want
    assert all(r["status"] == "SUCCEEDED" for r in report)
    # landed under the date partition
    assert {r["source_uri"].split("/", 3)[3].split("/")[1] for r in report} == {"date=2026-12-01"}
    # one transform for all five files
    (transform,) = {json.dumps(r["transform"], sort_keys=True) for r in report}
    assert json.loads(transform)["state"] == "success"
    # and the warehouse agrees: V - D rows, M quarantined with reasons
    assert sql(runner, "select count(*) from raw.transactions") == [[4]]
    assert sql(runner, "select line_number, reason from raw.transactions_quarantine order by 1") == [
        # (header 1, T4 spans 5-6, T6 spans 9-10)
        [8, "total_mismatch"], [9, "malformed_row"], [11, "invalid_status"]
    ]  # fmt: skip
    assert sql(runner, "select count(*) from raw.products") == [[2]]
    assert sql(runner, "select reason from raw.products_quarantine order by line_number") == [
        ["missing_name"], ["invalid_price"]
    ]  # fmt: skip
    assert sql(runner, "select source_format, count(*) from raw.clickstream_events group by 1 order by 1") == [
        ["native", 2], ["store_events", 2]
    ]  # fmt: skip
    assert sql(runner, "select count(*) from raw.clickstream_quarantine") == [[2]]
    store = "select review_id, review_text from raw.reviews where source_format = 'store_csv'"
    assert sql(runner, f"{store} order by 1") == [
        ["SR-1", "Great kettle, boils fast.\nWould buy again."], ["SR-2", 'Flickers, "dim"']
    ]  # fmt: skip
    # the marts saw every dataset
    assert sql(runner, "select count(*) from marts.fct_order_lines") == [[4]]
    assert sql(runner, "select count(*) from marts.fct_clickstream_events") == [[4]]
    assert sql(runner, "select dataset, sum(records) from marts.fct_quarantine_reasons group by 1 order by 1") == [
        ["clickstream", 2], ["products", 2], ["reviews", 1], ["transactions", 3]
    ]  # fmt: skip
    assert sql(
        runner, "select product_id, in_catalogue, known_from from marts.dim_products order by 1"
    ) == [
        ["3900821", False, "clickstream"], ["44600062", False, "clickstream"],
        ["SKU\n4", False, "transactions"],  # (a line break sorts before "-")
        ["SKU-1", True, "catalogue"], ["SKU-2", True, "catalogue"], ["SKU-3", False, "transactions"],
    ]  # fmt: skip
    # customers from orders, visits and store reviews (T3's guest is none; SR-3 was quarantined)
    assert sql(runner, "select customer_id, orders, order_lines, sessions, store_reviews from marts.dim_customers "
                       "order by 1") == [
        ["541312140", 0, 0, 1, 0], ["554748717", 0, 0, 1, 0], ["C1", 1, 2, 1, 2], ["C2", 1, 1, 0, 0],
    ]  # fmt: skip


def test_two_commands_at_once_on_one_home_both_succeed(tmp_path, files):
    # Given two ingests started together on one SHOPLAKE_HOME, and a query while they run
    env = {**os.environ, "SHOPLAKE_HOME": str(tmp_path / "home")}
    first = subprocess.Popen(  # noqa: S603
        [str(BIN / "shoplake"), "ingest", "--json", f"transactions:{files['orders.csv']}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    second = subprocess.Popen(  # noqa: S603
        [str(BIN / "shoplake"), "ingest", "--json", f"products:{files['catalogue.json']}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    out1, err1 = first.communicate(timeout=900)
    out2, err2 = second.communicate(timeout=900)
    # Then both succeed: the refreshes and transforms took turns, nobody failed on a lock
    assert (first.returncode, second.returncode) == (0, 0), err1[-3000:] + err2[-3000:]
    (r1,), (r2,) = json.loads(out1), json.loads(out2)
    assert (r1["status"], r2["status"]) == ("SUCCEEDED", "SUCCEEDED")
    assert r1["transform"]["state"] == r2["transform"]["state"] == "success"
    # and the marts hold both files
    query = subprocess.run(  # noqa: S603
        [str(BIN / "shoplake"), "sql", "select (select count(*) from marts.fct_order_lines), "
         "(select count(*) from marts.dim_products where in_catalogue)", "--format", "csv"],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert query.returncode == 0, query.stderr
    assert query.stdout.splitlines()[1] == "4,2"
