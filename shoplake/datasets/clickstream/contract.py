"""The clickstream dataset: one record per tracked event of a visit, from the shop's tracker (its
own layout, JSON Lines or CSV) or in the layout of the public multi-category-store event exports.

Trackers resend events: a resent event (the same event_id, given or derived) is a duplicate.
"""

from __future__ import annotations

from shoplake.core.contracts import Column as _C
from shoplake.core.contracts import Dataset, Layout, Quality, RecordFormat, Table, lineage_columns

EVENT_TYPES = ("page_view", "product_view", "add_to_cart", "remove_from_cart", "purchase")
PRODUCT_EVENTS = ("product_view", "add_to_cart", "remove_from_cart", "purchase")
DEVICES = ("mobile", "desktop", "tablet", "other")

NATIVE = Layout(
    "native",
    ("event_id", "session_id", "customer_id", "event_type", "page", "product_id", "timestamp", "device", "price"),
    required=("session_id", "event_type", "timestamp"),
    description="the shop's tracker",
)
STORE_EVENTS = Layout(
    "store_events",
    ("event_time", "event_type", "product_id", "category_id", "category_code", "brand", "price", "user_id",
     "user_session"),
    required=("event_time", "event_type", "product_id", "user_session"),
    formats=(RecordFormat.CSV,),
    description="the public multi-category store event exports (view, cart, remove_from_cart, purchase)",
)  # fmt: skip

CLICKSTREAM = Dataset(
    name="clickstream",
    description="The shop's clickstream: one record per tracked event of a visit.",
    formats=(RecordFormat.JSON_LINES, RecordFormat.CSV),
    layouts=(NATIVE, STORE_EVENTS),
    identity=("event_id",),
    quality=Quality(model="fct_clickstream_events", date_column="event_date"),
    published=(
        Table(
            name="clickstream_events",
            partition_by="event_date",
            partition_type="date",
            description="One row per event per publishing run; event_date (UTC) is the partition.",
            unique_key=("event_id", "run_id"),
            columns=(
                _C(
                    "event_id",
                    "string",
                    "the tracker's id, else a hash of session, time, type, page and product",
                    required=True,
                ),  # fmt: skip
                _C("session_id", "string", "store events: user_session", required=True),
                _C("customer_id", "string", "null for an anonymous visitor; store events: user_id"),
                _C("is_anonymous", "boolean", "no customer id", required=True),
                _C("event_type", "string", required=True, values=EVENT_TYPES),
                _C("page", "string"),
                _C("product_id", "string", "set for product_view, add_to_cart, remove_from_cart and purchase"),
                _C("category_code", "string", "store events: e.g. electronics.smartphone"),
                _C("brand", "string", "store events"),
                _C("event_ts", "timestamp", "UTC", required=True),
                _C("device", "string", "mobile | desktop | tablet | other", required=True, values=DEVICES),
                _C("price", "decimal(12,2)"),
                _C(
                    "source_format", "string", "native | store_events", required=True, values=("native", "store_events")
                ),  # fmt: skip
                *lineage_columns(),
            ),
        ),
    ),
    reasons={
        "missing_session_id": "session_id / user_session is missing or empty",
        "invalid_event_type": "the event type is none of page_view, product_view, add_to_cart, remove_from_cart, "
        "purchase (store events: view, cart, remove_from_cart, purchase)",
        "missing_product_id": "a product event without product_id",
        "missing_timestamp": "timestamp / event_time is missing",
        "invalid_timestamp": "the time is neither ISO 8601 with an offset nor epoch milliseconds (store events: "
        "YYYY-MM-DD HH:MM:SS UTC)",
        "invalid_price": "price is present but not a decimal >= 0 with at most two decimals",
    },
)

CONTRACT = CLICKSTREAM
