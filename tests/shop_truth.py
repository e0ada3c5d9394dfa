"""The shop's seven questions answered in plain Python from the files themselves.

An independent computation for the marts' acceptance test: it reads the sample files with
``csv`` and ``json`` (not the pipeline's readers), keeps each record id once, and computes every
answer with dicts and loops, written from the issue's definitions, never from the dbt SQL. It
knows nothing of quarantine: the files it is given carry no corrupt records.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path


def _utc(value: object) -> datetime:
    """An ISO 8601 time (Z or offset) or epoch milliseconds, as naive UTC."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, tz=UTC).replace(tzinfo=None)
    text = str(value).replace("Z", "+00:00")
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _month(d: date) -> date:
    return d.replace(day=1)


def _months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


@dataclass(frozen=True)
class Line:
    transaction_id: str
    order_id: str
    customer_id: str | None
    product_id: str
    quantity: int
    total_amount: Decimal
    status: str
    day: date

    @property
    def kept(self) -> bool:
        return self.status == "completed"

    @property
    def returned_units(self) -> int:
        return 0 if self.kept else self.quantity

    @property
    def returned_amount(self) -> Decimal:
        return Decimal(0) if self.kept else self.total_amount


@dataclass(frozen=True)
class Event:
    event_id: str
    session_id: str
    customer_id: str | None
    event_type: str
    product_id: str | None
    ts: datetime
    device: str


def read_lines(path: Path) -> list[Line]:
    out: dict[str, Line] = {}
    for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")):
        ts = _utc(row["transaction_date"])
        out.setdefault(
            row["transaction_id"],
            Line(row["transaction_id"], row["order_id"] or row["transaction_id"], row["customer_id"] or None,
                 row["product_id"], int(row["quantity"]), Decimal(row["total_amount"]), row["status"].strip().lower(),
                 ts.date()),
        )  # fmt: skip
    return list(out.values())


def read_events(path: Path) -> list[Event]:
    out: dict[str, Event] = {}
    for text in path.read_text(encoding="utf-8").splitlines():
        if not text.strip():
            continue
        r = json.loads(text)
        out.setdefault(
            r["event_id"],
            Event(r["event_id"], r["session_id"], r.get("customer_id") or None, r["event_type"],
                  r.get("product_id") or None, _utc(r["timestamp"]), _device(r["device"])),
        )  # fmt: skip
    return list(out.values())


def _device(text: str | None) -> str:
    """The contract's device vocabulary: mobile, desktop, tablet, anything else is other."""
    value = (text or "").strip().lower()
    return value if value in ("mobile", "desktop", "tablet") else "other"


def read_categories(path: Path) -> dict[str, str]:
    return {p["product_id"]: p["category"].strip().lower() for p in json.loads(path.read_text(encoding="utf-8"))}


def read_ratings(path: Path) -> dict[str, list[int]]:
    seen: set[str] = set()
    out: dict[str, list[int]] = defaultdict(list)
    for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")):
        if row["review_id"] in seen:
            continue
        seen.add(row["review_id"])
        out[row["product_id"]].append(int(row["rating"]))
    return out


# -- 1. top-selling products by category ------------------------------------------------------
def product_sales_monthly(lines: list[Line], categories: dict[str, str]) -> dict[tuple[str, date], dict]:
    acc: dict[tuple[str, date], dict] = {}
    for ln in lines:
        a = acc.setdefault((ln.product_id, _month(ln.day)), {
            "category": categories.get(ln.product_id, "uncategorised"), "units_sold": 0, "gross_revenue": Decimal(0),
            "returned_units": 0, "net_revenue": Decimal(0), "orders": set(),
        })  # fmt: skip
        a["units_sold"] += ln.quantity
        a["gross_revenue"] += ln.total_amount
        a["returned_units"] += ln.returned_units
        a["net_revenue"] += ln.total_amount - ln.returned_amount
        if ln.kept:
            a["orders"].add(ln.order_id)
    # dense rank by net revenue within category and month
    groups: dict[tuple[str, date], set[Decimal]] = defaultdict(set)
    for (_, month), a in acc.items():
        groups[(a["category"], month)].add(a["net_revenue"])
    for (_, month), a in acc.items():
        distinct = sorted(groups[(a["category"], month)], reverse=True)
        a["category_rank"] = distinct.index(a["net_revenue"]) + 1
        a["orders"] = len(a["orders"])
    return acc


# -- 2. customer lifetime value and cohorts ---------------------------------------------------
def customer_lifetime_value(lines: list[Line]) -> dict[str, dict]:
    acc: dict[str, dict] = {}
    for ln in lines:
        if ln.customer_id is None:
            continue
        a = acc.setdefault(ln.customer_id, {"days": [], "orders": set(), "gross": Decimal(0), "returned": Decimal(0)})
        a["days"].append(ln.day)
        a["gross"] += ln.total_amount
        a["returned"] += ln.returned_amount
        if ln.kept:
            a["orders"].add(ln.order_id)
    out = {}
    for customer, a in acc.items():
        net = a["gross"] - a["returned"]
        orders = len(a["orders"])
        out[customer] = {
            "first_order_date": min(a["days"]), "last_order_date": max(a["days"]), "orders": orders,
            "gross_revenue": a["gross"], "returned_amount": a["returned"], "net_revenue": net,
            "average_order_value": float(net) / orders if orders else None,
            "tenure_days": (max(a["days"]) - min(a["days"])).days,
        }  # fmt: skip
    return out


def customer_cohorts(lines: list[Line]) -> dict[tuple[date, int], dict]:
    clv = customer_lifetime_value(lines)
    cohort_of = {c: _month(v["first_order_date"]) for c, v in clv.items()}
    newest = max(_month(ln.day) for ln in lines)
    size: dict[date, int] = defaultdict(int)
    for month in cohort_of.values():
        size[month] += 1
    active: dict[tuple[date, date], set[str]] = defaultdict(set)
    net: dict[tuple[date, date], Decimal] = defaultdict(Decimal)
    for ln in lines:
        if ln.customer_id is None:
            continue
        key = (cohort_of[ln.customer_id], _month(ln.day))
        active[key].add(ln.customer_id)
        net[key] += ln.total_amount - ln.returned_amount
    out = {}
    for cohort, customers in size.items():
        cumulative = Decimal(0)
        for k in range(_months_between(cohort, newest) + 1):
            month = date(cohort.year + (cohort.month - 1 + k) // 12, (cohort.month - 1 + k) % 12 + 1, 1)
            cumulative += net[(cohort, month)]
            out[(cohort, k)] = {
                "cohort_customers": customers, "customers_active": len(active[(cohort, month)]),
                "retention_share": len(active[(cohort, month)]) / customers,
                "cumulative_net_revenue_per_customer": float(cumulative) / customers,
            }  # fmt: skip
    return out


# -- 3. the funnel ----------------------------------------------------------------------------
def sessions(events: list[Event], timeout_minutes: int = 30) -> dict[str, dict]:
    by_id: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        by_id[e.session_id].append(e)
    out = {}
    for session_id, evs in by_id.items():
        evs.sort(key=lambda e: (e.ts, e.event_id))
        visits: list[list[Event]] = []
        for e in evs:
            if not visits or (e.ts - visits[-1][-1].ts) > timedelta(minutes=timeout_minutes):
                visits.append([])
            visits[-1].append(e)
        for n, visit in enumerate(visits, start=1):
            key = session_id if n == 1 else f"{session_id}#{n}"
            step, reached = 0, []
            order = ("product_view", "add_to_cart", "purchase")
            for e in visit:  # walk in time: each step only after the one before it
                if step < 3 and e.event_type == order[step]:
                    reached.append(order[step])
                    step += 1
            out[key] = {
                "device": visit[0].device, "session_date": visit[0].ts.date(), "events": len(visit),
                "reached_product_view": step >= 1, "reached_add_to_cart": step >= 2, "reached_purchase": step >= 3,
                "viewed": {e.product_id for e in visit if e.event_type == "product_view"},
                "purchased": {e.product_id for e in visit if e.event_type == "purchase"},
            }  # fmt: skip
    return out


def funnel_daily(visits: dict[str, dict]) -> dict[tuple[date, str], dict]:
    acc: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for v in visits.values():
        a = acc[(v["session_date"], v["device"])]
        a[0] += 1
        a[1] += v["reached_product_view"]
        a[2] += v["reached_add_to_cart"]
        a[3] += v["reached_purchase"]
    return {
        k: {"sessions": s, "product_view_sessions": pv, "add_to_cart_sessions": atc, "purchase_sessions": pur,
            "conversion_rate": pur / s}
        for k, (s, pv, atc, pur) in acc.items()
    }  # fmt: skip


# -- 4. recommendations -----------------------------------------------------------------------
def _pairs(baskets: list[set[str]], minimum: int) -> dict[tuple[str, str], dict]:
    total = len(baskets)
    single: dict[str, int] = defaultdict(int)
    both: dict[tuple[str, str], int] = defaultdict(int)
    for basket in baskets:
        for a in basket:
            single[a] += 1
            for b in basket:
                if a != b:
                    both[(a, b)] += 1
    return {
        (a, b): {"together": n, "support": n / total, "confidence": n / single[a],
                 "lift": (n / single[a]) / (single[b] / total)}
        for (a, b), n in both.items() if n >= minimum
    }  # fmt: skip


def products_bought_together(lines: list[Line], minimum: int = 2) -> dict[tuple[str, str], dict]:
    orders: dict[str, set[str]] = defaultdict(set)
    for ln in lines:
        orders[ln.order_id].add(ln.product_id)
    return _pairs(list(orders.values()), minimum)


def products_viewed_together(visits: dict[str, dict], minimum: int = 2) -> dict[tuple[str, str], dict]:
    return _pairs([v["viewed"] for v in visits.values() if v["viewed"]], minimum)


def product_engagement(events: list[Event], visits: dict[str, dict], ratings: dict[str, list[int]]) -> dict[str, dict]:
    acc: dict[str, dict] = defaultdict(lambda: {"views": 0, "add_to_carts": 0, "purchases": 0})
    for e in events:
        if e.product_id is None:
            continue
        kind = {"product_view": "views", "add_to_cart": "add_to_carts", "purchase": "purchases"}.get(e.event_type)
        if kind:
            acc[e.product_id][kind] += 1
    viewing: dict[str, int] = defaultdict(int)
    bought_after: dict[str, int] = defaultdict(int)
    for v in visits.values():
        for p in v["viewed"]:
            viewing[p] += 1
            bought_after[p] += p in v["purchased"]
    out = {}
    for p, a in acc.items():
        out[p] = {
            **a, "view_to_purchase_rate": bought_after[p] / viewing[p] if viewing[p] else None,
            "average_rating": sum(ratings[p]) / len(ratings[p]) if ratings.get(p) else None,
        }  # fmt: skip
    return out


# -- 5. revenue over time ---------------------------------------------------------------------
def revenue_daily(lines: list[Line]) -> dict[date, dict]:
    first, last = min(ln.day for ln in lines), max(ln.day for ln in lines)
    net: dict[date, Decimal] = defaultdict(Decimal)
    orders: dict[date, set[str]] = defaultdict(set)
    for ln in lines:
        net[ln.day] += ln.total_amount - ln.returned_amount
        if ln.kept:
            orders[ln.day].add(ln.order_id)
    out, window = {}, []
    day = first
    while day <= last:
        window = [*window[-6:], net[day]]
        out[day] = {"orders": len(orders[day]), "net_revenue": net[day],
                    "net_revenue_7d_avg": float(sum(window)) / len(window)}  # fmt: skip
        day += timedelta(days=1)
    return out


def revenue_monthly(lines: list[Line]) -> dict[date, dict]:
    net: dict[date, Decimal] = defaultdict(Decimal)
    orders: dict[date, set[str]] = defaultdict(set)
    for ln in lines:
        net[_month(ln.day)] += ln.total_amount - ln.returned_amount
        if ln.kept:
            orders[_month(ln.day)].add(ln.order_id)
    first, last = min(net), max(net)
    out: dict[date, dict] = {}
    month = first
    while month <= last:
        previous = date(month.year - (month.month == 1), 12 if month.month == 1 else month.month - 1, 1)
        year_before = date(month.year - 1, month.month, 1)

        def growth(before: date, month: date = month) -> float | None:
            if before < first or not net[before]:
                return None
            return float(net[month] - net[before]) / float(net[before])

        out[month] = {"orders": len(orders[month]), "net_revenue": net[month],
                      "mom_growth": growth(previous), "yoy_growth": growth(year_before)}  # fmt: skip
        month = date(month.year + (month.month == 12), 1 if month.month == 12 else month.month + 1, 1)
    return out


# -- 6. segments ------------------------------------------------------------------------------
def _scores(values: dict[str, float], better_high: bool) -> dict[str, int]:
    """1 + floor(5 × share of the other customers with a strictly worse value), capped at 5."""
    n = len(values)
    out = {}
    for c, v in values.items():
        worse = sum(1 for w in values.values() if (w < v if better_high else w > v))
        share = worse / (n - 1) if n > 1 else 0.0
        out[c] = min(5, 1 + math.floor(5 * share))
    return out


def customer_segments(lines: list[Line], segment_table: dict[tuple[int, int], str]) -> dict[str, dict]:
    clv = customer_lifetime_value(lines)
    as_of = max(ln.day for ln in lines)
    recency = {c: (as_of - v["last_order_date"]).days for c, v in clv.items()}
    r = _scores(recency, better_high=False)
    f = _scores({c: v["orders"] for c, v in clv.items()}, better_high=True)
    m = _scores({c: float(v["net_revenue"]) for c, v in clv.items()}, better_high=True)
    out = {}
    for c in clv:
        fm = (f[c] + m[c] + 1) // 2
        out[c] = {"recency_days": recency[c], "r_score": r[c], "f_score": f[c], "m_score": m[c], "fm_score": fm,
                  "segment": segment_table[(r[c], fm)]}  # fmt: skip
    return out


# -- 7. returns -------------------------------------------------------------------------------
def return_rates(lines: list[Line], categories: dict[str, str], min_units: int = 10) -> dict[tuple[str, date], dict]:
    acc: dict[tuple[str, date], dict] = {}
    for ln in lines:
        a = acc.setdefault((ln.product_id, _month(ln.day)), {
            "category": categories.get(ln.product_id, "uncategorised"), "units_sold": 0, "goods_returned_units": 0,
            "refunded_units": 0, "returned_amount": Decimal(0),
        })  # fmt: skip
        a["units_sold"] += ln.quantity
        a["goods_returned_units"] += ln.quantity if ln.status == "returned" else 0
        a["refunded_units"] += ln.quantity if ln.status == "refunded" else 0
        a["returned_amount"] += ln.returned_amount
    ranked: dict[tuple[str, date], set[float]] = defaultdict(set)
    for (_, month), a in acc.items():
        a["return_rate"] = (a["goods_returned_units"] + a["refunded_units"]) / a["units_sold"]
        a["is_low_volume"] = a["units_sold"] < min_units
        if not a["is_low_volume"]:
            ranked[(a["category"], month)].add(a["return_rate"])
    for (_, month), a in acc.items():
        rates = sorted(ranked[(a["category"], month)], reverse=True)
        a["return_rate_rank"] = None if a["is_low_volume"] else rates.index(a["return_rate"]) + 1
    return acc


# -- data quality -----------------------------------------------------------------------------
def volume_warnings(days: list[date], z_limit: float = 3.5) -> list[date]:
    """The completed days (before the newest) whose record count is more than ``z_limit`` robust
    deviations from the trailing 14 days' median (days without records count 0), with at least 7
    of those days in the data and a median above 0. Robust z = (count - median) /
    max(1.4826 × MAD, √median, 1)."""
    counts: dict[date, int] = defaultdict(int)
    for d in days:
        counts[d] += 1
    first, last = min(counts), max(counts)
    out = []
    day = first + timedelta(days=1)
    while day < last:
        history = [counts[day - timedelta(days=k)] for k in range(1, 15) if day - timedelta(days=k) >= first]
        if len(history) >= 7:
            mid = _median(history)
            mad = _median([abs(h - mid) for h in history])
            if mid > 0 and abs(counts[day] - mid) / max(1.4826 * mad, mid**0.5, 1) > z_limit:
                out.append(day)
        day += timedelta(days=1)
    return out


def _median(values: list[float]) -> float:
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
