"""The products dataset through the clean and flatten jobs: a catalogue as a JSON array (compact or
pretty-printed), JSON Lines or CSV, every reason code, defaults, and the sample's truth."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from shoplake.core.errors import MalformedDocument
from shoplake.core.jobs import clean, flatten
from shoplake.core.storage import get_store
from shoplake.datasets.products.contract import PRODUCTS
from shoplake.datasets.products.sample import write_sample
from tests.unit.work_area import work_rows

pytestmark = pytest.mark.spark

PROCESSED = "s3://processed"
INGESTED = datetime(2026, 12, 1, 7, 0, 0)


def args(uri: str, run_id: str = "run-p") -> dict[str, str]:
    return {
        "dataset": "products",
        "source_uri": uri,
        "run_id": run_id,
        "processed_root": PROCESSED,
        "ingested_at": "2026-12-01T07:00:00Z",
        "storage_backend": "local",
        "source_etag": "etag",
    }


def land(key: str, text: str) -> str:
    uri = f"s3://raw/{key}"
    get_store("local").put_bytes(uri, text.encode("utf-8"))
    return uri


def work(spark, kind: str, run_id: str = "run-p") -> list[dict]:
    return work_rows(spark, "products", kind, run_id)


def product(pid: str, **overrides) -> dict:
    return {"product_id": pid, "name": f"Lamp {pid}", "category": "Home", "brand": "Linnea", "price": "19.90",
            "stock": 7, "updated_at": "2026-11-30T10:00:00+01:00"} | overrides  # fmt: skip


def test_a_pretty_printed_json_array_keeps_each_products_first_line(spark, home):
    # Given a catalogue export: a JSON array, one element spanning several lines, a repeated product
    elements = [product("P1"), product("P2", price=5, stock=0), product("P1", name="again")]
    uri = land("products/date=2026-12-01/catalogue.json", json.dumps(elements, indent=2))
    # When it is cleaned
    manifest = clean.run(spark, args(uri))
    # Then each element is a record starting on its own line (the array opens on line 1)
    assert manifest["counts"] == {"records_read": 3, "processed": 2, "quarantined": 0, "duplicates": 1}
    assert manifest["record_format"] == "json_array"
    rows = work(spark, "records")
    assert [{k: r[k] for k in ("line_number", "product_id", "name", "category", "price", "stock", "updated_at",
                                 "updated_at_given", "source_format")} for r in rows] == [  # fmt: skip
        {"line_number": 2, "product_id": "P1", "name": "Lamp P1", "category": "home", "price": Decimal("19.90"),
         "stock": 7, "updated_at": datetime(2026, 11, 30, 9, 0), "updated_at_given": True,
         "source_format": "json_array"},
        {"line_number": 11, "product_id": "P2", "name": "Lamp P2", "category": "home", "price": Decimal("5.00"),
         "stock": 0, "updated_at": datetime(2026, 11, 30, 9, 0), "updated_at_given": True,
         "source_format": "json_array"},
    ]  # fmt: skip


def test_a_compact_json_array_puts_every_product_on_line_one(spark, home):
    uri = land("products/compact.json", json.dumps([product("P1"), product("P2")]))
    clean.run(spark, args(uri))
    assert [(r["line_number"], r["product_id"]) for r in work(spark, "records")] == [(1, "P1"), (1, "P2")]


def test_every_reason_code_of_the_catalogue(spark, home):
    # Given one record per way of being invalid, and one without updated_at (it takes the ingestion time)
    cases = [
        (42, "malformed_json"),
        (product(""), "missing_product_id"),
        ({k: v for k, v in product("P3").items() if k != "name"}, "missing_name"),
        (product("P4", category=" "), "missing_category"),
        (product("P5", price="-1.00"), "invalid_price"),
        (product("P6", price="12.345"), "invalid_price"),
        (product("P7", stock="2.5"), "invalid_stock"),
        (product("P8", stock=-3), "invalid_stock"),
        (product("P9", updated_at="last week"), "invalid_updated_at"),
    ]
    # (malformed_row, the CSV reader's, is in the CSV test)
    assert {reason for _, reason in cases} == set(PRODUCTS.reason_codes) - {"malformed_row"}
    undated = {k: v for k, v in product("P10").items() if k != "updated_at"}
    text = "[\n" + ",\n".join(json.dumps(e) for e, _ in cases) + ",\n" + json.dumps(undated) + "\n]\n"
    uri = land("products/bad.json", text)
    # When it is cleaned
    manifest = clean.run(spark, args(uri))
    # Then every record is quarantined with its reason, on its line; the undated one is kept
    assert manifest["counts"] == {"records_read": 10, "processed": 1, "quarantined": 9, "duplicates": 0}
    assert [(q["line_number"], q["reason"]) for q in work(spark, "quarantine")] == [
        (n, reason) for n, (_, reason) in enumerate(cases, start=2)
    ]
    (kept,) = work(spark, "records")
    assert (kept["product_id"], kept["updated_at"], kept["updated_at_given"]) == ("P10", INGESTED, False)


def test_json_lines_and_csv_catalogues_are_the_same_records(spark, home):
    jsonl = land("products/a.jsonl", "\n".join(json.dumps(product(p)) for p in ("P1", "P2")) + "\n")
    csv = land(
        "products/a.csv",
        "\ufeffPRODUCT_ID,Name,category,brand,price,stock,updated_at,colour\r\n"
        "P1,Lamp P1,Home,Linnea,19.90,7,2026-11-30T10:00:00+01:00,red\r\n"
        'P2,"Lamp, ""P2""",Home,Linnea,19.90,7,2026-11-30T10:00:00+01:00,blue\r\n'
        "P3,one field short,Home,Linnea,19.90,7,2026-11-30\r\n",
    )
    first = clean.run(spark, args(jsonl, "run-j"))
    second = clean.run(spark, args(csv, "run-c"))
    assert first["counts"] == {"records_read": 2, "processed": 2, "quarantined": 0, "duplicates": 0}
    assert second["counts"] == {"records_read": 3, "processed": 2, "quarantined": 1, "duplicates": 0}
    assert [(q["line_number"], q["reason"], q["raw_record"]) for q in work(spark, "quarantine", "run-c")] == [
        (4, "malformed_row", "P3,one field short,Home,Linnea,19.90,7,2026-11-30")
    ]
    # the CSV's unknown column is reported, not published
    assert (second["layout"], second["unknown_fields"]) == ("catalogue", ["colour"])
    names = [(r["line_number"], r["name"], r["source_format"]) for r in work(spark, "records", "run-c")]
    assert names == [(2, "Lamp P1", "csv"), (3, 'Lamp, "P2"', "csv")]
    assert [r["source_format"] for r in work(spark, "records", "run-j")] == ["jsonl", "jsonl"]


def test_a_broken_json_array_is_rejected_whole(spark, home):
    uri = land("products/broken.json", '[{"product_id": "P1", "name": "x", "category": "y"},\n')
    manifest = clean.run(spark, args(uri))
    assert manifest["status"] == "REJECTED"
    assert manifest["rejection"] == {
        "reason": MalformedDocument.reason_code(),
        "message": f"{uri}: the file is not one well-formed JSON array",
    }


def test_a_csv_without_a_required_column_is_rejected_naming_it(spark, home):
    uri = land("products/partial.csv", "product_id,price\nP1,3.00\n")
    manifest = clean.run(spark, args(uri))
    assert manifest["rejection"] == {
        "reason": "missing_columns",
        "message": f"{uri}: the header lacks the columns name, category required by the catalogue layout of "
        "products (header: product_id, price)",
    }


@pytest.mark.parametrize("name", ["catalogue.json", "catalogue.jsonl.gz", "catalogue.csv"])
def test_the_samples_counts_are_what_the_pipeline_finds(spark, home, tmp_path, name):
    # Given a generated catalogue with its truth
    path = tmp_path / name
    stats = write_sample(path, 300, corrupt_share=0.05, duplicate_share=0.02, seed=3)
    uri = f"s3://raw/products/{name}"
    get_store("local").put_file(uri, path)
    # When it is cleaned and flattened
    clean.run(spark, args(uri))
    manifest = flatten.run(spark, args(uri))
    # Then the counts are the truth, reason by reason
    assert manifest["counts"] == {
        "records_read": 300,
        "processed": stats.valid,
        "quarantined": stats.corrupt,
        "duplicates": stats.duplicates,
    }
    assert manifest["quarantine_reasons"] == {r: n for r, n in stats.corrupt_by_reason.items() if n}
    assert manifest["row_counts"] == {"products": stats.valid, "products_quarantine": stats.corrupt}
    assert Path(path).stat().st_size > 0
