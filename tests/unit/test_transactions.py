"""The transactions dataset through the clean and flatten jobs: the order system's layout (CSV,
JSON Lines), the public Online Retail export (the real sample file), every reason code, guests,
defaults, and the sample's truth."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from shoplake.core import layout
from shoplake.core.jobs import clean, flatten
from shoplake.core.storage import get_store
from shoplake.datasets.transactions.contract import TRANSACTIONS
from shoplake.datasets.transactions.sample import write_sample
from tests.unit.work_area import work_rows

pytestmark = pytest.mark.spark

PROCESSED = "s3://processed"
REAL = Path(__file__).resolve().parents[3] / "shared" / "real-data" / "commerce"
HEADER = "transaction_id,order_id,customer_id,product_id,quantity,price,total_amount,transaction_date,status,currency"


def args(uri: str, run_id: str = "run-t", **extra: str) -> dict[str, str]:
    return {
        "dataset": "transactions",
        "source_uri": uri,
        "run_id": run_id,
        "processed_root": PROCESSED,
        "ingested_at": "2026-12-01T07:00:00Z",
        "storage_backend": "local",
        "source_etag": "etag",
        **extra,
    }


def land(key: str, data: bytes | str) -> str:
    uri = f"s3://raw/{key}"
    get_store("local").put_bytes(uri, data.encode("utf-8") if isinstance(data, str) else data)
    return uri


def work(spark, kind: str, run_id: str = "run-t") -> list[dict]:
    return work_rows(spark, "transactions", kind, run_id)


def test_an_order_system_csv_with_quoted_line_breaks_guests_and_defaults(spark, home):
    # Given V valid lines (one with a quoted field over two lines), D repeated ids and M bad rows
    text = (
        HEADER + "\n"
        "T1,O1,C1,P1,2,3.50,7.00,2026-12-01T10:00:00+01:00,Completed,EUR\n"
        'T2,O1,,"P2\nsecond line",1,0.99,0.99,2026-12-01,returned,\n'
        "T3,,C2,P3,3,10.00,30.01,2026-12-01T23:30:00Z,refunded,usd\n"
        "T1,O1,C1,P1,2,3.50,7.00,2026-12-01T10:00:00+01:00,completed,EUR\n"
        "T4,O2,C1,P1,2,3.50,7.50,2026-12-01,completed,EUR\n"
        'T5,O2,C1,"P\n1",1,1.00,1.00,2026-12-01,shipped,EUR\n'
        "T6,O2,C1,P1,1,1.00\n"
    )
    uri = land("transactions/date=2026-12-01/orders.csv", text)
    # When it is cleaned
    manifest = clean.run(spark, args(uri, default_currency="GBP"))
    # Then exactly V - D rows are kept, D counted, M quarantined with their reasons and raw text
    assert manifest["counts"] == {"records_read": 7, "processed": 3, "quarantined": 3, "duplicates": 1}
    assert manifest["quarantine_reasons"] == {"malformed_row": 1, "total_mismatch": 1, "invalid_status": 1}
    assert manifest["layout"] == "native"
    rows = work(spark, "records")
    assert [
        {k: r[k] for k in ("line_number", "transaction_id", "order_id", "customer_id", "is_guest", "product_id",
                             "quantity", "price", "total_amount", "currency", "status", "transaction_ts",
                             "transaction_date", "transaction_month", "source_format")}
        for r in rows
    ] == [  # fmt: skip
        {"line_number": 2, "transaction_id": "T1", "order_id": "O1", "customer_id": "C1", "is_guest": False,
         "product_id": "P1", "quantity": 2, "price": Decimal("3.50"), "total_amount": Decimal("7.00"),
         "currency": "EUR", "status": "completed", "transaction_ts": datetime(2026, 12, 1, 9, 0),
         "transaction_date": date(2026, 12, 1), "transaction_month": "2026-12", "source_format": "native"},
        {"line_number": 3, "transaction_id": "T2", "order_id": "O1", "customer_id": None, "is_guest": True,
         "product_id": "P2\nsecond line", "quantity": 1, "price": Decimal("0.99"), "total_amount": Decimal("0.99"),
         "currency": "GBP", "status": "returned", "transaction_ts": datetime(2026, 12, 1, 0, 0),
         "transaction_date": date(2026, 12, 1), "transaction_month": "2026-12", "source_format": "native"},
        {"line_number": 5, "transaction_id": "T3", "order_id": "T3", "customer_id": "C2", "is_guest": False,
         "product_id": "P3", "quantity": 3, "price": Decimal("10.00"), "total_amount": Decimal("30.01"),
         "currency": "USD", "status": "refunded", "transaction_ts": datetime(2026, 12, 1, 23, 30),
         "transaction_date": date(2026, 12, 1), "transaction_month": "2026-12", "source_format": "native"},
    ]  # fmt: skip
    assert [(q["line_number"], q["reason"], q["raw_record"]) for q in work(spark, "quarantine")] == [
        (7, "total_mismatch", "T4,O2,C1,P1,2,3.50,7.50,2026-12-01,completed,EUR"),
        (8, "invalid_status", 'T5,O2,C1,"P\n1",1,1.00,1.00,2026-12-01,shipped,EUR'),
        (10, "malformed_row", "T6,O2,C1,P1,1,1.00"),
    ]


def test_quoted_line_breaks_across_text_partitions_keep_records_and_line_numbers(spark, home):
    # Given 120 order lines, every 7th with a product name over several lines (one of them blank),
    # read as many small text partitions, and a last record whose quote never closes
    text, expected, line = [HEADER], [], 2
    for n in range(120):
        product = f"P{n}" if n % 7 else f"P{n}\nsecond line\n\nfourth line"
        quoted = f'"{product}"' if "\n" in product else product
        text.append(f"T{n},O{n},C1,{quoted},1,2.00,2.00,2026-12-01,completed,EUR")
        expected.append((line, f"T{n}", product))
        line += product.count("\n") + 1
    text.append('T999,O9,C1,"never closed\nrest of the file')
    uri = land("transactions/multiline.csv", "\n".join(text) + "\n")
    saved = spark.conf.get("spark.sql.files.maxPartitionBytes")
    spark.conf.set("spark.sql.files.maxPartitionBytes", "300")
    try:
        assert spark.read.text(get_store("local").spark_path(uri)).rdd.getNumPartitions() > 10
        # When cleaned
        manifest = clean.run(spark, args(uri))
    finally:
        spark.conf.set("spark.sql.files.maxPartitionBytes", saved)
    # Then every record is whole, on the physical line it starts on, and the open quote is quarantined
    assert manifest["counts"] == {"records_read": 121, "processed": 120, "quarantined": 1, "duplicates": 0}
    assert [(r["line_number"], r["transaction_id"], r["product_id"]) for r in work(spark, "records")] == expected
    assert [(q["line_number"], q["reason"], q["raw_record"]) for q in work(spark, "quarantine")] == [
        (line, "malformed_row", 'T999,O9,C1,"never closed\nrest of the file')
    ]


REASON_CASES = [
    ('{"transaction_id": "T1"', "malformed_json"),
    ({"transaction_id": None}, "missing_transaction_id"),
    ({"product_id": " "}, "missing_product_id"),
    ({"quantity": 0}, "invalid_quantity"),
    ({"quantity": "1.5"}, "invalid_quantity"),
    ({"price": "-1"}, "invalid_price"),
    ({"price": "1.999"}, "invalid_price"),
    ({"total_amount": None}, "invalid_total_amount"),
    ({"total_amount": "2.50"}, "total_mismatch"),
    ({"transaction_date": ""}, "missing_transaction_date"),
    ({"transaction_date": "12/01/2026"}, "invalid_transaction_date"),
    ({"status": "pending"}, "invalid_status"),
    ({"currency": "EURO"}, "invalid_currency"),
]


def test_every_reason_code_of_an_order_line(spark, home):
    good = {"transaction_id": "T", "product_id": "P", "quantity": 2, "price": "1.00", "total_amount": "2.00",
            "transaction_date": "2026-12-01", "status": "completed"}  # fmt: skip
    lines = []
    for n, (case, _) in enumerate(REASON_CASES):
        if isinstance(case, str):
            lines.append(case)
        else:
            record = good | {"transaction_id": f"T{n}"} | case
            lines.append(json.dumps({k: v for k, v in record.items() if v is not None}))
    assert {r for _, r in REASON_CASES} | {"malformed_row"} == set(TRANSACTIONS.reason_codes)
    uri = land("transactions/bad.jsonl", "\n".join(lines) + "\n")
    manifest = clean.run(spark, args(uri))
    assert manifest["counts"]["processed"] == 0
    assert [(q["line_number"], q["reason"]) for q in work(spark, "quarantine")] == [
        (n, reason) for n, (_, reason) in enumerate(REASON_CASES, start=1)
    ]


def _retail_reference(path: Path) -> dict:
    """The Online Retail rules, written independently of the transform: what a clean must find."""
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig", newline="")))
    seen, out = set(), {"records": len(rows), "processed": 0, "quarantined": 0, "duplicates": 0, "returned": 0,
                        "guests": 0, "amount": Decimal(0)}  # fmt: skip
    for r in rows:
        quantity = int(r["Quantity"]) * (-1 if r["InvoiceNo"].startswith("C") else 1)
        if quantity < 1:
            out["quarantined"] += 1
            continue
        identity = tuple(r.values())
        if identity in seen:
            out["duplicates"] += 1
            continue
        seen.add(identity)
        out["processed"] += 1
        out["returned"] += r["InvoiceNo"].startswith("C")
        out["guests"] += not r["CustomerID"]
        out["amount"] += quantity * Decimal(r["UnitPrice"])
    return out


def test_the_real_online_retail_sample_is_accounted_for_record_by_record(spark, home):
    # Given the public Online Retail export's first 5,000 rows (BOM, CRLF, cancellations, guests,
    # exact repeats, stock adjustments)
    path = REAL / "c1_online_retail.csv"
    truth = _retail_reference(path)
    uri = land("transactions/online_retail.csv", path.read_bytes())
    # When it is cleaned and flattened
    clean.run(spark, args(uri))
    manifest = flatten.run(spark, args(uri))
    # Then every record is processed, quarantined or a duplicate, as the rules say
    assert manifest["layout"] == "online_retail"
    assert manifest["counts"] == {
        "records_read": truth["records"],
        "processed": truth["processed"],
        "quarantined": truth["quarantined"],
        "duplicates": truth["duplicates"],
    }
    assert manifest["quarantine_reasons"] == {"invalid_quantity": truth["quarantined"]}
    assert manifest["unknown_fields"] == []
    published = spark.read.parquet(
        get_store("local").spark_path(layout.source_prefix(PROCESSED, "transactions", layout.source_id(uri)))
    )
    got = published.selectExpr(
        "count(*) as n", "sum(case when status = 'returned' then 1 else 0 end) as returned",
        "sum(case when is_guest then 1 else 0 end) as guests", "sum(total_amount) as amount",
        "min(transaction_date) as first_day", "count(distinct transaction_month) as months",
    ).first().asDict()  # fmt: skip
    assert got == {"n": truth["processed"], "returned": truth["returned"], "guests": truth["guests"],
                   "amount": truth["amount"], "first_day": date(2010, 12, 1), "months": 1}  # fmt: skip
    # a record's id is the hash of the whole record (an exact repeat is a duplicate), its first line kept
    first = published.orderBy("line_number").first()
    record = next(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()[1:2]))
    assert first["transaction_id"] == hashlib.sha256("\x1f".join(record).encode()).hexdigest()[:32]
    assert (first["line_number"], first["order_id"], first["customer_id"], first["product_name"]) == (
        2, "536365", "17850", "WHITE HANGING HEART T-LIGHT HOLDER"
    )  # fmt: skip
    assert (first["transaction_ts"], first["price"], first["quantity"]) == (
        datetime(2010, 12, 1, 8, 26), Decimal("2.55"), 6
    )  # fmt: skip


def test_another_online_retail_copy_header_in_any_case_iso_times_and_an_extra_column(spark, home):
    # Given a gzipped copy of the export with its header in lower case and another order, times
    # as YYYY-MM-DD HH:MM:SS, a Region column no layout knows, a cancellation and a stock adjustment
    text = (
        "invoiceno,stockcode,description,quantity,unitprice,invoicedate,customerid,country,Region\r\n"
        "536365,85123A,WHITE HANGING HEART,6,2.55,2010-12-01 08:26:00,17850.0,United Kingdom,North\r\n"
        "C536379,D,Discount,-1,27.50,2010-12-01 09:41:00,14527.0,United Kingdom,South\r\n"
        "536414,22139,,56,0.00,2010-12-01 11:52:00,,United Kingdom,\r\n"
        "536415,22140,ADJUST,-3,0.00,2010-12-01 11:53:00,,United Kingdom,\r\n"
    )
    uri = land("transactions/date=2010-12-01/retail.csv.gz", gzip.compress(text.encode()))
    clean.run(spark, args(uri))
    quarantined = [(q["line_number"], q["reason"]) for q in work(spark, "quarantine")]
    rows = [(r["order_id"], r["customer_id"], r["is_guest"], r["quantity"], r["total_amount"], r["status"],
             r["transaction_ts"]) for r in work(spark, "records")]  # fmt: skip
    manifest = flatten.run(spark, args(uri))
    # Then the layout is found, the extra column reported once, the adjustment quarantined
    assert (manifest["layout"], manifest["unknown_fields"]) == ("online_retail", ["Region"])
    assert manifest["counts"] == {"records_read": 4, "processed": 3, "quarantined": 1, "duplicates": 0}
    assert quarantined == [(5, "invalid_quantity")]
    assert rows == [
        ("536365", "17850", False, 6, Decimal("15.30"), "completed", datetime(2010, 12, 1, 8, 26)),
        ("C536379", "14527", False, 1, Decimal("27.50"), "returned", datetime(2010, 12, 1, 9, 41)),
        ("536414", None, True, 56, Decimal("0.00"), "completed", datetime(2010, 12, 1, 11, 52)),
    ]


@pytest.mark.parametrize("name", ["orders.csv", "orders.jsonl.gz"])
def test_the_samples_counts_are_what_the_pipeline_finds(spark, home, tmp_path, name):
    path = tmp_path / name
    stats = write_sample(path, 400, corrupt_share=0.06, duplicate_share=0.02, seed=4)
    uri = f"s3://raw/transactions/{name}"
    get_store("local").put_file(uri, path)
    clean.run(spark, args(uri))
    manifest = flatten.run(spark, args(uri))
    assert manifest["counts"] == {
        "records_read": 400, "processed": stats.valid, "quarantined": stats.corrupt, "duplicates": stats.duplicates
    }  # fmt: skip
    assert manifest["quarantine_reasons"] == {r: n for r, n in stats.corrupt_by_reason.items() if n}


def test_the_duckdb_reference_accounts_for_real_and_generated_order_lines_as_the_jobs_do(
    spark, home, tmp_path, monkeypatch
):
    # Given the DuckDB reference bench/clean_flatten.py compares Spark with (the contract in SQL)
    bench = Path(__file__).resolve().parents[2] / "bench"
    monkeypatch.syspath_prepend(str(bench))
    import duckdb_transactions

    generated = tmp_path / "generated.csv"
    write_sample(generated, 3000, seed=11)
    for path in (REAL / "c1_online_retail.csv", generated):
        uri = land(f"transactions/{path.name}", path.read_bytes())
        # When the jobs and the reference each clean and flatten the same file
        cleaned = clean.run(spark, args(uri, run_id=path.stem))
        published = flatten.run(spark, args(uri, run_id=path.stem))
        reference = duckdb_transactions.run(
            path, tmp_path / path.stem, source_uri=uri, run_id=path.stem, ingested_at="2026-12-01 07:00:00"
        )
        # Then both account for every record the same way, reason by reason and table by table
        for key in ("counts", "quarantine_reasons", "source_formats"):
            assert cleaned[key] == reference[key], (path.name, key)
        assert published["row_counts"] == reference["row_counts"], path.name
