"""The questions the shop pages ask the marts (sales, customers, funnel, cart abandonment,
recommendations, returns, data quality), one function each.

As in ``queries``: the SQL runs unchanged on DuckDB and Snowflake, values the user picks are
bound as ``?`` parameters, and only validated integer limits are put into SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from shoplake.reporting.dashboard.marts import Marts
from shoplake.reporting.dashboard.queries import _float, _int, _limit


def _date_range(marts: Marts, sql: str) -> tuple[date, date] | None:
    df = marts.query(sql)
    if not len(df) or pd.isna(df.iat[0, 0]):
        return None
    return pd.Timestamp(df.iat[0, 0]).date(), pd.Timestamp(df.iat[0, 1]).date()


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    return None if numerator is None or not denominator else numerator / denominator


# ─── sales ──────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Sales:
    orders: int
    gross_revenue: float
    returned_amount: float
    net_revenue: float
    units_sold: int
    returned_units: int

    @property
    def average_order_value(self) -> float | None:
        return _ratio(self.net_revenue, self.orders)

    @property
    def return_rate(self) -> float | None:
        return _ratio(self.returned_units, self.units_sold)


def sales_date_range(marts: Marts) -> tuple[date, date] | None:
    return _date_range(marts, "select min(date), max(date) from marts.revenue_daily")


def sales(marts: Marts, start: date, end: date) -> Sales:
    """The period's measures, from the order lines (orders: with a completed line in the period)."""
    df = marts.query(
        """
        select
            count(distinct case when is_kept then order_id end) as orders,
            sum(total_amount) as gross_revenue,
            sum(returned_amount) as returned_amount,
            sum(quantity) as units_sold,
            sum(returned_units) as returned_units
        from marts.fct_order_lines
        where transaction_date between ? and ?
        """,
        [start, end],
    )
    row = df.iloc[0]
    gross, returned = _float(row["gross_revenue"]) or 0.0, _float(row["returned_amount"]) or 0.0
    return Sales(
        orders=_int(row["orders"]),
        gross_revenue=gross,
        returned_amount=returned,
        net_revenue=gross - returned,
        units_sold=_int(row["units_sold"]),
        returned_units=_int(row["returned_units"]),
    )


def revenue_trend(marts: Marts, start: date, end: date) -> pd.DataFrame:
    return marts.query(
        """
        select date, orders, net_revenue, net_revenue_7d_avg
        from marts.revenue_daily
        where date between ? and ?
        order by date
        """,
        [start, end],
    )


def sales_months(marts: Marts) -> list[date]:
    df = marts.query("select distinct month from marts.category_sales_monthly order by month desc")
    return [pd.Timestamp(m).date() for m in df["month"]]


def sales_categories(marts: Marts, month: date) -> list[str]:
    df = marts.query(
        "select category from marts.category_sales_monthly where month = ? order by net_revenue desc, category",
        [month],
    )
    return df["category"].tolist()


def category_sales(marts: Marts, month: date) -> pd.DataFrame:
    return marts.query(
        """
        select category, orders, units_sold, net_revenue, average_order_value, return_rate, share_of_net_revenue
        from marts.category_sales_monthly
        where month = ?
        order by net_revenue desc, category
        """,
        [month],
    )


def top_products(marts: Marts, month: date, category: str | None, limit: int = 10) -> pd.DataFrame:
    """The month's best sellers by net revenue: of one category (ranked in it), or of all."""
    where, params = "sales.month = ?", [month]
    if category is not None:
        where, params = where + " and sales.category = ?", [month, category]
    return marts.query(
        f"""
        select sales.category_rank, sales.product_id, products.product_name, sales.category, sales.units_sold,
               sales.net_revenue, sales.returned_units
        from marts.product_sales_monthly as sales
        left join marts.dim_products as products on sales.product_id = products.product_id
        where {where}
        order by sales.net_revenue desc, sales.product_id
        limit {_limit(limit)}
        """,  # noqa: S608 - a constant filter and a validated limit; values are bound
        params,
    )


# ─── customers ──────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Customers:
    customers: int
    average_lifetime_value: float | None
    repeat_share: float | None
    average_tenure_days: float | None


def customers(marts: Marts) -> Customers:
    df = marts.query(
        """
        select
            count(*) as customers,
            avg(cast(net_revenue as double)) as average_lifetime_value,
            sum(case when orders >= 2 then 1 else 0 end) as repeat_customers,
            avg(cast(tenure_days as double)) as average_tenure_days
        from marts.customer_lifetime_value
        """
    )
    row = df.iloc[0]
    n = _int(row["customers"])
    return Customers(
        customers=n,
        average_lifetime_value=_float(row["average_lifetime_value"]),
        repeat_share=_ratio(_int(row["repeat_customers"]), n),
        average_tenure_days=_float(row["average_tenure_days"]),
    )


def lifetime_values(marts: Marts) -> pd.DataFrame:
    return marts.query("select customer_id, net_revenue, orders from marts.customer_lifetime_value")


def cohort_retention(marts: Marts) -> pd.DataFrame:
    return marts.query(
        """
        select cohort_month, months_since, cohort_customers, customers_active, retention_share,
               cumulative_net_revenue_per_customer
        from marts.customer_cohorts
        order by cohort_month, months_since
        """
    )


def segments(marts: Marts) -> pd.DataFrame:
    return marts.query(
        """
        select segment, segment_label, count(*) as customers, avg(cast(recency_days as double)) as recency_days,
               avg(cast(frequency as double)) as orders, avg(cast(monetary as double)) as net_revenue
        from marts.customer_segments
        group by segment, segment_label
        order by net_revenue desc, segment
        """
    )


# ─── funnel ─────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Funnel:
    sessions: int
    product_view_sessions: int
    add_to_cart_sessions: int
    purchase_sessions: int

    @property
    def conversion_rate(self) -> float | None:
        return _ratio(self.purchase_sessions, self.sessions)

    def steps(self) -> pd.DataFrame:
        counts = [self.sessions, self.product_view_sessions, self.add_to_cart_sessions, self.purchase_sessions]
        names = ["Visits", "Viewed a product", "Added to cart", "Purchased"]
        rates = [1.0] + [_ratio(b, a) for a, b in zip(counts, counts[1:], strict=False)]
        return pd.DataFrame({"step": names, "sessions": counts, "of_previous": rates, "order": range(4)})


def funnel_date_range(marts: Marts) -> tuple[date, date] | None:
    return _date_range(marts, "select min(date), max(date) from marts.funnel_daily")


def funnel_devices(marts: Marts) -> list[str]:
    return marts.query("select distinct device from marts.funnel_daily order by device")["device"].tolist()


def _funnel_filter(start: date, end: date, device: str | None) -> tuple[str, list]:
    if device is None:
        return "date between ? and ?", [start, end]
    return "date between ? and ? and device = ?", [start, end, device]


def funnel(marts: Marts, start: date, end: date, device: str | None = None) -> Funnel:
    where, params = _funnel_filter(start, end, device)
    df = marts.query(
        f"""
        select sum(sessions) as sessions, sum(product_view_sessions) as product_view_sessions,
               sum(add_to_cart_sessions) as add_to_cart_sessions, sum(purchase_sessions) as purchase_sessions
        from marts.funnel_daily
        where {where}
        """,  # noqa: S608 - a constant filter; values are bound
        params,
    )
    row = df.iloc[0]
    return Funnel(*(_int(row[c]) for c in df.columns))


def funnel_by_device(marts: Marts, start: date, end: date) -> pd.DataFrame:
    return marts.query(
        """
        select device, sum(sessions) as sessions, sum(purchase_sessions) as purchase_sessions,
               cast(sum(purchase_sessions) as double) / nullif(sum(sessions), 0) as conversion_rate
        from marts.funnel_daily
        where date between ? and ?
        group by device
        order by sessions desc, device
        """,
        [start, end],
    )


def daily_conversion(marts: Marts, start: date, end: date, device: str | None = None) -> pd.DataFrame:
    where, params = _funnel_filter(start, end, device)
    return marts.query(
        f"""
        select date, sum(sessions) as sessions,
               cast(sum(purchase_sessions) as double) / nullif(sum(sessions), 0) as conversion_rate
        from marts.funnel_daily
        where {where}
        group by date
        order by date
        """,  # noqa: S608 - a constant filter; values are bound
        params,
    )


# ─── recommendations ────────────────────────────────────────────────────────────────────────


def recommendable_products(marts: Marts) -> list[str]:
    """Products with something to recommend with them, most viewed first."""
    df = marts.query(
        """
        select engagement.product_id
        from marts.product_engagement as engagement
        where engagement.product_id in (
            select product_id from marts.products_bought_together
            union select product_id from marts.products_viewed_together
        )
        order by engagement.views desc, engagement.product_id
        """
    )
    return df["product_id"].tolist()


def product_engagement(marts: Marts, product_id: str) -> pd.Series | None:
    df = marts.query("select * from marts.product_engagement where product_id = ?", [product_id])
    return df.iloc[0] if len(df) else None


def _together(marts: Marts, mart: str, count: str, product_id: str, limit: int) -> pd.DataFrame:
    return marts.query(
        f"""
        select pairs.other_product_id, products.product_name, products.category, pairs.{count},
               pairs.confidence, pairs.lift
        from marts.{mart} as pairs
        left join marts.dim_products as products on pairs.other_product_id = products.product_id
        where pairs.product_id = ?
        order by pairs.{count} desc, pairs.lift desc, pairs.other_product_id
        limit {_limit(limit)}
        """,  # noqa: S608 - constant names and a validated limit; the product is bound
        [product_id],
    )


def bought_together(marts: Marts, product_id: str, limit: int = 10) -> pd.DataFrame:
    return _together(marts, "products_bought_together", "orders_together", product_id, limit)


def viewed_together(marts: Marts, product_id: str, limit: int = 10) -> pd.DataFrame:
    return _together(marts, "products_viewed_together", "sessions_together", product_id, limit)


# ─── returns ────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Returns:
    units_sold: int
    returned_units: int
    goods_returned_units: int
    refunded_units: int
    returned_amount: float

    @property
    def return_rate(self) -> float | None:
        return _ratio(self.returned_units, self.units_sold)


def returns(marts: Marts) -> Returns:
    df = marts.query(
        """
        select sum(units_sold) as units_sold, sum(returned_units) as returned_units,
               sum(goods_returned_units) as goods_returned_units, sum(refunded_units) as refunded_units,
               sum(returned_amount) as returned_amount
        from marts.return_rates
        """
    )
    row = df.iloc[0]
    return Returns(
        units_sold=_int(row["units_sold"]),
        returned_units=_int(row["returned_units"]),
        goods_returned_units=_int(row["goods_returned_units"]),
        refunded_units=_int(row["refunded_units"]),
        returned_amount=_float(row["returned_amount"]) or 0.0,
    )


def returns_by_category(marts: Marts) -> pd.DataFrame:
    return marts.query(
        """
        select category, sum(units_sold) as units_sold, sum(goods_returned_units) as goods_returned_units,
               sum(refunded_units) as refunded_units,
               cast(sum(returned_units) as double) / nullif(sum(units_sold), 0) as return_rate
        from marts.return_rates
        group by category
        order by return_rate desc, category
        """
    )


def return_months(marts: Marts) -> list[date]:
    df = marts.query("select distinct month from marts.return_rates order by month desc")
    return [pd.Timestamp(m).date() for m in df["month"]]


def most_returned_products(marts: Marts, month: date, limit: int = 15) -> pd.DataFrame:
    """The month's products by return rate, ranked within their category (low-volume ones last, unranked)."""
    return marts.query(
        f"""
        select rates.category, rates.return_rate_rank, rates.product_id, products.product_name, rates.units_sold,
               rates.goods_returned_units, rates.refunded_units, rates.return_rate, rates.is_low_volume
        from marts.return_rates as rates
        left join marts.dim_products as products on rates.product_id = products.product_id
        where rates.month = ?
        order by rates.is_low_volume, rates.return_rate desc, rates.units_sold desc, rates.product_id
        limit {_limit(limit)}
        """,  # noqa: S608 - a validated limit; the month is bound
        [month],
    )


# ─── data quality ───────────────────────────────────────────────────────────────────────────

_LATEST = """
    from marts.dq_check_results as results
    where checked_at = (
        select max(checked_at) from marts.dq_check_results as newest where newest.dataset = results.dataset
    )
"""


def dq_latest(marts: Marts) -> pd.DataFrame:
    """Each dataset's latest checks, failures first, then warnings."""
    return marts.query(
        f"""
        select status, dataset, check_name, date, observed, expected, message, checked_at
        {_LATEST}
        order by case status when 'fail' then 0 when 'warn' then 1 else 2 end, dataset, check_name, date
        """  # noqa: S608 - constant SQL
    )


def dq_status_counts(marts: Marts) -> dict[str, int]:
    df = marts.query(f"select status, count(*) as checks {_LATEST} group by status")  # noqa: S608 - constant SQL
    counts = dict.fromkeys(("pass", "warn", "fail"), 0)
    counts.update({str(s): int(n) for s, n in zip(df["status"], df["checks"], strict=True)})
    return counts


def dq_checks(marts: Marts) -> list[tuple[str, str]]:
    df = marts.query("select distinct dataset, check_name from marts.dq_check_results order by dataset, check_name")
    return list(zip(df["dataset"], df["check_name"], strict=True))


def dq_history(marts: Marts, dataset: str, check_name: str) -> pd.DataFrame:
    """A check's results: per day in its latest batch (per-day checks), else across the builds."""
    return marts.query(
        """
        select checked_at, date, observed, expected, status, message
        from marts.dq_check_results as results
        where dataset = ? and check_name = ?
          and (date is null or check_name = 'freshness' or checked_at = (
              select max(checked_at) from marts.dq_check_results as newest where newest.dataset = results.dataset
          ))
        order by checked_at, date
        """,
        [dataset, check_name],
    )


# ─── cart abandonment ───────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Carts:
    carts: int
    checked_out: int
    abandoned: int
    recovered: int
    value_abandoned: float
    as_of: datetime | None  # the watermark abandonment was judged at

    @property
    def abandonment_rate(self) -> float | None:
        """Abandoned over the carts that ended (checked out or abandoned)."""
        return _ratio(self.abandoned, self.abandoned + self.checked_out)

    @property
    def recovery_rate(self) -> float | None:
        return _ratio(self.recovered, self.abandoned)


def carts(marts: Marts) -> Carts:
    """Every cart's outcome, summed over the days (the daily mart), and the watermark."""
    df = marts.query(
        """
        select sum(carts) as carts, sum(carts_checked_out) as checked_out, sum(carts_abandoned) as abandoned,
               sum(carts_recovered) as recovered, sum(value_abandoned) as value_abandoned,
               (select max(watermark) from marts.fct_carts) as as_of
        from marts.cart_abandonment_daily
        """
    )
    row = df.iloc[0]
    as_of = None if pd.isna(row["as_of"]) else pd.Timestamp(row["as_of"]).to_pydatetime()
    return Carts(
        carts=_int(row["carts"]),
        checked_out=_int(row["checked_out"]),
        abandoned=_int(row["abandoned"]),
        recovered=_int(row["recovered"]),
        value_abandoned=_float(row["value_abandoned"]) or 0.0,
        as_of=as_of,
    )


def cart_abandonment_daily(marts: Marts) -> pd.DataFrame:
    """Carts by the day they were last touched, with that day's abandonment and recovery rates."""
    return marts.query(
        """
        select date, carts, carts_checked_out, carts_abandoned, carts_recovered, value_abandoned,
               abandonment_rate, recovery_rate
        from marts.cart_abandonment_daily
        order by date
        """
    )


def most_abandoned_products(marts: Marts, limit: int = 10) -> pd.DataFrame:
    """The products that left the most value in abandoned carts."""
    return marts.query(
        f"""
        select abandonment.value_rank, abandonment.product_id, products.product_name, products.category,
               abandonment.carts_abandoned, abandonment.units_abandoned, abandonment.value_abandoned,
               abandonment.abandonment_rate
        from marts.product_abandonment as abandonment
        left join marts.dim_products as products on abandonment.product_id = products.product_id
        where abandonment.carts_abandoned > 0
        order by abandonment.value_abandoned desc, abandonment.product_id
        limit {_limit(limit)}
        """  # noqa: S608 - a validated limit
    )


def promoted_customers(marts: Marts) -> pd.DataFrame:
    """The customers with promotions, by the value of what they left (most first)."""
    return marts.query(
        """
        select customer_id, sum(value_abandoned) as value_abandoned, count(*) as products
        from marts.customer_promotions
        group by customer_id
        order by value_abandoned desc, customer_id
        """
    )


def customer_promotions(marts: Marts, customer_id: str) -> pd.DataFrame:
    """One customer's promotions, in rank order."""
    return marts.query(
        """
        select promotions.rank, promotions.product_id, products.product_name, promotions.value_abandoned,
               promotions.last_activity
        from marts.customer_promotions as promotions
        left join marts.dim_products as products on promotions.product_id = products.product_id
        where promotions.customer_id = ?
        order by promotions.rank
        """,
        [customer_id],
    )
