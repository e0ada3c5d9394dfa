"""The transactions dataset: one record per order line, from the shop's order system (its own
layout, CSV or JSON Lines) or in the layout of the public "Online Retail" export.

A line's status is its final state: ``completed`` (kept), ``returned`` (goods came back) or
``refunded`` (money back). Money is decimal(12,2), never a float.
"""

from __future__ import annotations

from shoplake.core.contracts import Column as _C
from shoplake.core.contracts import Dataset, Layout, Quality, RecordFormat, Table, lineage_columns

STATUSES = ("completed", "returned", "refunded")

NATIVE = Layout(
    "native",
    ("transaction_id", "order_id", "customer_id", "product_id", "quantity", "price", "total_amount",
     "transaction_date", "status", "currency"),
    required=("transaction_id", "product_id", "quantity", "price", "total_amount", "transaction_date", "status"),
    description="the shop's order system: one record per order line",
)  # fmt: skip
ONLINE_RETAIL = Layout(
    "online_retail",
    ("InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"),
    required=("InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice"),
    # A CSV export; its Quantity is the native layout's quantity (field names ignore case).
    formats=(RecordFormat.CSV,),
    description="the public Online Retail export: an invoice starting with C is a cancellation",
)

TRANSACTIONS = Dataset(
    name="transactions",
    description="The shop's order lines (every line is a sale; its status is its final state).",
    formats=(RecordFormat.JSON_LINES, RecordFormat.CSV),
    layouts=(NATIVE, ONLINE_RETAIL),
    identity=("transaction_id",),
    # The marts' completed revenue must be the order lines' (each line's latest delivery).
    quality=Quality(
        model="fct_order_lines", measure="total_amount", where="status = 'completed'", date_column="transaction_date"
    ),
    published=(
        Table(
            name="transactions",
            partition_by="transaction_month",
            partition_type="string",
            description="One row per order line per publishing run.",
            unique_key=("transaction_id", "run_id"),
            columns=(
                _C(
                    "transaction_id",
                    "string",
                    "the line's id; Online Retail: a hash of the whole record",
                    required=True,
                ),  # fmt: skip
                _C(
                    "order_id",
                    "string",
                    "the order (default: the transaction id); Online Retail: InvoiceNo",
                    required=True,
                ),  # fmt: skip
                _C("customer_id", "string", "null for a guest checkout"),
                _C("is_guest", "boolean", "no customer id: a guest checkout", required=True),
                _C("product_id", "string", "Online Retail: StockCode", required=True),
                _C("product_name", "string", "Online Retail: Description (a hint for the product dimension)"),
                _C("quantity", "bigint", ">= 1; Online Retail cancellations: -Quantity", required=True),
                _C("price", "decimal(12,2)", "unit price, >= 0", required=True),
                _C(
                    "total_amount",
                    "decimal(12,2)",
                    "quantity × price (within 0.01 where the record gives it)",
                    required=True,
                ),  # fmt: skip
                _C("currency", "string", "ISO 4217; the stage's default where the record names none", required=True),
                _C("status", "string", "the line's final state", required=True, values=STATUSES),
                _C("transaction_ts", "timestamp", "UTC", required=True),
                _C("transaction_date", "date", "UTC date of transaction_ts", required=True),
                _C("customer_country", "string", "Online Retail: Country"),
                _C(
                    "source_format",
                    "string",
                    "native | online_retail",
                    required=True,
                    values=("native", "online_retail"),
                ),  # fmt: skip
                *lineage_columns(),
            ),
        ),
    ),
    reasons={
        "missing_transaction_id": "transaction_id is missing or empty",
        "missing_product_id": "product_id / StockCode is missing or empty",
        "invalid_quantity": "quantity is not an integer >= 1 (Online Retail: after a cancellation's sign, e.g. a "
        "stock adjustment)",
        "invalid_price": "price / UnitPrice is not a decimal >= 0 with at most two decimals",
        "invalid_total_amount": "total_amount is missing or not a decimal",
        "total_mismatch": "total_amount differs from quantity × price by more than 0.01",
        "missing_transaction_date": "transaction_date / InvoiceDate is missing",
        "invalid_transaction_date": "the date is not ISO 8601 (Online Retail: M/D/YYYY H:MM or YYYY-MM-DD HH:MM:SS)",
        "invalid_status": "status is not completed, returned or refunded",
        "invalid_currency": "currency is not a three-letter ISO 4217 code",
    },
)

CONTRACT = TRANSACTIONS
