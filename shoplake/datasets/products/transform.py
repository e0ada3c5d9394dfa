"""Products: catalogue records in, ``products`` rows out (one per product per file)."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from shoplake.core.columns import blank_to_null, decimal, integer, iso_timestamp, present
from shoplake.core.transform import DatasetTransform, ParseContext
from shoplake.datasets.products.contract import PRODUCTS

PRODUCTS_TABLE = PRODUCTS.table("products")


def parse_products(records: DataFrame, ctx: ParseContext) -> DataFrame:
    """Validate and map every catalogue record (see the contract's reasons)."""
    f = F.col("f")
    product_id, name, category = blank_to_null(f["product_id"]), blank_to_null(f["name"]), blank_to_null(f["category"])
    price, stock, updated = decimal(f["price"]), integer(f["stock"]), iso_timestamp(f["updated_at"])
    reason = (
        F.when(F.col("is_blank"), F.lit(None).cast("string"))
        .when(F.col("reason").isNotNull(), F.col("reason"))
        .when(product_id.isNull(), F.lit("missing_product_id"))
        .when(name.isNull(), F.lit("missing_name"))
        .when(category.isNull(), F.lit("missing_category"))
        .when(present(f["price"]) & (price.isNull() | (price < 0)), F.lit("invalid_price"))
        .when(present(f["stock"]) & (stock.isNull() | (stock < 0)), F.lit("invalid_stock"))
        .when(present(f["updated_at"]) & updated.isNull(), F.lit("invalid_updated_at"))
    )
    return records.select(
        "line_id",
        "raw_record",
        "is_blank",
        reason.alias("reason"),
        F.lit(ctx.record_format.value).alias("source_format"),
        product_id.alias("product_id"),
        name.alias("name"),
        F.lower(category).alias("category"),
        blank_to_null(f["brand"]).alias("brand"),
        price.alias("price"),
        stock.alias("stock"),
        F.coalesce(updated, F.lit(ctx.ingested_at)).alias("updated_at"),
        updated.isNotNull().alias("updated_at_given"),
    )


class ProductsTransform(DatasetTransform):
    dataset = PRODUCTS

    def parse(self, records: DataFrame, ctx: ParseContext) -> DataFrame:
        return parse_products(records, ctx)


TRANSFORM = ProductsTransform()
