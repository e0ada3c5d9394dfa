"""The clickstream dataset through the clean and flatten jobs: the tracker's layout (JSON Lines,
CSV), the public store-events export (the real sample file), every reason code, resent events,
derived ids, and the sample's truth."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from shoplake.core import layout
from shoplake.core.jobs import clean, flatten
from shoplake.core.storage import get_store
from shoplake.datasets.clickstream.contract import CLICKSTREAM
from shoplake.datasets.clickstream.sample import write_sample
from tests.unit.work_area import work_rows

pytestmark = pytest.mark.spark

PROCESSED = "s3://processed"
REAL = Path(__file__).resolve().parents[3] / "shared" / "real-data" / "commerce"
STORE_TYPES = {"view": "product_view", "cart": "add_to_cart", "remove_from_cart": "remove_from_cart",
               "purchase": "purchase"}  # fmt: skip


def args(uri: str, run_id: str = "run-c") -> dict[str, str]:
    return {
        "dataset": "clickstream",
        "source_uri": uri,
        "run_id": run_id,
        "processed_root": PROCESSED,
        "ingested_at": "2026-12-01T07:00:00Z",
        "storage_backend": "local",
        "source_etag": "etag",
    }


def land(key: str, data: bytes | str) -> str:
    uri = f"s3://raw/{key}"
    get_store("local").put_bytes(uri, data.encode("utf-8") if isinstance(data, str) else data)
    return uri


def work(spark, kind: str, run_id: str = "run-c") -> list[dict]:
    return work_rows(spark, "clickstream", kind, run_id)


def event(**fields) -> str:
    base = {"event_id": "e1", "session_id": "s1", "customer_id": "C1", "event_type": "product_view",
            "page": "/product/P1", "product_id": "P1", "timestamp": "2026-12-01T10:00:00+01:00",
            "device": "Mobile", "price": "19.90"}  # fmt: skip
    return json.dumps({k: v for k, v in (base | fields).items() if v is not None})


def derived_id(session: str, ts: datetime, kind: str, page: str | None, product: str | None) -> str:
    micros = int((ts - datetime(1970, 1, 1)).total_seconds()) * 1_000_000 + ts.microsecond
    parts = [session, str(micros), kind, page or "", product or ""]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def test_tracker_events_with_resends_anonymous_visitors_and_derived_ids(spark, home):
    lines = [
        event(),
        event(
            event_id="e2",
            event_type="page_view",
            product_id=None,
            page="/",
            device="smart-tv",
            price=None,
            customer_id=None,
            timestamp="1764583200000",
        ),  # fmt: skip
        event(),  # resent by the tracker
        event(event_id=None, event_type="add_to_cart", timestamp="2026-12-01T09:05:00Z"),
    ]
    uri = land("clickstream/date=2026-12-01/events.jsonl", "\n".join(lines) + "\n")
    manifest = clean.run(spark, args(uri))
    assert manifest["counts"] == {"records_read": 4, "processed": 3, "quarantined": 0, "duplicates": 1}
    rows = work(spark, "records")
    assert [
        {k: r[k] for k in ("line_number", "event_id", "session_id", "customer_id", "is_anonymous", "event_type",
                             "product_id", "event_ts", "event_date", "device", "price", "source_format")}
        for r in rows
    ] == [  # fmt: skip
        {"line_number": 1, "event_id": "e1", "session_id": "s1", "customer_id": "C1", "is_anonymous": False,
         "event_type": "product_view", "product_id": "P1", "event_ts": datetime(2026, 12, 1, 9, 0),
         "event_date": "2026-12-01", "device": "mobile", "price": Decimal("19.90"), "source_format": "native"},
        {"line_number": 2, "event_id": "e2", "session_id": "s1", "customer_id": None, "is_anonymous": True,
         "event_type": "page_view", "product_id": None, "event_ts": datetime(2025, 12, 1, 10, 0),
         "event_date": "2025-12-01", "device": "other", "price": None, "source_format": "native"},
        {"line_number": 4,
         "event_id": derived_id("s1", datetime(2026, 12, 1, 9, 5), "add_to_cart", "/product/P1", "P1"),
         "session_id": "s1", "customer_id": "C1", "is_anonymous": False, "event_type": "add_to_cart",
         "product_id": "P1", "event_ts": datetime(2026, 12, 1, 9, 5), "event_date": "2026-12-01",
         "device": "mobile", "price": Decimal("19.90"), "source_format": "native"},
    ]  # fmt: skip


REASON_CASES = [
    ("not json", "malformed_json"),
    (event(session_id=""), "missing_session_id"),
    (event(event_type="scroll"), "invalid_event_type"),
    (event(event_type="purchase", product_id=None), "missing_product_id"),
    (event(timestamp=None), "missing_timestamp"),
    (event(timestamp="2026-12-01 10:00:00"), "invalid_timestamp"),
    (event(timestamp="yesterday"), "invalid_timestamp"),
    (event(price="1.234"), "invalid_price"),
]


def test_every_reason_code_of_an_event(spark, home):
    assert {r for _, r in REASON_CASES} | {"malformed_row"} == set(CLICKSTREAM.reason_codes)
    uri = land("clickstream/bad.jsonl", "\n".join(line for line, _ in REASON_CASES) + "\n")
    manifest = clean.run(spark, args(uri))
    assert manifest["counts"]["processed"] == 0
    assert [(q["line_number"], q["reason"]) for q in work(spark, "quarantine")] == [
        (n, reason) for n, (_, reason) in enumerate(REASON_CASES, start=1)
    ]


def _store_reference(path: Path) -> dict:
    """The store-export rules, independently of the transform."""
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig", newline="")))
    seen, out = set(), {"records": len(rows), "processed": 0, "quarantined": 0, "duplicates": 0, "by_type": {}}
    for r in rows:
        kind = STORE_TYPES.get(r["event_type"])
        if kind is None or not r["user_session"] or not r["product_id"]:
            out["quarantined"] += 1
            continue
        identity = (r["user_session"], r["event_time"], kind, r["product_id"])
        if identity in seen:
            out["duplicates"] += 1
            continue
        seen.add(identity)
        out["processed"] += 1
        out["by_type"][kind] = out["by_type"].get(kind, 0) + 1
    return out


def test_the_real_store_events_sample_is_accounted_for_event_by_event(spark, home):
    # Given 5,000 events of the public multi-category store export (repeated events among them)
    path = REAL / "c3_rees46_events.csv"
    truth = _store_reference(path)
    uri = land("clickstream/rees46.csv", path.read_bytes())
    # When it is cleaned and flattened
    clean.run(spark, args(uri))
    manifest = flatten.run(spark, args(uri))
    # Then the layout is detected from the header and every event is accounted for
    assert manifest["layout"] == "store_events"
    assert manifest["counts"] == {
        "records_read": truth["records"],
        "processed": truth["processed"],
        "quarantined": truth["quarantined"],
        "duplicates": truth["duplicates"],
    }
    published = spark.read.parquet(
        get_store("local").spark_path(layout.source_prefix(PROCESSED, "clickstream_events", layout.source_id(uri)))
    )
    counted = published.groupBy("event_type").count().withColumnRenamed("count", "n").collect()
    by_type = {r["event_type"]: r["n"] for r in counted}
    assert by_type == truth["by_type"]
    first = published.orderBy("line_number").first()
    assert (first["line_number"], first["event_ts"], first["event_date"], first["customer_id"], first["device"],
            first["brand"], first["category_code"], first["price"]) == (
        2, datetime(2019, 10, 1, 0, 0, 0), date(2019, 10, 1), "541312140", "other", "shiseido", None, Decimal("35.79")
    )  # fmt: skip


@pytest.mark.parametrize("name", ["events.jsonl", "events.csv.gz"])
def test_the_samples_counts_are_what_the_pipeline_finds(spark, home, tmp_path, name):
    path = tmp_path / name
    stats = write_sample(path, 500, corrupt_share=0.05, duplicate_share=0.03, seed=9)
    uri = f"s3://raw/clickstream/{name}"
    get_store("local").put_file(uri, path)
    clean.run(spark, args(uri))
    manifest = flatten.run(spark, args(uri))
    assert manifest["counts"] == {
        "records_read": 500, "processed": stats.valid, "quarantined": stats.corrupt, "duplicates": stats.duplicates
    }  # fmt: skip
    assert manifest["quarantine_reasons"] == {r: n for r, n in stats.corrupt_by_reason.items() if n}
