"""The simulated shop's order lines of a day (``shoplake.datasets.shop``), with their truth.

``.csv`` writes the shop's order-system layout with a header, ``.jsonl`` JSON Lines; ``.gz``
compresses. Guests check out without a customer id; some lines are returned or refunded. Records
repeat an earlier line exactly (duplicates) or break one rule each, the contract's reasons in turn.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from shoplake.datasets import shop

COLUMNS = ("transaction_id", "order_id", "customer_id", "product_id", "quantity", "price", "total_amount",
           "transaction_date", "status", "currency")  # fmt: skip
REASONS = (
    "malformed",  # malformed_json (JSON Lines) or malformed_row (CSV)
    "missing_transaction_id",
    "missing_product_id",
    "invalid_quantity",
    "invalid_price",
    "invalid_total_amount",
    "total_mismatch",
    "missing_transaction_date",
    "invalid_transaction_date",
    "invalid_status",
    "invalid_currency",
)


def _format(path: Path) -> str:
    name = path.name.removesuffix(".gz")
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    raise ValueError(f"{path}: a transactions sample is .csv or .jsonl (optionally .gz)")


def _record(line: shop.OrderLine, rng: random.Random) -> dict[str, object]:
    ts = line.ts.isoformat().replace("+00:00", "Z")
    return {
        "transaction_id": line.transaction_id,
        "order_id": line.order_id,
        "customer_id": line.customer_id or "",
        "product_id": line.product_id,
        "quantity": line.quantity,
        "price": str(line.price),
        "total_amount": str(line.total_amount),
        "transaction_date": ts,
        "status": line.status.upper() if rng.random() < 0.1 else line.status,
        "currency": line.currency,
    }


_BROKEN: dict[str, dict[str, object]] = {
    "missing_transaction_id": {"transaction_id": ""},
    "missing_product_id": {"product_id": " "},
    "invalid_quantity": {"quantity": 0},
    "invalid_price": {"price": "-1.50"},
    "invalid_total_amount": {"total_amount": "n/a"},
    "total_mismatch": {"total_amount": "0.01"},
    "missing_transaction_date": {"transaction_date": ""},
    "invalid_transaction_date": {"transaction_date": "31/12/2026"},
    "invalid_status": {"status": "shipped"},
    "invalid_currency": {"currency": "EURO"},
}


def _with_duplicates(records: int | None, duplicate_share: float) -> int:
    if records is None:
        raise ValueError("rows is required without until")
    return round(records / (1 - duplicate_share))


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
    """``rows`` order-line records of the shop's ``day``; with ``until``, of every day from ``day``
    to ``until`` (``rows`` None: all of them; corrupt records replace some, duplicates are added)."""
    path, day = Path(path), day or date(2026, 12, 1)
    fmt = _format(path)
    rng = random.Random(f"transactions-{seed}-{day}")  # noqa: S311 - reproducible samples
    lines, available = shop.records(
        lambda s: s.order, seed=seed, day=day, until=until, sessions_per_day=sessions_per_day
    )
    if rows is None:
        rows = _with_duplicates(available, duplicate_share)
    kinds = shop.plan_kinds(rows, corrupt_share, duplicate_share, rng)
    records = (_record(line, rng) for line in lines)
    items, by_reason = shop.mix_records(kinds, records, rng, REASONS, _BROKEN, recent=20)
    shop.write_text(path, shop.render_records(fmt, items, COLUMNS, broken_json='{"transaction_id": "T-broken", '))
    malformed = "malformed_row" if fmt == "csv" else "malformed_json"
    reasons = {malformed if r == "malformed" else r: n for r, n in by_reason.items()}
    return shop.SampleStats(rows, kinds.count("v"), kinds.count("d"), kinds.count("c"), reasons)


def describe(stats: shop.SampleStats) -> str:
    return stats.describe()


def demo_files(samples: Path, rows: int, day: date) -> list[shop.DemoFile]:
    """The order system's export of the shop's history: every order line of the
    ``shop.HISTORY_DAYS`` days up to ``day``, as CSV (the shop's questions need months)."""
    first = day - timedelta(days=shop.HISTORY_DAYS - 1)
    path = samples / f"orders-{first}_{day}.csv"
    return [shop.DemoFile(path, "transactions", day, write_sample(path, None, day=first, until=day))]


DEMO_QUERIES = {
    "Order lines by status (marts.fct_order_lines)": """
        select status, count(*) as lines, sum(quantity) as units, sum(total_amount) as amount,
               sum(case when is_guest then 1 else 0 end) as guest_lines
        from marts.fct_order_lines group by status order by lines desc""",
}
