"""The simulated shop's cart events (``generator``), with their truth.

``.csv`` writes the cart service's CSV, ``.jsonl`` the same events as JSON Lines; ``.gz``
compresses. Anonymous visitors' carts are part of the export (the pipeline quarantines them as
``anonymous_cart``); the service resends some events (duplicates); other records break one rule
each, the contract's reasons in turn.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from shoplake.datasets import shop
from shoplake.datasets.cart_events import generator
from shoplake.datasets.cart_events.contract import FIELDS

REASONS = (
    "malformed",  # malformed_json (JSON Lines) or malformed_row (CSV)
    "missing_event_id",
    "missing_cart_id",
    "invalid_event_type",
    "missing_event_ts",
    "invalid_event_ts",
    "missing_product_id",
    "invalid_quantity",
    "invalid_unit_price",
    "checkout_with_item",
)
# A broken record names a customer, so that its reason is the one it was broken for (an
# anonymous cart's record would be quarantined as anonymous_cart first).
_ITEM = {"customer_id": "C000001", "event_type": "add", "product_id": "SKU-00001", "quantity": 1, "unit_price": "9.99"}
_SIGNED_IN = {"customer_id": "C000001"}
_BROKEN: dict[str, dict[str, object]] = {
    "missing_event_id": {"event_id": ""},
    "missing_cart_id": {"cart_id": " "},
    "invalid_event_type": _SIGNED_IN | {"event_type": "wishlist"},
    "missing_event_ts": _SIGNED_IN | {"event_ts": ""},
    "invalid_event_ts": _SIGNED_IN | {"event_ts": "2026-12-01 10:00:00"},  # no offset: ambiguous
    "missing_product_id": _ITEM | {"product_id": ""},
    "invalid_quantity": _ITEM | {"quantity": 0},
    "invalid_unit_price": _ITEM | {"unit_price": "-2.50"},
    "checkout_with_item": _SIGNED_IN
    | {"event_type": "checkout", "product_id": "SKU-00001", "quantity": "", "unit_price": ""},
}


def _format(path: Path) -> str:
    name = path.name.removesuffix(".gz")
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    raise ValueError(f"{path}: a cart events sample is .csv or .jsonl (optionally .gz)")


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _exported(day: date, until: date | None, seed: int, sessions_per_day: int) -> Iterator[generator.CartEvent]:
    """The events exported from ``day`` on (to the end of ``until``; without end when None)."""
    current = day
    while until is None or current <= until:
        yield from generator.exported_between(
            _midnight(current), _midnight(current + timedelta(days=1)), seed=seed, sessions_per_day=sessions_per_day
        )
        current += timedelta(days=1)


def write_sample(
    path: Path,
    rows: int | None,
    *,
    corrupt_share: float = 0.02,
    duplicate_share: float = 0.01,
    seed: int = 2026,
    day: date | None = None,
    until: date | None = None,
    sessions_per_day: int = 60,
) -> shop.SampleStats:
    """``rows`` cart event records the cart service exported from ``day`` on; with ``until``, the
    export of every day from ``day`` to ``until`` (``rows`` None: all of it; corrupt records
    replace some, duplicates are added). Anonymous carts' events count as corrupt
    (``anonymous_cart``): the pipeline quarantines them."""
    path, day = Path(path), day or date(2026, 12, 1)
    fmt = _format(path)
    rng = random.Random(f"cart-events-{seed}-{day}")  # noqa: S311 - reproducible samples
    exported = list(_exported(day, until, seed, sessions_per_day)) if until is not None else None
    if rows is None:
        if exported is None:
            raise ValueError("rows is required without until")
        rows = round(len(exported) / (1 - duplicate_share))
    events = iter(exported) if exported is not None else _exported(day, None, seed, sessions_per_day)
    kinds = shop.plan_kinds(rows, corrupt_share, duplicate_share, rng)
    records = (e.record(generator.uses_epoch_millis(e)) for e in events)
    items, by_reason = shop.mix_records(kinds, records, rng, REASONS, _BROKEN)
    shop.write_text(path, shop.render_records(fmt, items, FIELDS, broken_json='{"event_id": '))
    # An anonymous cart's record is quarantined, and so is a copy of one (only valid records
    # can be duplicates).
    anonymous = sum(1 for k, i in zip(kinds, items, strict=True) if k != "c" and i["customer_id"] == "")
    anonymous_copies = sum(1 for k, i in zip(kinds, items, strict=True) if k == "d" and i["customer_id"] == "")
    malformed = "malformed_row" if fmt == "csv" else "malformed_json"
    reasons = {malformed if r == "malformed" else r: n for r, n in by_reason.items()} | {"anonymous_cart": anonymous}
    valid = kinds.count("v") - (anonymous - anonymous_copies)
    return shop.SampleStats(rows, valid, kinds.count("d") - anonymous_copies, kinds.count("c") + anonymous, reasons)


def describe(stats: shop.SampleStats) -> str:
    return stats.describe()


# The demo's carts: the cart service's export of the days before the demo day, and the day
# itself as the scheduled generator writes it (one file per day here; hourly in the cloud).
CART_HISTORY_DAYS = 14


def demo_files(samples: Path, rows: int, day: date) -> list[shop.DemoFile]:
    """The cart service's export of the ``CART_HISTORY_DAYS`` days before ``day`` (with resent
    and broken records), and ``day``'s events as the generator writes them."""
    first = day - timedelta(days=CART_HISTORY_DAYS)
    history = samples / f"cart-events-{first}_{day - timedelta(days=1)}.csv"
    stats = write_sample(history, None, day=first, until=day - timedelta(days=1))
    batch = generator.batch(_midnight(day), _midnight(day + timedelta(days=1)))
    generated = samples / batch.key.rsplit("/", 1)[-1]
    shop.write_text(generated, batch.body.decode("utf-8"))
    return [
        shop.DemoFile(history, "cart_events", day - timedelta(days=1), stats),
        shop.DemoFile(generated, "cart_events", day, generated_truth(batch)),
    ]


def generated_truth(batch: generator.Batch) -> shop.SampleStats:
    """What the pipeline must make of a generator's file: anonymous carts quarantined, the rest
    processed (the generator writes no broken records and no resends)."""
    rows = batch.body.decode("utf-8").splitlines()[1:]
    anonymous = sum(1 for line in rows if line.split(",")[2] == "")
    return shop.SampleStats(len(rows), len(rows) - anonymous, 0, anonymous, {"anonymous_cart": anonymous})


DEMO_QUERIES = {
    "Carts by outcome (marts.fct_carts)": """
        select status, count(*) as carts, sum(units) as units, sum(cart_value) as value
        from marts.fct_carts group by status order by carts desc""",
}
