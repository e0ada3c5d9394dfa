"""Transactions: order-line records of either layout in, ``transactions`` rows out.

The layout is the file's: a CSV header chooses it; JSON Lines are the order system's. The two
layouts share ``quantity`` (Online Retail's ``Quantity``). Money stays decimal end to end.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from shoplake.core.columns import blank_to_null, decimal, integer, iso_timestamp, present, sha_id, us_datetime, utc_date
from shoplake.core.transform import DatasetTransform, ParseContext
from shoplake.datasets.transactions.contract import NATIVE, ONLINE_RETAIL, STATUSES, TRANSACTIONS

TABLE = TRANSACTIONS.table("transactions")
PARTITION = TABLE.partition_by or "transaction_month"


def _retail_customer(c: Column) -> Column:
    """Online Retail's CustomerID: "17850.0" means 17850; empty means a guest."""
    t = blank_to_null(c)
    return F.regexp_replace(t, r"\.0+$", "")


def parse_transactions(records: DataFrame, ctx: ParseContext) -> DataFrame:
    """Two projections: the typed values first, then the reason and the outputs over those columns
    (one projection would re-evaluate each typed value's patterns in every branch that names it)."""
    f = F.col("f")
    retail = F.lit(ctx.layout is not None and ctx.layout.name == ONLINE_RETAIL.name)

    invoice = blank_to_null(f["InvoiceNo"])
    cancelled = F.coalesce(invoice.startswith("C"), F.lit(False))
    retail_quantity = F.when(cancelled, -integer(f["quantity"])).otherwise(integer(f["quantity"]))
    retail_id = sha_id(*[f[name] for name in ONLINE_RETAIL.fields])  # (Quantity resolves to quantity)
    ts = F.when(retail, F.coalesce(us_datetime(f["InvoiceDate"]), iso_timestamp(f["InvoiceDate"]))).otherwise(
        iso_timestamp(f["transaction_date"])
    )
    status = F.when(retail, F.when(cancelled, F.lit("returned")).otherwise(F.lit("completed"))).otherwise(
        F.lower(F.trim(f["status"]))
    )
    typed_values = records.select(
        "line_id",
        "raw_record",
        "is_blank",
        "reason",
        invoice.alias("invoice"),
        blank_to_null(f["order_id"]).alias("order_text"),
        F.when(retail, retail_id).otherwise(blank_to_null(f["transaction_id"])).alias("transaction_id"),
        F.when(retail, blank_to_null(f["StockCode"])).otherwise(blank_to_null(f["product_id"])).alias("product_id"),
        F.when(retail, retail_quantity).otherwise(integer(f["quantity"])).alias("quantity"),
        F.when(retail, decimal(f["UnitPrice"])).otherwise(decimal(f["price"])).alias("price"),
        decimal(f["total_amount"]).alias("given_total"),
        F.when(retail, f["InvoiceDate"]).otherwise(f["transaction_date"]).alias("date_text"),
        ts.alias("ts"),
        status.alias("status"),
        F.upper(blank_to_null(f["currency"])).alias("currency_text"),
        F.when(retail, _retail_customer(f["CustomerID"])).otherwise(blank_to_null(f["customer_id"])).alias("customer"),
        F.when(retail, blank_to_null(f["Description"])).alias("product_name"),
        F.when(retail, blank_to_null(f["Country"])).alias("customer_country"),
    )

    transaction_id, product_id, quantity = F.col("transaction_id"), F.col("product_id"), F.col("quantity")
    price, given_total, ts = F.col("price"), F.col("given_total"), F.col("ts")
    status, currency_text = F.col("status"), F.col("currency_text")
    reason = (
        F.when(F.col("is_blank"), F.lit(None).cast("string"))
        .when(F.col("reason").isNotNull(), F.col("reason"))
        .when(transaction_id.isNull(), F.lit("missing_transaction_id"))
        .when(product_id.isNull(), F.lit("missing_product_id"))
        .when(~F.coalesce(quantity >= 1, F.lit(False)), F.lit("invalid_quantity"))
        .when(price.isNull() | (price < 0), F.lit("invalid_price"))
        .when(~retail & given_total.isNull(), F.lit("invalid_total_amount"))
        .when(~retail & (F.abs(given_total - quantity * price) > 0.01), F.lit("total_mismatch"))
        .when(~present(F.col("date_text")), F.lit("missing_transaction_date"))
        .when(ts.isNull(), F.lit("invalid_transaction_date"))
        .when(~F.coalesce(status.isin(*STATUSES), F.lit(False)), F.lit("invalid_status"))
        .when(currency_text.isNotNull() & ~currency_text.rlike(r"^[A-Z]{3}$"), F.lit("invalid_currency"))
    )
    order_id = F.when(retail, F.col("invoice")).otherwise(F.coalesce(F.col("order_text"), transaction_id))
    transaction_date = utc_date(ts)
    customer = F.col("customer")
    return typed_values.select(
        "line_id",
        "raw_record",
        "is_blank",
        reason.alias("reason"),
        F.when(retail, F.lit(ONLINE_RETAIL.name)).otherwise(F.lit(NATIVE.name)).alias("source_format"),
        transaction_id.alias("transaction_id"),
        order_id.alias("order_id"),
        customer.alias("customer_id"),
        customer.isNull().alias("is_guest"),
        product_id.alias("product_id"),
        "product_name",
        quantity.alias("quantity"),
        price.alias("price"),
        F.when(retail, (quantity * price).try_cast("decimal(12,2)")).otherwise(given_total).alias("total_amount"),
        F.coalesce(currency_text, F.lit(ctx.default_currency)).alias("currency"),
        status.alias("status"),
        ts.alias("transaction_ts"),
        transaction_date.alias("transaction_date"),
        "customer_country",
        F.date_format(transaction_date, "yyyy-MM").alias(PARTITION),
    )


class TransactionsTransform(DatasetTransform):
    dataset = TRANSACTIONS

    def parse(self, records: DataFrame, ctx: ParseContext) -> DataFrame:
        return parse_transactions(records, ctx)


TRANSFORM = TransactionsTransform()
