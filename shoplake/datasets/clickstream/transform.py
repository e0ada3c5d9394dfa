"""Clickstream: tracker events of either layout in, ``clickstream_events`` rows out."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from shoplake.core.columns import (
    blank_to_null,
    decimal,
    event_timestamp,
    present,
    sha_id,
    utc_date,
    utc_suffixed_timestamp,
)
from shoplake.core.transform import DatasetTransform, ParseContext
from shoplake.datasets.clickstream.contract import (
    CLICKSTREAM,
    DEVICES,
    EVENT_TYPES,
    NATIVE,
    PRODUCT_EVENTS,
    STORE_EVENTS,
)

TABLE = CLICKSTREAM.table("clickstream_events")
PARTITION = TABLE.partition_by or "event_date"
# The store exports' event types, as ours.
STORE_EVENT_TYPES = {"view": "product_view", "cart": "add_to_cart", "remove_from_cart": "remove_from_cart",
                     "purchase": "purchase"}  # fmt: skip


def parse_clickstream(records: DataFrame, ctx: ParseContext) -> DataFrame:
    f = F.col("f")
    store = F.lit(bool(ctx.layout) and ctx.layout.name == STORE_EVENTS.name)

    store_type = F.lower(F.trim(f["event_type"]))
    mapped = F.create_map(*[F.lit(x) for pair in STORE_EVENT_TYPES.items() for x in pair])
    event_type = F.when(store, F.element_at(mapped, store_type)).otherwise(F.lower(F.trim(f["event_type"])))
    session_id = F.when(store, blank_to_null(f["user_session"])).otherwise(blank_to_null(f["session_id"]))
    customer = F.when(store, blank_to_null(f["user_id"])).otherwise(blank_to_null(f["customer_id"]))
    product_id = blank_to_null(f["product_id"])
    page = F.when(store, F.lit(None).cast("string")).otherwise(blank_to_null(f["page"]))
    # Native: ISO 8601 with an offset, or epoch ms. Store events: "2019-10-01 00:00:04 UTC".
    native_ts = event_timestamp(f["timestamp"])
    store_ts = utc_suffixed_timestamp(f["event_time"])
    time_text = F.when(store, f["event_time"]).otherwise(f["timestamp"])
    ts = F.when(store, store_ts).otherwise(native_ts)
    device_text = F.lower(F.trim(f["device"]))
    device = F.when(device_text.isin(*DEVICES[:-1]), device_text).otherwise(F.lit("other"))
    price = decimal(f["price"])
    derived_id = sha_id(session_id, F.unix_micros(ts), event_type, page, product_id)
    event_id = F.when(store, derived_id).otherwise(F.coalesce(blank_to_null(f["event_id"]), derived_id))

    reason = (
        F.when(F.col("is_blank"), F.lit(None).cast("string"))
        .when(F.col("reason").isNotNull(), F.col("reason"))
        .when(session_id.isNull(), F.lit("missing_session_id"))
        .when(~F.coalesce(event_type.isin(*EVENT_TYPES), F.lit(False)), F.lit("invalid_event_type"))
        .when(event_type.isin(*PRODUCT_EVENTS) & product_id.isNull(), F.lit("missing_product_id"))
        .when(~present(time_text), F.lit("missing_timestamp"))
        .when(ts.isNull(), F.lit("invalid_timestamp"))
        .when(present(f["price"]) & (price.isNull() | (price < 0)), F.lit("invalid_price"))
    )
    return records.select(
        "line_id",
        "raw_record",
        "is_blank",
        reason.alias("reason"),
        F.when(store, F.lit(STORE_EVENTS.name)).otherwise(F.lit(NATIVE.name)).alias("source_format"),
        event_id.alias("event_id"),
        session_id.alias("session_id"),
        customer.alias("customer_id"),
        customer.isNull().alias("is_anonymous"),
        event_type.alias("event_type"),
        page.alias("page"),
        product_id.alias("product_id"),
        F.when(store, blank_to_null(f["category_code"])).alias("category_code"),
        F.when(store, blank_to_null(f["brand"])).alias("brand"),
        ts.alias("event_ts"),
        device.alias("device"),
        price.alias("price"),
        F.date_format(utc_date(ts), "yyyy-MM-dd").alias(PARTITION),
    )


class ClickstreamTransform(DatasetTransform):
    dataset = CLICKSTREAM

    def parse(self, records: DataFrame, ctx: ParseContext) -> DataFrame:
        return parse_clickstream(records, ctx)


TRANSFORM = ClickstreamTransform()
