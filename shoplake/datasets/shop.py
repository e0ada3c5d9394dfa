"""A simulated online shop: the one world every dataset's sample generator describes.

The catalogue, the customers and a day of visits are generated from one seed, so the samples of
different datasets agree with each other: the transactions' products are in the catalogue, the
sessions' customers buy, some purchases are returned, and the shop's own reviews are written by
customers about products they bought. Each session draws from its own random stream (seeded by
seed, day and session number), so the first ``n`` sessions of a day are the same whatever ``n``:
a sample of 100 transactions and one of 1,000 clickstream events describe the same visits.

Only the samples use this (``shoplake sample``, ``make demo``, tests); nothing in the pipeline does.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from itertools import islice
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

# category → (brands, nouns, price range in cents)
CATEGORIES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[int, int]]] = {
    "electronics": (("Voltra", "Nordwave", "Kestrel"), ("headphones", "charger", "speaker", "webcam"), (1_499, 24_999)),
    "home": (("Hearth & Co", "Linnea", "Oakfield"), ("kettle", "lamp", "throw blanket", "knife set"), (999, 12_999)),
    "books": (("Penwright", "Bluefold"), ("cookbook", "novel", "field guide", "atlas"), (699, 4_999)),
    "clothing": (("Tidewear", "Fjell", "Corsa"), ("rain jacket", "wool socks", "t-shirt", "sneakers"), (899, 18_999)),
    "sports": (("Peakline", "Strida"), ("yoga mat", "water bottle", "bike light", "dumbbells"), (799, 9_999)),
    "beauty": (("Lumen", "Verde Botanica"), ("face cream", "shampoo", "lip balm", "perfume"), (399, 7_999)),
    "toys": (("Kinderloop", "Brickwise"), ("puzzle", "building set", "plush bear", "kite"), (599, 6_999)),
}
FIRST_NAMES = (
    "Ana", "Ben", "Chloé", "Dmitri", "Elif", "Farah", "Gustav", "Hana", "Ines", "Jonas", "Kofi", "Lena", "Mateo",
    "Nora", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Tomoko", "Uma", "Viktor", "Wen", "Yara", "Zoë",
)  # fmt: skip
LAST_NAMES = (
    "Almeida", "Berg", "Chen", "Dubois", "Eriksen", "Fischer", "García", "Haddad", "Ivanova", "Jensen", "Kowalski",
    "Lindqvist", "Müller", "Nakamura", "O'Brien", "Petrov", "Rossi", "Schmidt", "Tanaka", "Virtanen", "Weber",
)  # fmt: skip
CITIES = (
    ("Lisbon", "PT"), ("Berlin", "DE"), ("Lyon", "FR"), ("Oslo", "NO"), ("Kraków", "PL"), ("Dublin", "IE"),
    ("Madrid", "ES"), ("Turin", "IT"), ("Tampere", "FI"), ("Leeds", "GB"),
)  # fmt: skip
DEVICES = (("mobile", 55), ("desktop", 35), ("tablet", 9), ("smart-tv", 1))
# How an order line ends: kept, goods sent back, or money back without a return.
STATUSES = (("completed", 90), ("returned", 7), ("refunded", 3))
PAGES = ("/", "/search", "/category/{category}", "/deals", "/help/shipping")
REVIEW_PHRASES = (
    "Exactly as described.", "Arrived quickly, well packed.", "Good value for the price.",
    "Not what I expected, the colour is off.", "Stopped working after a week.", "Would buy again, \"excellent\".",
    "Bought this as a gift, they loved it.", "Sizing runs small, order one up.",
)  # fmt: skip


@dataclass(frozen=True)
class Product:
    product_id: str
    name: str
    category: str
    brand: str
    price: Decimal
    stock: int


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str
    email: str
    city: str
    country: str


@dataclass(frozen=True)
class Event:
    """One clickstream event of a session."""

    event_id: str
    session_id: str
    customer_id: str | None
    event_type: str
    page: str
    product_id: str | None
    ts: datetime
    device: str
    price: Decimal | None
    # Units added (add_to_cart) or removed (remove_from_cart): what the cart service records.
    quantity: int | None = None


@dataclass(frozen=True)
class OrderLine:
    transaction_id: str
    order_id: str
    customer_id: str | None  # None: a guest checkout
    product_id: str
    quantity: int
    price: Decimal
    ts: datetime
    status: str
    currency: str = "EUR"

    @property
    def total_amount(self) -> Decimal:
        return self.price * self.quantity


@dataclass(frozen=True)
class StoreReview:
    review_id: str
    product_id: str
    customer_id: str
    rating: int
    text: str
    ts: datetime


@dataclass(frozen=True)
class Session:
    events: tuple[Event, ...]
    order: tuple[OrderLine, ...] = ()
    reviews: tuple[StoreReview, ...] = ()


def _cum(weights: tuple[tuple[str, int], ...]) -> tuple[tuple[str, ...], list[int]]:
    values = tuple(v for v, _ in weights)
    out, total = [], 0
    for _, w in weights:
        total += w
        out.append(total)
    return values, out


@dataclass
class Shop:
    """The shop of one seed: its catalogue and customers, and the visits of any day."""

    seed: int = 2026
    product_count: int = 120
    customer_count: int = 400
    products: list[Product] = field(init=False)
    customers: list[Customer] = field(init=False)

    def __post_init__(self) -> None:
        rng = random.Random(f"shop-{self.seed}")  # noqa: S311 - reproducible samples, not security
        self.products = []
        categories = list(CATEGORIES)
        for i in range(1, self.product_count + 1):
            category = categories[(i - 1) % len(categories)]
            brands, nouns, (low, high) = CATEGORIES[category]
            brand, noun = rng.choice(brands), rng.choice(nouns)
            cents = rng.randrange(low, high) // 50 * 50 + 99
            self.products.append(
                Product(
                    product_id=f"SKU-{i:05d}",
                    name=f"{brand} {noun} {rng.choice(('Classic', 'Pro', 'Mini', 'Plus', 'Eco', 'Max'))}",
                    category=category,
                    brand=brand,
                    price=Decimal(cents) / 100,
                    stock=rng.choice((0, 3, 12, 40, 75, 150, 300)),
                )
            )
        self.customers = []
        for i in range(1, self.customer_count + 1):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            city, country = rng.choice(CITIES)
            handle = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
            self.customers.append(Customer(f"C{i:06d}", f"{first} {last}", f"{handle}{i}@example.com", city, country))
        # Popular products and loyal customers: weights fall off with the rank.
        self._product_weights = _accumulate([1.0 / (r + 4) for r in range(len(self.products))])
        self._customer_weights = _accumulate([1.0 / (r + 10) for r in range(len(self.customers))])

    def product(self, rng: random.Random) -> Product:
        return rng.choices(self.products, cum_weights=self._product_weights)[0]

    def customer(self, rng: random.Random) -> Customer:
        return rng.choices(self.customers, cum_weights=self._customer_weights)[0]

    def visits(self, first: date, last: date, sessions_per_day: int = 60) -> Iterator[Session]:
        """Every visit from ``first`` to ``last`` (inclusive): each day's first ``traffic(day)``
        sessions, day after day (a history: weekends, a trend, the November peaks)."""
        day = first
        while day <= last:
            yield from islice(self.sessions(day), traffic(day, sessions_per_day))
            day += timedelta(days=1)

    def sessions(self, day: date) -> Iterator[Session]:
        """The day's visits, in the order they started, without end (take as many as needed)."""
        i = 0
        while True:
            i += 1
            yield self._session(day, i)

    def _session(self, day: date, n: int) -> Session:
        rng = random.Random(f"session-{self.seed}-{day.isoformat()}-{n}")  # noqa: S311
        session_id = hashlib.sha256(f"{self.seed}|{day}|{n}".encode()).hexdigest()[:24]
        customer = self.customer(rng) if rng.random() < 0.7 else None
        device_values, device_weights = _cum(DEVICES)
        device = rng.choices(device_values, cum_weights=device_weights)[0]
        # Sessions start through the day, more in the evening; one in forty comes back after a
        # 45-minute pause (the same session id: analytics cut it in two).
        start = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
            seconds=int(86_399 * (rng.random() ** 0.7))
        )
        clock = start
        events: list[Event] = []

        def emit(kind: str, page: str, product: Product | None) -> None:
            nonlocal clock
            k = len(events) + 1
            events.append(
                Event(
                    event_id=f"{session_id}-{k:03d}",
                    session_id=session_id,
                    customer_id=customer.customer_id if customer else None,
                    event_type=kind,
                    page=page,
                    product_id=product.product_id if product else None,
                    ts=clock,
                    device=device,
                    price=product.price if product is not None and kind != "page_view" else None,
                )
            )
            clock += timedelta(seconds=rng.randint(4, 240))

        emit("page_view", "/", None)
        cart: dict[str, tuple[Product, int]] = {}
        for _ in range(rng.choice((1, 1, 2, 3, 4, 6))):
            product = self.product(rng)
            emit("page_view", PAGES[2].format(category=product.category), None)
            emit("product_view", f"/product/{product.product_id}", product)
            if rng.random() < 0.35:
                emit("add_to_cart", f"/product/{product.product_id}", product)
                added = rng.choice((1, 1, 1, 2, 3))
                events[-1] = replace(events[-1], quantity=added)
                cart[product.product_id] = (product, cart.get(product.product_id, (product, 0))[1] + added)
            if rng.random() < 0.025:
                clock += timedelta(minutes=45)
        if cart and rng.random() < 0.15:
            product_id = rng.choice(sorted(cart))
            removed, quantity = cart.pop(product_id)
            emit("remove_from_cart", "/cart", removed)
            events[-1] = replace(events[-1], quantity=quantity)
        order: list[OrderLine] = []
        reviews: list[StoreReview] = []
        if cart and rng.random() < 0.6:
            emit("page_view", "/checkout", None)
            paid = clock
            order_id = f"O-{day:%Y%m%d}-{n:06d}"
            for k, (product_id, (product, quantity)) in enumerate(sorted(cart.items()), start=1):
                emit("purchase", "/checkout/done", product)
                status_values, status_weights = _cum(STATUSES)
                status = rng.choices(status_values, cum_weights=status_weights)[0]
                order.append(
                    OrderLine(
                        transaction_id=f"T-{day:%Y%m%d}-{n:06d}-{k:02d}",
                        order_id=order_id,
                        customer_id=customer.customer_id if customer else None,
                        product_id=product_id,
                        quantity=quantity,
                        price=product.price,
                        ts=paid,
                        status=status,
                    )
                )
                if customer is not None and status == "completed" and rng.random() < 0.25:
                    rating = rng.choices((1, 2, 3, 4, 5), weights=(4, 5, 10, 30, 51))[0]
                    reviews.append(
                        StoreReview(
                            review_id=f"SR-{day:%Y%m%d}-{n:06d}-{k:02d}",
                            product_id=product_id,
                            customer_id=customer.customer_id,
                            rating=rating,
                            text=" ".join(rng.sample(REVIEW_PHRASES, rng.choice((1, 2, 3)))),
                            ts=paid + timedelta(hours=rng.randint(1, 20)),
                        )
                    )
        return Session(tuple(events), tuple(order), tuple(reviews))


# The demo's history: this many days up to the demo day, and a day the tracker lost most visits.
HISTORY_DAYS = 91
TRACKER_OUTAGE = date(2026, 10, 14)
# Visits by weekday (Monday first): the shop is busiest at the weekend.
WEEKDAY_TRAFFIC = (0.9, 0.9, 0.95, 1.0, 1.1, 1.3, 1.25)
# Days the whole web shops on.
PEAK_DAYS = {date(2026, 11, 27): 2.5, date(2026, 11, 30): 1.8, date(2025, 11, 28): 2.5, date(2025, 12, 1): 1.8}


def traffic(day: date, sessions_per_day: int = 60) -> int:
    """How many visits the shop has on ``day``: ``sessions_per_day`` on an ordinary Thursday at
    the start of 2026, by weekday, growing 0.15 % a day, and more on Black Friday and Cyber Monday."""
    growth = 1 + 0.0015 * (day - date(2026, 1, 1)).days
    return max(1, round(sessions_per_day * WEEKDAY_TRAFFIC[day.weekday()] * growth * PEAK_DAYS.get(day, 1.0)))


def records(
    pick: Callable[[Session], Iterable[T]], *, seed: int, day: date, until: date | None, sessions_per_day: int = 60
) -> tuple[Iterator[T], int | None]:
    """The records ``pick`` takes from each visit: of ``day`` without end (and None), or of every
    day from ``day`` to ``until`` (and how many there are)."""
    if until is None:
        return (x for session in the_shop(seed).sessions(day) for x in pick(session)), None
    items = [x for session in the_shop(seed).visits(day, until, sessions_per_day) for x in pick(session)]
    return iter(items), len(items)


def _accumulate(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


@cache
def the_shop(seed: int = 2026) -> Shop:
    return Shop(seed)


# -- writing samples -------------------------------------------------------------------------
@dataclass(frozen=True)
class SampleStats:
    """The exact truth about a generated sample file, computed while writing it."""

    records: int  # records written (blank lines are not records)
    valid: int  # valid records whose identity had not been seen before
    duplicates: int  # valid records repeating an earlier valid record's identity
    corrupt: int  # records the pipeline must quarantine, each for exactly one reason
    corrupt_by_reason: dict[str, int]

    def describe(self) -> str:
        reasons = ", ".join(f"{r} {n:,}" for r, n in self.corrupt_by_reason.items() if n)
        return (
            f"{self.records:,} records: {self.valid:,} valid, {self.duplicates:,} duplicates, "
            f"{self.corrupt:,} corrupt" + (f" ({reasons})" if reasons else "")
        )


def plan_kinds(rows: int, corrupt_share: float, duplicate_share: float, rng: random.Random) -> list[str]:
    """Which of ``rows`` records are valid (v), duplicates (d) and corrupt (c): round(rows × share)
    of each kind, shuffled, with a valid record first (a duplicate needs an earlier record)."""
    for name, share in (("corrupt_share", corrupt_share), ("duplicate_share", duplicate_share)):
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"{name} must be within [0, 1], got {share}")
    corrupt, duplicates = round(rows * corrupt_share), round(rows * duplicate_share)
    valid = rows - corrupt - duplicates
    if valid < 0 or (duplicates and not valid):
        raise ValueError("corrupt_share + duplicate_share leave no valid record for the duplicates to repeat")
    kinds = ["v"] * valid + ["d"] * duplicates + ["c"] * corrupt
    rng.shuffle(kinds)
    if valid and kinds[0] != "v":
        first = kinds.index("v")
        kinds[0], kinds[first] = kinds[first], kinds[0]
    return kinds


def write_text(path: Path, text: str) -> None:
    """UTF-8 text to ``path``, gzipped (reproducibly: no timestamp) when it ends in ``.gz``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    if path.name.endswith(".gz"):
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz:
            gz.write(data)
    else:
        path.write_bytes(data)


def csv_field(value: object) -> str:
    """One RFC 4180 field: quoted (quotes doubled) when it holds a comma, a quote or a line break."""
    text = "" if value is None else str(value)
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(values: list[object]) -> str:
    return ",".join(csv_field(v) for v in values)


@dataclass(frozen=True)
class DemoFile:
    """A file ``make demo`` lands: where it is, its dataset and raw partition date, and its truth
    (None for a file the pipeline must reject whole)."""

    path: Path
    dataset: str
    day: date | None
    stats: object | None
    rejection: str | None = None


def mix_records(
    kinds: list[str],
    records: Iterator[dict[str, object]],
    rng: random.Random,
    reasons: tuple[str, ...],
    broken: dict[str, dict[str, object]],
    *,
    recent: int = 30,
) -> tuple[list[object], dict[str, int]]:
    """The records of a sample in ``plan_kinds`` order: a valid record as it is, a duplicate as a
    copy of one of the ``recent`` last valid ones, a corrupt one broken for the next of
    ``reasons`` in turn (``"malformed"``: an item ``("malformed", record)`` that the writer
    renders unreadable; any other reason: the record updated with ``broken[reason]``). Returns
    the items and the corrupt records by reason."""
    by_reason = dict.fromkeys(reasons, 0)
    items: list[object] = []
    written: list[dict[str, object]] = []
    for kind in kinds:
        if kind == "d":
            items.append(dict(rng.choice(written[-recent:])))
            continue
        record = next(records)
        if kind == "v":
            written.append(record)
            items.append(record)
            continue
        reason = reasons[sum(by_reason.values()) % len(reasons)]
        by_reason[reason] += 1
        items.append(("malformed", record) if reason == "malformed" else record | broken[reason])
    return items, by_reason


def render_records(fmt: str, items: list[object], columns: tuple[str, ...], *, broken_json: str) -> str:
    """A sample's text from ``mix_records`` items: JSON Lines (a malformed item is the line
    ``broken_json``, which no JSON parser reads), or CSV with a header (a malformed item is its
    record with one field too many)."""
    if fmt == "jsonl":
        return "".join((broken_json if isinstance(i, tuple) else json.dumps(i)) + "\n" for i in items)
    out = [csv_line(list(columns))]
    for item in items:
        record = item[1] if isinstance(item, tuple) else item
        extra = ["one field too many"] if isinstance(item, tuple) else []
        out.append(csv_line([record[c] for c in columns] + extra))
    return "\n".join(out) + "\n"
