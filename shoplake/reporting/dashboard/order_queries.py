"""The questions the order-database page asks the marts (change data capture from the shop's
PostgreSQL: city_sales_daily, order_status_daily, capture_freshness). As in ``queries``: the SQL
runs unchanged on DuckDB and Snowflake and nothing a user picks is put into SQL text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from shoplake.reporting.dashboard.marts import Marts
from shoplake.reporting.dashboard.queries import _float, _int


@dataclass(frozen=True)
class OrderSales:
    orders: int  # every order placed
    cancelled: int
    revenue: float  # orders not cancelled
    premium_revenue: float

    @property
    def revenue_orders(self) -> int:
        return self.orders - self.cancelled

    @property
    def average_order_value(self) -> float | None:
        return self.revenue / self.revenue_orders if self.revenue_orders else None

    @property
    def premium_share(self) -> float | None:
        return self.premium_revenue / self.revenue if self.revenue else None


def order_sales(marts: Marts) -> OrderSales:
    row = marts.query(
        """
        select sum(orders) as orders, sum(cancelled_orders) as cancelled, sum(revenue) as revenue,
               sum(premium_revenue) as premium_revenue
        from marts.city_sales_daily
        """
    ).iloc[0]
    return OrderSales(
        orders=_int(row["orders"]),
        cancelled=_int(row["cancelled"]),
        revenue=_float(row["revenue"]) or 0.0,
        premium_revenue=_float(row["premium_revenue"]) or 0.0,
    )


def city_sales(marts: Marts) -> pd.DataFrame:
    """Per city (of the customer when they ordered), all days: orders, revenue, premium share."""
    return marts.query(
        """
        select city, sum(orders) as orders, sum(cancelled_orders) as cancelled_orders, sum(revenue) as revenue,
               sum(premium_orders) as premium_orders, sum(premium_revenue) as premium_revenue,
               case when sum(revenue) > 0 then cast(sum(premium_revenue) as double) / sum(revenue) end
                   as premium_market_share,
               case when sum(orders) - sum(cancelled_orders) > 0
                    then cast(sum(revenue) as double) / (sum(orders) - sum(cancelled_orders)) end
                   as average_order_value
        from marts.city_sales_daily
        group by city
        order by revenue desc, city
        """
    )


def status_distribution(marts: Marts) -> pd.DataFrame:
    """Orders per current status, and the PENDING ones stuck past the threshold."""
    return marts.query(
        """
        select status, sum(orders) as orders, sum(stuck_pending) as stuck_pending
        from marts.order_status_daily
        group by status
        order by case status when 'PENDING' then 1 when 'SHIPPED' then 2 when 'DELIVERED' then 3 else 4 end
        """
    )


@dataclass(frozen=True)
class Freshness:
    table_name: str
    versions: int
    deletions: int
    newest_change_at: datetime | None
    median_capture_seconds: float | None


def freshness(marts: Marts) -> list[Freshness]:
    df = marts.query(
        """
        select table_name, versions_captured, deletions_captured, newest_change_at, median_capture_seconds
        from marts.capture_freshness
        order by table_name
        """
    )

    def moment(value) -> datetime | None:
        return None if pd.isna(value) else pd.Timestamp(value).to_pydatetime()

    return [
        Freshness(r.table_name, _int(r.versions_captured), _int(r.deletions_captured), moment(r.newest_change_at),
                  _float(r.median_capture_seconds))
        for r in df.itertuples()
    ]  # fmt: skip
