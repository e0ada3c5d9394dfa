"""The products dataset: the shop's catalogue exports (JSON Lines, a JSON array, or CSV).

Each file is a snapshot of (part of) the catalogue. Within a file a product appears once (a
later record of the same product_id is a duplicate); across files every snapshot is kept, so the
marts know each product's name, category and price as of any time, and the newest updated_at
wins for the current state.
"""

from __future__ import annotations

from shoplake.core.contracts import Column as _C
from shoplake.core.contracts import Dataset, Layout, Quality, RecordFormat, Table, lineage_columns

CATALOGUE = Layout(
    "catalogue",
    ("product_id", "name", "category", "brand", "price", "stock", "updated_at"),
    required=("product_id", "name", "category"),
    description="the shop's catalogue export: one record per product",
)

PRODUCTS = Dataset(
    name="products",
    description="The shop's product catalogue, one snapshot per file (the history is kept).",
    formats=(RecordFormat.JSON_LINES, RecordFormat.JSON_ARRAY, RecordFormat.CSV),
    layouts=(CATALOGUE,),
    identity=("product_id",),
    # Snapshots have no day of their own: whole-table checks only.
    quality=Quality(model="dim_products", mart_where="in_catalogue", mart_ingested_at=None),
    # The catalogue changes now and then; a week without an export is worth a warning.
    stale_after_hours=7 * 24,
    published=(
        Table(
            name="products",
            description="One row per product per catalogue file (each file is a snapshot).",
            unique_key=("product_id", "run_id"),
            columns=(
                _C("product_id", "string", required=True),
                _C("name", "string", required=True),
                _C("category", "string", "trimmed, lower case", required=True),
                _C("brand", "string"),
                _C("price", "decimal(12,2)", "unit price, at most two decimals, >= 0"),
                _C("stock", "bigint", "units in stock, >= 0"),
                _C(
                    "updated_at",
                    "timestamp",
                    "when the catalogue says the product changed (UTC); the file's "
                    "ingestion time when the record has none",
                    required=True,
                ),  # fmt: skip
                _C("updated_at_given", "boolean", "false when updated_at is the ingestion time", required=True),
                _C("source_format", "string", "the file's record format: jsonl | json_array | csv", required=True),
                *lineage_columns(),
            ),
        ),
    ),
    reasons={
        "missing_product_id": "product_id is missing or empty",
        "missing_name": "name is missing or empty",
        "missing_category": "category is missing or empty",
        "invalid_price": "price is not a decimal >= 0 with at most two decimals",
        "invalid_stock": "stock is not an integer >= 0",
        "invalid_updated_at": "updated_at is not an ISO 8601 date or date-time",
    },
)

CONTRACT = PRODUCTS
