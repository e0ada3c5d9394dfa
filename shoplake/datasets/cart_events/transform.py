"""Cart events: the cart service's records (or the public store export's cart events) in,
``cart_events`` rows out.

An add or remove carries its item (product, quantity >= 1, unit price >= 0); a checkout carries
none. Times are ISO 8601 with an offset or epoch milliseconds, like the tracker's. In the store
export a session is a cart, each "cart" event adds one unit at its price, a "remove_from_cart"
removes one, a "purchase" checks the cart out (the product it names is the order's business),
and ids are derived from session, time, type and product, so a repeated event is a duplicate.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from shoplake.core.columns import (
    blank_to_null,
    decimal,
    event_timestamp,
    integer,
    present,
    sha_id,
    utc_date,
    utc_suffixed_timestamp,
)
from shoplake.core.transform import DatasetTransform, ParseContext
from shoplake.datasets.cart_events.contract import (
    CART_EVENTS,
    EVENT_TYPES,
    ITEM_EVENTS,
    NATIVE,
    STORE_EVENT_TYPES,
    STORE_EVENTS,
)

TABLE = CART_EVENTS.table("cart_events")
PARTITION = TABLE.partition_by or "event_date"


def parse_cart_events(records: DataFrame, ctx: ParseContext) -> DataFrame:
    f = F.col("f")
    store = F.lit(bool(ctx.layout) and ctx.layout.name == STORE_EVENTS.name)

    store_type = F.lower(F.trim(f["event_type"]))
    mapped = F.create_map(*[F.lit(x) for pair in STORE_EVENT_TYPES.items() for x in pair])
    event_type = F.when(store, F.element_at(mapped, store_type)).otherwise(F.lower(F.trim(f["event_type"])))
    item_event = F.coalesce(event_type.isin(*ITEM_EVENTS), F.lit(False))
    cart_text = F.when(store, f["user_session"]).otherwise(f["cart_id"])
    customer_text = F.when(store, f["user_id"]).otherwise(f["customer_id"])
    product_text = f["product_id"]
    quantity_text = F.when(store, F.when(item_event, F.lit("1"))).otherwise(f["quantity"])
    price_text = F.when(store, F.when(item_event, f["price"])).otherwise(f["unit_price"])
    product_id = blank_to_null(product_text)
    quantity = integer(quantity_text)
    unit_price = decimal(price_text)
    # Native: ISO 8601 with an offset (without one a time is ambiguous), or epoch ms. Store
    # events: "2019-10-01 00:00:04 UTC".
    native_ts = event_timestamp(f["event_ts"])
    store_ts = utc_suffixed_timestamp(f["event_time"])
    time_text = F.when(store, f["event_time"]).otherwise(f["event_ts"])
    ts = F.when(store, store_ts).otherwise(native_ts)
    cart_id = blank_to_null(cart_text)
    derived_id = sha_id(cart_id, F.unix_micros(ts), event_type, product_id)
    event_id = F.when(store, derived_id).otherwise(blank_to_null(f["event_id"]))
    # A native checkout names no item; the store export's purchase always names its product.
    names_item = ~store & (present(f["product_id"]) | present(f["quantity"]) | present(f["unit_price"]))

    reason = (
        F.when(F.col("is_blank"), F.lit(None).cast("string"))
        .when(F.col("reason").isNotNull(), F.col("reason"))
        .when(store & (store_type == "view"), F.lit("not_a_cart_event"))
        .when(~store & ~present(f["event_id"]), F.lit("missing_event_id"))
        .when(cart_id.isNull(), F.lit("missing_cart_id"))
        .when(~present(customer_text), F.lit("anonymous_cart"))
        .when(~F.coalesce(event_type.isin(*EVENT_TYPES), F.lit(False)), F.lit("invalid_event_type"))
        .when(~present(time_text), F.lit("missing_event_ts"))
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
        F.when(store, F.lit(STORE_EVENTS.name)).otherwise(F.lit(NATIVE.name)).alias("source_format"),
        event_id.alias("event_id"),
        cart_id.alias("cart_id"),
        blank_to_null(customer_text).alias("customer_id"),
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


TRANSFORM = CartEventsTransform()
