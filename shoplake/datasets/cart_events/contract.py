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

CART_EVENTS = Dataset(
    name="cart_events",
    description="The shop's cart events: items added to and removed from carts, and checkouts.",
    formats=(RecordFormat.CSV, RecordFormat.JSON_LINES),
    layouts=(NATIVE,),
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
                _C("event_id", "string", "the cart service's id of the event", required=True),
                _C("cart_id", "string", required=True),
                _C("customer_id", "string", "the signed-in customer the cart belongs to", required=True),
                _C("event_type", "string", "add | remove | checkout", required=True, values=EVENT_TYPES),
                _C("product_id", "string", "add and remove; null for a checkout"),
                _C("quantity", "bigint", "add and remove: units added or removed, >= 1; null for a checkout"),
                _C("unit_price", "decimal(12,2)", "add and remove: the price shown, >= 0; null for a checkout"),
                _C("event_ts", "timestamp", "UTC", required=True),
                *lineage_columns(),
            ),
        ),
    ),
    reasons={
        "missing_event_id": "event_id is missing or empty",
        "missing_cart_id": "cart_id is missing or empty",
        "anonymous_cart": "customer_id is missing or empty: an anonymous visitor's cart cannot be promoted",
        "invalid_event_type": "event_type is none of add, remove, checkout",
        "missing_event_ts": "event_ts is missing",
        "invalid_event_ts": "event_ts is neither ISO 8601 with an offset nor epoch milliseconds",
        "missing_product_id": "an add or remove without product_id",
        "invalid_quantity": "an add or remove whose quantity is not an integer >= 1",
        "invalid_unit_price": "an add or remove whose unit_price is not a decimal >= 0 with at most two decimals",
        "checkout_with_item": "a checkout that names a product, quantity or unit_price (a checkout leaves them empty)",
    },
)

CONTRACT = CART_EVENTS
