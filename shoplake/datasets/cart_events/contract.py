"""The cart_events dataset: one record per event of a shopping cart, as the shop's cart service
exports them (or the scheduled generator writes them): an item added, an item removed, the cart
checked out. CSV or JSON Lines, under ``cart_events/`` (``date=`` partitions allowed).

Only a signed-in customer's cart can be won back, so an event without a customer id is
quarantined with its own reason (``anonymous_cart``), not dropped. The cart service resends
events after a timeout: a resent event (the same event_id) is a duplicate.
"""

from __future__ import annotations

from shoplake.core.contracts import Column as _C
from shoplake.core.contracts import Dataset, Layout, Quality, RecordFormat, Table, lineage_columns

EVENT_TYPES = ("add", "remove", "checkout")
ITEM_EVENTS = ("add", "remove")
FIELDS = ("event_id", "cart_id", "customer_id", "event_type", "product_id", "quantity", "unit_price", "event_ts")

NATIVE = Layout(
    "native",
    FIELDS,
    required=FIELDS,
    description="the cart service's export (and the scheduled generator's files)",
)

# The public multi-category-store export's cart events, whose carts are sessions: "cart" adds one
# unit, "remove_from_cart" removes one, "purchase" checks the session's cart out; a "view" is not
# a cart event (quarantined as not_a_cart_event, so every record is accounted for).
STORE_EVENTS = Layout(
    "store_events",
    ("event_time", "event_type", "product_id", "category_id", "category_code", "brand", "price", "user_id",
     "user_session"),
    required=("event_time", "event_type", "product_id", "user_session"),
    formats=(RecordFormat.CSV,),
    description="the public multi-category store event exports (view, cart, remove_from_cart, purchase)",
)  # fmt: skip
STORE_EVENT_TYPES = {"cart": "add", "remove_from_cart": "remove", "purchase": "checkout"}

CART_EVENTS = Dataset(
    name="cart_events",
    description="The shop's cart events: items added to and removed from carts, and checkouts.",
    formats=(RecordFormat.CSV, RecordFormat.JSON_LINES),
    layouts=(NATIVE, STORE_EVENTS),
    identity=("event_id",),
    # The generator runs every few minutes when a stage turns it on; six quiet hours is news.
    stale_after_hours=6,
    quality=Quality(model="fct_cart_events", date_column="event_date"),
    published=(
        Table(
            name="cart_events",
            partition_by="event_date",
            partition_type="date",
            description="One row per cart event per publishing run; event_date (UTC) is the partition.",
            unique_key=("event_id", "run_id"),
            columns=(
                _C(
                    "event_id",
                    "string",
                    "the cart service's id; store events: a hash of session, time, type and product",
                    required=True,
                ),  # fmt: skip
                _C("cart_id", "string", "store events: user_session", required=True),
                _C(
                    "customer_id",
                    "string",
                    "the signed-in customer the cart is of; store events: user_id",
                    required=True,
                ),  # fmt: skip
                _C("event_type", "string", "add | remove | checkout", required=True, values=EVENT_TYPES),
                _C("product_id", "string", "add and remove; null for a checkout"),
                _C("quantity", "bigint", "add and remove: units added or removed, >= 1; null for a checkout"),
                _C("unit_price", "decimal(12,2)", "add and remove: the price shown, >= 0; null for a checkout"),
                _C("event_ts", "timestamp", "UTC", required=True),
                _C(
                    "source_format", "string", "native | store_events", required=True, values=("native", "store_events")
                ),  # fmt: skip
                *lineage_columns(),
            ),
        ),
    ),
    reasons={
        "missing_event_id": "event_id is missing or empty",
        "missing_cart_id": "cart_id / user_session is missing or empty",
        "not_a_cart_event": "a store export's view (or another non-cart event type): not a cart event",
        "anonymous_cart": "customer_id is missing or empty: an anonymous visitor's cart cannot be promoted",
        "invalid_event_type": "event_type is none of add, remove, checkout",
        "missing_event_ts": "event_ts is missing",
        "invalid_event_ts": "event_ts is neither ISO 8601 with an offset nor epoch milliseconds (store events: "
        "YYYY-MM-DD HH:MM:SS UTC)",
        "missing_product_id": "an add or remove without product_id",
        "invalid_quantity": "an add or remove whose quantity is not an integer >= 1",
        "invalid_unit_price": "an add or remove whose unit_price / price is not a decimal >= 0 with at most two "
        "decimals",
        "checkout_with_item": "a checkout that names a product, quantity or unit_price (a checkout leaves them empty)",
    },
)

CONTRACT = CART_EVENTS
