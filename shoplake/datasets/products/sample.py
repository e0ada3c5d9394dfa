"""Catalogue exports of the simulated shop (``shoplake.datasets.shop``), with their truth.

The format follows the file name: ``.json`` a top-level JSON array (pretty-printed, so elements
span lines), ``.jsonl`` JSON Lines, ``.csv`` CSV with a header; ``.gz`` compresses. Records repeat
an earlier product exactly (duplicates) or break one rule each, the contract's reasons in turn.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from shoplake.datasets import shop

COLUMNS = ("product_id", "name", "category", "brand", "price", "stock", "updated_at")
REASONS = (
    "malformed",  # malformed_json (JSON) or malformed_row (CSV)
    "missing_product_id",
    "missing_name",
    "missing_category",
    "invalid_price",
    "invalid_stock",
    "invalid_updated_at",
)


def catalogue(the_shop: shop.Shop, n: int) -> list[shop.Product]:
    """The shop's products, then as many more as ``n`` needs (new arrivals, never sold yet)."""
    rng = random.Random(f"catalogue-{the_shop.seed}")  # noqa: S311 - reproducible samples
    categories = list(shop.CATEGORIES)
    extra = []
    for i in range(len(the_shop.products) + 1, n + 1):
        category = categories[(i - 1) % len(categories)]
        brands, nouns, (low, high) = shop.CATEGORIES[category]
        brand = rng.choice(brands)
        price = Decimal(rng.randrange(low, high) // 50 * 50 + 99) / 100
        extra.append(shop.Product(f"SKU-{i:05d}", f"{brand} {rng.choice(nouns)} New", category, brand, price, 25))
    return (the_shop.products + extra)[:n]


def _format(path: Path) -> str:
    name = path.name.removesuffix(".gz")
    for suffix, fmt in ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "json_array"), (".csv", "csv")):
        if name.endswith(suffix):
            return fmt
    raise ValueError(f"{path}: a products sample is .json, .jsonl or .csv (optionally .gz)")


def _record(product: shop.Product, day: date, rng: random.Random) -> dict[str, object]:
    record: dict[str, object] = {
        "product_id": product.product_id,
        "name": product.name,
        "category": product.category.title() if rng.random() < 0.2 else product.category,
        "brand": product.brand,
        "price": str(product.price),
        "stock": product.stock,
    }
    if rng.random() < 0.9:  # the others take the file's ingestion time
        at = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 24 * 60))
        record["updated_at"] = at.isoformat().replace("+00:00", "Z")
    return record


def _broken(reason: str, record: dict[str, object], rng: random.Random) -> dict[str, object]:
    out = dict(record)
    if reason == "missing_product_id":
        out["product_id"] = ""
    elif reason == "missing_name":
        out.pop("name")
    elif reason == "missing_category":
        out["category"] = "  "
    elif reason == "invalid_price":
        out["price"] = rng.choice(("-3.00", "12.345", "free"))
    elif reason == "invalid_stock":
        out["stock"] = rng.choice((-1, "2.5", "many"))
    elif reason == "invalid_updated_at":
        out["updated_at"] = rng.choice(("last week", "2026-13-01"))
    return out


def write_sample(
    path: Path,
    rows: int,
    *,
    corrupt_share: float = 0.02,
    duplicate_share: float = 0.01,
    seed: int = 2026,
    day: date | None = None,
) -> shop.SampleStats:
    """A catalogue snapshot of ``rows`` records on ``day``."""
    path, day = Path(path), day or date(2026, 12, 1)
    fmt = _format(path)
    rng = random.Random(f"products-{seed}-{day}")  # noqa: S311 - reproducible samples
    kinds = shop.plan_kinds(rows, corrupt_share, duplicate_share, rng)
    fresh = iter(catalogue(shop.the_shop(seed), rows))
    reasons = dict.fromkeys(REASONS, 0)
    items: list[object] = []  # records, or ("malformed", record) for one the format cannot read
    written: list[dict[str, object]] = []
    corrupt_seen = 0
    for kind in kinds:
        if kind == "d":
            items.append(dict(rng.choice(written[-20:])))
            continue
        record = _record(next(fresh), day, rng)
        if kind == "v":
            written.append(record)
            items.append(record)
            continue
        reason = REASONS[corrupt_seen % len(REASONS)]
        corrupt_seen += 1
        reasons[reason] += 1
        if reason == "malformed":
            items.append(("malformed", record))
        else:
            items.append(_broken(reason, record, rng))
    shop.write_text(path, _render(fmt, items))
    by_reason = {("malformed_json" if fmt != "csv" else "malformed_row") if r == "malformed" else r: n
                 for r, n in reasons.items()}  # fmt: skip
    return shop.SampleStats(rows, kinds.count("v"), kinds.count("d"), kinds.count("c"), by_reason)


def _render(fmt: str, items: list[object]) -> str:
    """The file's text. A malformed item is an array element that is no object, a line that is no
    JSON, or a CSV row with one field too many."""
    if fmt == "json_array":
        return json.dumps([42 if isinstance(i, tuple) else i for i in items], indent=2, ensure_ascii=False) + "\n"
    if fmt == "jsonl":
        return "".join(
            ("{'product_id': oops" if isinstance(i, tuple) else json.dumps(i, ensure_ascii=False)) + "\n" for i in items
        )
    lines = [shop.csv_line(list(COLUMNS))]
    for item in items:
        record = item[1] if isinstance(item, tuple) else item
        extra = ["extra"] if isinstance(item, tuple) else []
        lines.append(shop.csv_line([record.get(c) for c in COLUMNS] + extra))
    return "\n".join(lines) + "\n"


def describe(stats: shop.SampleStats) -> str:
    return stats.describe()


# -- the demo ------------------------------------------------------------------------------------
def demo_files(samples: Path, rows: int, day: date) -> list[shop.DemoFile]:
    """The day's catalogue export, a pretty-printed JSON array."""
    path = samples / f"catalogue-{day}.json"
    return [shop.DemoFile(path, "products", day, write_sample(path, max(rows // 300, 130), day=day))]


DEMO_QUERIES = {
    "The catalogue by category (marts.dim_products)": """
        select category, count(*) as products, round(avg(price), 2) as average_price,
               sum(case when stock > 0 then 1 else 0 end) as in_stock,
               sum(case when not in_catalogue then 1 else 0 end) as known_only_from_reviews
        from marts.dim_products group by category order by products desc, category""",
}
