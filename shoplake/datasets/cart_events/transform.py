"""Cart events: the cart service's records in, ``cart_events`` rows out.

An add or remove carries its item (product, quantity >= 1, unit price >= 0); a checkout carries
none. Times are ISO 8601 with an offset or epoch milliseconds, like the tracker's.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from shoplake.core.columns import (
    blank_to_null,
    decimal,
    epoch_millis_timestamp,
    integer,
    iso_timestamp,
    present,
    utc_date,
)
from shoplake.core.spark import typed
from shoplake.core.transform import DatasetTransform, ParseContext
from shoplake.datasets.cart_events.contract import CART_EVENTS, EVENT_TYPES, ITEM_EVENTS, NATIVE

TABLE = CART_EVENTS.table("cart_events")
PARTITION = TABLE.partition_by or "event_date"
_OFFSET = r"(Z|[+-]\d{2}:?\d{2})$"


def parse_cart_events(records: DataFrame, ctx: ParseContext) -> DataFrame:
    f = F.col("f")
    event_type = F.lower(F.trim(f["event_type"]))
    item_event = F.coalesce(event_type.isin(*ITEM_EVENTS), F.lit(False))
    product_id = blank_to_null(f["product_id"])
    quantity = integer(f["quantity"])
    unit_price = decimal(f["unit_price"])
    text = F.trim(f["event_ts"])
    # An ISO time without an offset is ambiguous (whose local time?): not accepted.
    ts = F.coalesce(F.when(text.rlike(_OFFSET), iso_timestamp(text)), epoch_millis_timestamp(text))
    names_item = present(f["product_id"]) | present(f["quantity"]) | present(f["unit_price"])

    reason = (
        F.when(F.col("is_blank"), F.lit(None).cast("string"))
        .when(F.col("reason").isNotNull(), F.col("reason"))
        .when(~present(f["event_id"]), F.lit("missing_event_id"))
        .when(~present(f["cart_id"]), F.lit("missing_cart_id"))
        .when(~present(f["customer_id"]), F.lit("anonymous_cart"))
        .when(~F.coalesce(event_type.isin(*EVENT_TYPES), F.lit(False)), F.lit("invalid_event_type"))
        .when(~present(f["event_ts"]), F.lit("missing_event_ts"))
        .when(ts.isNull(), F.lit("invalid_event_ts"))
        .when(item_event & product_id.isNull(), F.lit("missing_product_id"))
        .when(item_event & ~F.coalesce(quantity >= 1, F.lit(False)), F.lit("invalid_quantity"))
        .when(item_event & ~F.coalesce(unit_price >= 0, F.lit(False)), F.lit("invalid_unit_price"))
        .when(~item_event & names_item, F.lit("checkout_with_item"))
    )
    return records.select(
        "line_id",
        "raw_record",
        "is_blank",
        reason.alias("reason"),
        F.lit(NATIVE.name).alias("source_format"),
        blank_to_null(f["event_id"]).alias("event_id"),
        blank_to_null(f["cart_id"]).alias("cart_id"),
        blank_to_null(f["customer_id"]).alias("customer_id"),
        event_type.alias("event_type"),
        F.when(item_event, product_id).alias("product_id"),
        F.when(item_event, quantity).alias("quantity"),
        F.when(item_event, unit_price).alias("unit_price"),
        ts.alias("event_ts"),
        F.date_format(utc_date(ts), "yyyy-MM-dd").alias(PARTITION),
    )


class CartEventsTransform(DatasetTransform):
    dataset = CART_EVENTS

    def parse(self, records: DataFrame, ctx: ParseContext) -> DataFrame:
        return parse_cart_events(records, ctx)

    def publish(self, records: DataFrame) -> dict[str, DataFrame]:
        columns = {name: F.col(name) for name in TABLE.column_names}
        return {TABLE.name: records.select(*typed(TABLE, columns, {PARTITION: F.col(PARTITION)}))}


TRANSFORM = CartEventsTransform()
