"""The shop's cart service, simulated: the cart events of the simulated shop's visits
(``shoplake.datasets.shop``), and the files the scheduled generator writes.

A visit that puts something in its cart has a cart: every add to cart is an ``add`` (its units
and the catalogue price), a removal a ``remove``, and a visit that pays checks its cart out. So
the carts agree with the clickstream (the same visits), the orders (a checked-out cart is an
order) and the catalogue and customers. The cart service adds what the tracker does not see:
some carts left behind lose one unit of a line before they go quiet, and a few events reach the
export late (hours after they happened), as a mobile app's queued events do.

Each cart draws from its own random stream (seed and session id), and each event has an export
time: a window of export time [start, end) is a file, the same bytes however often it is made.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from shoplake.datasets import shop
from shoplake.datasets.cart_events.contract import FIELDS

# A late event reaches the export this many hours after it happened, at most.
MAX_LATE_HOURS = 30
LATE_SHARE = 0.04
# Carts left behind (no checkout) that first lose one unit of a multi-unit line.
PARTIAL_REMOVAL_SHARE = 0.25
# Where the scheduled generator writes: cart_events/date=YYYY-MM-DD/<name>.
KEY_PREFIX = "cart_events/"


@dataclass(frozen=True)
class CartEvent:
    event_id: str
    cart_id: str
    customer_id: str | None  # None: an anonymous visitor's cart (the pipeline quarantines it)
    event_type: str  # add | remove | checkout
    product_id: str | None
    quantity: int | None
    unit_price: Decimal | None
    ts: datetime
    exported_at: datetime

    def record(self, epoch_millis: bool = False) -> dict[str, object]:
        """The event as the cart service exports it (one CSV row or JSON object)."""
        ts: object = int(self.ts.timestamp() * 1000) if epoch_millis else self.ts.isoformat().replace("+00:00", "Z")
        return {
            "event_id": self.event_id,
            "cart_id": self.cart_id,
            "customer_id": self.customer_id or "",
            "event_type": self.event_type,
            "product_id": self.product_id or "",
            "quantity": "" if self.quantity is None else self.quantity,
            "unit_price": "" if self.unit_price is None else str(self.unit_price),
            "event_ts": ts,
        }


def cart_of(session: shop.Session, seed: int = 2026) -> tuple[CartEvent, ...]:
    """The cart events of one visit (none when it never added to its cart), by event time."""
    visit = session.events
    if not any(e.event_type == "add_to_cart" for e in visit):
        return ()
    session_id = visit[0].session_id
    rng = random.Random(f"cart-{seed}-{session_id}")  # noqa: S311 - reproducible samples
    cart_id = f"CART-{session_id[:16]}"
    customer = visit[0].customer_id
    happened: list[tuple[str, str | None, int | None, Decimal | None, datetime]] = []
    held: dict[str, int] = {}
    for e in visit:
        if e.event_type == "add_to_cart":
            happened.append(("add", e.product_id, e.quantity, e.price, e.ts))
            held[e.product_id] = held.get(e.product_id, 0) + (e.quantity or 0)
        elif e.event_type == "remove_from_cart":
            happened.append(("remove", e.product_id, e.quantity, e.price, e.ts))
            held.pop(e.product_id, None)
    paid = next((e.ts for e in visit if e.event_type == "purchase"), None)
    if paid is not None:
        happened.append(("checkout", None, None, None, paid))
    else:
        several = sorted(p for p, n in held.items() if n >= 2)
        if several and rng.random() < PARTIAL_REMOVAL_SHARE:
            product_id = rng.choice(several)
            price = next(p for kind, pid, _, p, _ in happened if kind == "add" and pid == product_id)
            happened.append(("remove", product_id, 1, price, happened[-1][4] + timedelta(seconds=rng.randint(20, 600))))
    out = []
    for k, (kind, product_id, quantity, price, ts) in enumerate(happened, start=1):
        delay = timedelta(seconds=rng.randint(1, 90))
        if rng.random() < LATE_SHARE:
            delay += timedelta(minutes=rng.randint(120, MAX_LATE_HOURS * 60))
        out.append(
            CartEvent(f"{cart_id}-{k:02d}", cart_id, customer, kind, product_id, quantity, price, ts, ts + delay)
        )
    return tuple(out)


@lru_cache(maxsize=8)
def _carts_of_day(seed: int, day: date, sessions_per_day: int) -> tuple[CartEvent, ...]:
    visits = shop.the_shop(seed).visits(day, day, sessions_per_day)
    return tuple(e for session in visits for e in cart_of(session, seed))


def cart_events(first: date, last: date, *, seed: int = 2026, sessions_per_day: int = 60) -> list[CartEvent]:
    """Every cart event of the visits from ``first`` to ``last`` (inclusive), by event time."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    events = [e for day in days for e in _carts_of_day(seed, day, sessions_per_day)]
    return sorted(events, key=lambda e: (e.ts, e.event_id))


def exported_between(
    start: datetime, end: datetime, *, seed: int = 2026, sessions_per_day: int = 60
) -> list[CartEvent]:
    """The events the cart service exports in [start, end), in export order (late ones included)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware (UTC)")
    first = (start - timedelta(hours=MAX_LATE_HOURS + 1)).astimezone(UTC).date() - timedelta(days=1)
    last = (end - timedelta(microseconds=1)).astimezone(UTC).date()
    chosen = [e for e in cart_events(first, last, seed=seed, sessions_per_day=sessions_per_day)
              if start <= e.exported_at < end]  # fmt: skip
    return sorted(chosen, key=lambda e: (e.exported_at, e.event_id))


def render_csv(records: Iterable[dict[str, object]]) -> str:
    """The cart service's CSV: a header, then one row per record."""
    lines = [shop.csv_line(list(FIELDS))]
    lines.extend(shop.csv_line([r[c] for c in FIELDS]) for r in records)
    return "\n".join(lines) + "\n"


def uses_epoch_millis(event: CartEvent) -> bool:
    """One event in ten is exported with its time in epoch milliseconds (an older app version)."""
    return int(event.event_id.encode().hex()[-6:], 16) % 10 == 0


@dataclass(frozen=True)
class Batch:
    """One generated file: where it goes in the raw bucket, its bytes, and its window."""

    key: str
    body: bytes
    events: int
    start: datetime
    end: datetime


def window_ending(now: datetime, every: timedelta) -> tuple[datetime, datetime]:
    """The export window a run at ``now`` writes: the last whole ``every`` before ``now`` (a
    retried or repeated run in the same slot writes the same window, so the same file)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    seconds = int(every.total_seconds())
    if seconds < 1:
        raise ValueError("the generator's interval must be at least one second")
    epoch = int(now.timestamp()) // seconds * seconds
    end = datetime.fromtimestamp(epoch, tz=UTC)
    return end - every, end


def batch(start: datetime, end: datetime, *, seed: int = 2026, sessions_per_day: int = 60) -> Batch:
    """The file of the events exported in [start, end): ``cart_events/date=<start's day>/…``."""
    events = exported_between(start, end, seed=seed, sessions_per_day=sessions_per_day)
    body = render_csv(e.record(uses_epoch_millis(e)) for e in events).encode("utf-8")
    start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
    key = f"{KEY_PREFIX}date={start_utc:%Y-%m-%d}/cart-events-{start_utc:%Y%m%dT%H%M%SZ}-{end_utc:%Y%m%dT%H%M%SZ}.csv"
    return Batch(key, body, len(events), start_utc, end_utc)


def write_batch(store, raw_bucket: str, start: datetime, end: datetime, *, seed: int, sessions_per_day: int) -> dict:
    """Write the window's file into the raw bucket (nothing when no event was exported in it: an
    empty file would only cost a pipeline run). The raw bucket's "Object Created" event starts
    the pipeline, as for any landed file."""
    made = batch(start, end, seed=seed, sessions_per_day=sessions_per_day)
    written = made.events > 0
    if written:
        store.put_bytes(f"s3://{raw_bucket}/{made.key}", made.body)
    return {
        "key": made.key if written else None,
        "events": made.events,
        "window_start": made.start.isoformat(),
        "window_end": made.end.isoformat(),
    }
