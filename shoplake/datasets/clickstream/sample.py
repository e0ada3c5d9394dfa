"""The simulated shop's clickstream of a day (``shoplake.datasets.shop``), with its truth.

``.jsonl`` writes the tracker's JSON Lines, ``.csv`` the same events with a header; ``.gz``
compresses. Anonymous visitors have no customer id; some times are epoch milliseconds. Trackers
resend events (duplicates); other records break one rule each, the contract's reasons in turn.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path

from shoplake.datasets import shop

COLUMNS = ("event_id", "session_id", "customer_id", "event_type", "page", "product_id", "timestamp", "device", "price")
REASONS = (
    "malformed",  # malformed_json (JSON Lines) or malformed_row (CSV)
    "missing_session_id",
    "invalid_event_type",
    "missing_product_id",
    "missing_timestamp",
    "invalid_timestamp",
    "invalid_price",
)
_BROKEN: dict[str, dict[str, object]] = {
    "missing_session_id": {"session_id": ""},
    "invalid_event_type": {"event_type": "scroll"},
    "missing_product_id": {"event_type": "product_view", "product_id": ""},
    "missing_timestamp": {"timestamp": ""},
    "invalid_timestamp": {"timestamp": "2026-12-01 10:00:00"},  # no offset: ambiguous
    "invalid_price": {"price": "abc"},
}


def _format(path: Path) -> str:
    name = path.name.removesuffix(".gz")
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    raise ValueError(f"{path}: a clickstream sample is .jsonl or .csv (optionally .gz)")


def _record(event: shop.Event, rng: random.Random) -> dict[str, object]:
    if rng.random() < 0.1:
        ts: object = int(event.ts.timestamp() * 1000)
    else:
        ts = event.ts.isoformat().replace("+00:00", "Z")
    record: dict[str, object] = {
        "event_id": event.event_id,
        "session_id": event.session_id,
        "customer_id": event.customer_id,
        "event_type": event.event_type,
        "page": event.page,
        "product_id": event.product_id,
        "timestamp": ts,
        "device": event.device,
        "price": str(event.price) if event.price is not None else None,
    }
    return record


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
    outages: Mapping[date, float] | None = None,
) -> shop.SampleStats:
    """``rows`` clickstream records of the shop's ``day``; with ``until``, of every day from
    ``day`` to ``until`` (``rows`` None: all of them; corrupt records replace some, duplicates are
    added). ``outages``: days on which the tracker recorded only that share of the visits."""
    path, day = Path(path), day or date(2026, 12, 1)
    fmt = _format(path)
    rng = random.Random(f"clickstream-{seed}-{day}")  # noqa: S311 - reproducible samples
    lost = outages or {}

    def recorded(session: shop.Session) -> tuple[shop.Event, ...]:
        share = lost.get(session.events[0].ts.date())
        if share is not None and int(session.events[0].session_id[:8], 16) % 1000 >= share * 1000:
            return ()
        return session.events

    events, available = shop.records(recorded, seed=seed, day=day, until=until, sessions_per_day=sessions_per_day)
    if rows is None:
        if available is None:
            raise ValueError("rows is required without until")
        rows = round(available / (1 - duplicate_share))
    kinds = shop.plan_kinds(rows, corrupt_share, duplicate_share, rng)
    records = (_record(e, rng) for e in events)
    items, by_reason = shop.mix_records(kinds, records, rng, REASONS, _BROKEN, recent=30)
    shop.write_text(path, shop.render_records(fmt, items, COLUMNS, broken_json='{"event_id": '))
    malformed = "malformed_row" if fmt == "csv" else "malformed_json"
    reasons = {malformed if r == "malformed" else r: n for r, n in by_reason.items()}
    return shop.SampleStats(rows, kinds.count("v"), kinds.count("d"), kinds.count("c"), reasons)


def describe(stats: shop.SampleStats) -> str:
    return stats.describe()


def demo_files(samples: Path, rows: int, day: date) -> list[shop.DemoFile]:
    """The tracker's export of the shop's history (``shop.HISTORY_DAYS`` days up to ``day``), as
    JSON Lines; on ``shop.TRACKER_OUTAGE`` the tracker recorded a tenth of the visits (the data
    quality checks flag that day)."""
    first = day - timedelta(days=shop.HISTORY_DAYS - 1)
    path = samples / f"events-{first}_{day}.jsonl"
    stats = write_sample(path, None, day=first, until=day, outages={shop.TRACKER_OUTAGE: 0.1})
    return [shop.DemoFile(path, "clickstream", day, stats)]


DEMO_QUERIES = {
    "Events by type and device (marts.fct_clickstream_events)": """
        select event_type, count(*) as events, count(distinct session_id) as sessions,
               sum(case when device = 'mobile' then 1 else 0 end) as on_mobile
        from marts.fct_clickstream_events group by event_type order by events desc""",
}
