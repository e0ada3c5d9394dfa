"""The operational database's tables as change capture sees them (their DDL: postgres/migrations/).

Written once here in the contracts' neutral type notation: the extractor maps them to Arrow, the
CDC datasets (``shoplake/datasets/cdc_*``) to their published tables, dbt's silver models keep the
same names. Imports nothing heavy: contracts read it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceTable:
    name: str
    key: str
    columns: tuple[tuple[str, str], ...]  # (name, neutral type), in order, the key first
    description: str = ""

    @property
    def column_names(self) -> list[str]:
        return [c for c, _ in self.columns]

    @property
    def key_type(self) -> str:
        return dict(self.columns)[self.key]


TS = "timestamp"
MONEY = "decimal(12,2)"

SOURCE_TABLES: dict[str, SourceTable] = {
    t.name: t
    for t in (
        SourceTable("dim_users", "user_id", (
            ("user_id", "bigint"), ("name", "string"), ("email", "string"), ("city", "string"),
            ("address", "string"), ("updated_at", TS)),
            "the shop's customers (a user who moves has a new city and address)"),
        SourceTable("dim_products", "product_id", (
            ("product_id", "string"), ("name", "string"), ("category", "string"), ("price", MONEY),
            ("updated_at", TS)),
            "the products the order system sells, at their current price"),
        SourceTable("fact_sales", "sale_id", (
            ("sale_id", "bigint"), ("user_id", "bigint"), ("product_id", "string"), ("quantity", "int"),
            ("total_amount", MONEY), ("status", "string"), ("created_at", TS), ("updated_at", TS)),
            "one row per order line: PENDING → SHIPPED → DELIVERED, or CANCELLED"),
    )
}  # fmt: skip

# What every change row carries besides the table's columns: 'upsert' (the row's version as of
# changed_at = updated_at) or 'delete' (a tombstone: the key and the deletion time).
CHANGE_OPS = ("upsert", "delete")
CHANGE_COLUMNS = (("change_op", "string"), ("changed_at", TS))
STATUSES = ("PENDING", "SHIPPED", "DELIVERED", "CANCELLED")
