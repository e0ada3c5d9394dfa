"""Cart abandonment computed independently of the pipeline and the marts: plain Python over the
files as written (csv, not our readers; the rules of the issue, not our SQL).

Used by tests/integration/test_cart_abandonment.py. Definitions (issue 10):

* a record counts when it has an event id, a cart id, a customer id, a known type, a time (ISO
  8601 with an offset, or epoch milliseconds), and for add/remove a product, an integer quantity
  >= 1 and a price >= 0 with at most two decimals (a checkout has none of the three);
* within a file the first valid record of an event id is kept; a later file's wins;
* a line's final quantity is max(added - removed, 0), its value final × the latest add's price;
* the watermark is the newest event time minus the grace; a cart is abandoned when it holds
  items, has no checkout and its latest add/remove is older than the window before the watermark;
* promotions: per customer, products left in abandoned carts, by value (summed), then the latest
  add/remove of the product in those carts (later first), then product id; top 10; a product the
  customer bought after that latest activity is left out;
* recovered: an order line of the customer for a product left in the cart within 7 days after
  the cart's last activity.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

HEADER = ["event_id", "cart_id", "customer_id", "event_type", "product_id", "quantity", "unit_price", "event_ts"]


@dataclass(frozen=True)
class CartEvent:
    event_id: str
    cart_id: str
    customer_id: str
    event_type: str
    product_id: str | None
    quantity: int | None
    unit_price: Decimal | None
    ts: datetime


@dataclass(frozen=True)
class Order:
    customer_id: str | None
    product_id: str
    ts: datetime


def _time(text: str) -> datetime | None:
    t = text.strip()
    if re.fullmatch(r"\d{10,13}", t):
        return datetime.fromtimestamp(int(t) / 1000, tz=UTC)
    if not re.search(r"(Z|[+-]\d{2}:?\d{2})$", t):
        return None
    try:
        return datetime.fromisoformat(t).astimezone(UTC)
    except ValueError:
        return None


def _valid(row: dict[str, str]) -> CartEvent | None:
    kind = row["event_type"].strip().lower()
    if not (row["event_id"].strip() and row["cart_id"].strip() and row["customer_id"].strip()):
        return None
    if kind not in ("add", "remove", "checkout"):
        return None
    ts = _time(row["event_ts"])
    if ts is None:
        return None
    product, quantity, price = row["product_id"].strip(), row["quantity"].strip(), row["unit_price"].strip()
    if kind == "checkout":
        if product or quantity or price:
            return None
        return CartEvent(row["event_id"].strip(), row["cart_id"].strip(), row["customer_id"].strip(), kind,
                         None, None, None, ts)  # fmt: skip
    try:
        q, p = Decimal(quantity), Decimal(price)
    except InvalidOperation:
        return None
    if not product or q != q.to_integral_value() or q < 1 or p < 0 or p.as_tuple().exponent < -2:
        return None
    return CartEvent(row["event_id"].strip(), row["cart_id"].strip(), row["customer_id"].strip(), kind, product,
                     int(q), p, ts)  # fmt: skip


def read_events(*paths: Path) -> list[CartEvent]:
    """The events the files hold, each event id once (a later file's record replaces an earlier's)."""
    kept: dict[str, CartEvent] = {}
    for path in paths:
        in_file: dict[str, CartEvent] = {}
        reader = csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
        header = next(reader)
        assert header == HEADER, header
        for fields in reader:
            if not fields or len(fields) != len(header):
                continue  # a blank line, or a malformed row
            event = _valid(dict(zip(header, fields, strict=True)))
            if event is not None:
                in_file.setdefault(event.event_id, event)
        kept |= in_file
    return list(kept.values())


def read_orders(*paths: Path) -> list[Order]:
    """Order lines of the order system's CSV (clean files: every line counts once)."""
    seen: dict[str, Order] = {}
    for path in paths:
        for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")):
            ts = datetime.fromisoformat(row["transaction_date"]).astimezone(UTC)
            seen.setdefault(row["transaction_id"], Order(row["customer_id"] or None, row["product_id"], ts))
    return list(seen.values())


def cart_lines(events: list[CartEvent], *, grace_minutes: int = 60, window_hours: int = 24) -> dict:
    """{(cart_id, product_id): line} and {cart_id: cart}."""
    watermark = max(e.ts for e in events) - timedelta(minutes=grace_minutes)
    cutoff = watermark - timedelta(hours=window_hours)
    by_cart: dict[str, list[CartEvent]] = defaultdict(list)
    for e in events:
        by_cart[e.cart_id].append(e)
    lines: dict[tuple[str, str], dict] = {}
    carts: dict[str, dict] = {}
    for cart_id, evs in by_cart.items():
        owner = min(evs, key=lambda e: (e.ts, e.event_id)).customer_id
        items = [e for e in evs if e.event_type != "checkout"]
        checked_out = any(e.event_type == "checkout" for e in evs)
        last = max((e.ts for e in items), default=None)
        own: dict[str, dict] = {}
        for product in sorted({e.product_id for e in items}):
            of = [e for e in items if e.product_id == product]
            adds = [e for e in of if e.event_type == "add"]
            added = sum(e.quantity for e in adds)
            removed = sum(e.quantity for e in of if e.event_type == "remove")
            final = max(added - removed, 0)
            price = max(adds, key=lambda e: (e.ts, e.event_id)).unit_price if adds else None
            own[product] = {"customer_id": owner, "quantity_added": added, "quantity_removed": removed,
                            "final_quantity": final, "unit_price": price,
                            "line_value": final * price if price is not None else Decimal("0.00"),
                            "last_activity_at": max(e.ts for e in of)}  # fmt: skip
        units = sum(v["final_quantity"] for v in own.values())
        abandoned = units > 0 and not checked_out and last < cutoff
        for product, line in own.items():
            lines[(cart_id, product)] = line | {"is_abandoned": abandoned, "cart_last_activity_at": last}
        status = "checked_out" if checked_out else "emptied" if units == 0 else "abandoned" if abandoned else "open"
        carts[cart_id] = {"customer_id": owner, "status": status, "units": units, "last_activity_at": last,
                          "cart_value": sum((v["line_value"] for v in own.values()), Decimal("0.00"))}  # fmt: skip
    return {"lines": lines, "carts": carts, "watermark": watermark}


def recovered(result: dict, orders: list[Order], days: int = 7) -> set[str]:
    out = set()
    for (cart_id, product), line in result["lines"].items():
        if not line["is_abandoned"] or line["final_quantity"] == 0:
            continue
        last = line["cart_last_activity_at"]
        if any(o.customer_id == line["customer_id"] and o.product_id == product
               and last < o.ts <= last + timedelta(days=days) for o in orders):  # fmt: skip
            out.add(cart_id)
    return out


def product_abandonment(result: dict) -> dict[str, dict]:
    out: dict[str, dict] = defaultdict(lambda: {"carts_with_product": 0, "carts_abandoned": 0,
                                                 "units_abandoned": 0, "value_abandoned": Decimal("0.00")})  # fmt: skip
    for (_, product), line in result["lines"].items():
        p = out[product]
        p["carts_with_product"] += line["quantity_added"] > 0
        if line["is_abandoned"]:
            p["carts_abandoned"] += line["final_quantity"] > 0
            p["units_abandoned"] += line["final_quantity"]
            p["value_abandoned"] += line["line_value"]
    for p in out.values():
        p["abandonment_rate"] = p["carts_abandoned"] / p["carts_with_product"] if p["carts_with_product"] else None
    return dict(out)


def promotions(result: dict, orders: list[Order], top: int = 10) -> dict[str, list[dict]]:
    """{customer_id: [{rank, product_id, value_abandoned, last_activity, units_abandoned, carts_abandoned}]}."""
    left: dict[tuple[str, str], dict] = {}
    for (_, product), line in result["lines"].items():
        if not line["is_abandoned"] or line["final_quantity"] == 0:
            continue
        key = (line["customer_id"], product)
        entry = left.setdefault(key, {"value_abandoned": Decimal("0.00"), "last_activity": line["last_activity_at"],
                                      "units_abandoned": 0, "carts_abandoned": 0})  # fmt: skip
        entry["value_abandoned"] += line["line_value"]
        entry["last_activity"] = max(entry["last_activity"], line["last_activity_at"])
        entry["units_abandoned"] += line["final_quantity"]
        entry["carts_abandoned"] += 1
    bought: dict[tuple[str, str], datetime] = {}
    for o in orders:
        if o.customer_id is not None:
            key = (o.customer_id, o.product_id)
            bought[key] = max(bought.get(key, o.ts), o.ts)
    per_customer: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for (customer, product), entry in left.items():
        if (customer, product) in bought and bought[(customer, product)] > entry["last_activity"]:
            continue
        per_customer[customer].append((product, entry))
    out = {}
    for customer, entries in per_customer.items():
        entries.sort(key=lambda pe: (-pe[1]["value_abandoned"], -pe[1]["last_activity"].timestamp(), pe[0]))
        out[customer] = [{"rank": i, "product_id": p, **e} for i, (p, e) in enumerate(entries[:top], start=1)]
    return out
