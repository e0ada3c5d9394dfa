"""Samples of the change-capture datasets (see shoplake.datasets.changes), with their truth."""

from __future__ import annotations

from shoplake.core.postgres.tables import SOURCE_TABLES
from shoplake.datasets.changes import INCOMPLETE, contract

_BAD = {"bigint": "12x", "int": "3.5", "timestamp": "yesterday", "decimal(12,2)": "1.005"}


def _versions(table: str, n: int, day, rng) -> list[dict[str, object]]:
    """``n`` versions of the table's rows on ``day`` (the simulated shop's), every tenth a tombstone."""
    from datetime import UTC, datetime, timedelta

    from shoplake.datasets import shop

    the_shop = shop.the_shop()
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    out: list[dict[str, object]] = []
    for i in range(n):
        at = start + timedelta(microseconds=rng.randrange(86_400 * 10**6))
        if table == "dim_users":
            c = the_shop.customers[i % len(the_shop.customers)]
            row = {"user_id": i + 1, "name": c.name, "email": f"{i + 1}.{c.email}", "city": c.city,
                   "address": f"Main Street {i % 97 + 1}"}  # fmt: skip
        elif table == "dim_products":
            p = the_shop.products[i % len(the_shop.products)]
            row = {"product_id": f"{p.product_id}-{i // len(the_shop.products)}", "name": p.name,
                   "category": p.category, "price": str(p.price)}  # fmt: skip
        else:
            p = the_shop.products[i % len(the_shop.products)]
            quantity = rng.randint(1, 3)
            row = {"sale_id": i + 1, "user_id": rng.randint(1, len(the_shop.customers)), "product_id": p.product_id,
                   "quantity": quantity, "total_amount": str(p.price * quantity),
                   "status": rng.choice(("PENDING", "SHIPPED", "DELIVERED", "CANCELLED")),
                   "created_at": at - timedelta(hours=rng.randint(0, 48))}  # fmt: skip
        row["updated_at"] = at
        if i % 10 == 9:
            key = SOURCE_TABLES[table].key
            row = {key: row[key]}
            out.append(row | {"change_op": "delete", "changed_at": at})
        else:
            out.append(row | {"change_op": "upsert", "changed_at": at})
    return out


def _broken(table: str, reason: str, good: dict[str, object]) -> dict[str, object]:
    source = SOURCE_TABLES[table]
    rec = dict(good) | {"change_op": "upsert"}
    for c, _ in source.columns:
        rec.setdefault(c, None)
    rec["updated_at"] = rec["changed_at"]
    if reason == f"missing_{source.key}":
        rec[source.key] = None
    elif reason == "invalid_change_op":
        rec["change_op"] = "merge"
    elif reason == "missing_changed_at":
        rec["changed_at"] = None
    elif reason == "invalid_changed_at":
        rec["changed_at"] = "2026-12-01T10:00:00.000001"  # no offset: whose clock?
    elif reason == INCOMPLETE:
        rec[next(c for c, t in source.columns if t == "string" and c != source.key)] = None
    else:
        column = reason.removeprefix("invalid_")
        rec[column] = _BAD[dict(source.columns)[column]]
    return rec


def _text(v: object) -> str | None:
    from datetime import datetime

    if v is None:
        return None
    if isinstance(v, datetime):
        return v.isoformat(timespec="microseconds")
    return str(v)


def write_sample(table: str, path, rows: int, *, corrupt_share: float = 0.02, duplicate_share: float = 0.01,
                 seed: int = 2026, day=None):  # fmt: skip
    """A change batch of ``table`` with ``rows`` records, as another exporter might write one: every
    column as text (so values can be wrong), times ISO 8601 with an offset and microseconds.
    Tombstones are valid records; duplicates repeat an earlier record exactly; each corrupt record
    breaks one rule, the contract's reasons in turn."""
    import random
    from datetime import date
    from pathlib import Path

    import pyarrow as pa
    import pyarrow.parquet as pq

    from shoplake.datasets import shop

    path, day = Path(path), day or date(2026, 12, 1)
    rng = random.Random(f"{table}-{seed}-{day}")  # noqa: S311 - reproducible samples
    kinds = shop.plan_kinds(rows, corrupt_share, duplicate_share, rng)
    versions = iter(_versions(table, kinds.count("v") + kinds.count("c"), day, rng))
    reasons = list(contract(table).reasons)
    by_reason = dict.fromkeys(reasons, 0)
    records: list[dict[str, object]] = []
    valid: list[dict[str, object]] = []
    for kind in kinds:
        if kind == "d":
            records.append(rng.choice(valid[-20:]))
        elif kind == "v":
            valid.append(next(versions))
            records.append(valid[-1])
        else:
            reason = reasons[sum(by_reason.values()) % len(reasons)]
            by_reason[reason] += 1
            records.append(_broken(table, reason, next(versions)))
    names = [*SOURCE_TABLES[table].column_names, "change_op", "changed_at"]
    columns = {n: pa.array([_text(r.get(n)) for r in records], pa.string()) for n in names}
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), path)
    return shop.SampleStats(
        records=len(records), valid=kinds.count("v"), duplicates=kinds.count("d"), corrupt=kinds.count("c"),
        corrupt_by_reason=by_reason,
    )  # fmt: skip


def describe(stats) -> str:
    return stats.describe()


def demo_files(samples, rows, day) -> list:
    """None: the demo captures these datasets' batches from its own PostgreSQL (shoplake.tooling.demo)."""
    return []
