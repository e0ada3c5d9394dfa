"""Sales: the period's revenue and orders, the daily trend with its 7-day average, and the
best-selling products of each category."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from shoplake.reporting.dashboard import formatting as fmt
from shoplake.reporting.dashboard import shop_queries as q
from shoplake.reporting.dashboard.marts import Marts
from shoplake.reporting.dashboard.views.overview import choose_period
from shoplake.reporting.executions import ExecutionSource

ALL_CATEGORIES = "All categories"


def trend_chart(trend: pd.DataFrame) -> alt.Chart:
    base = alt.Chart(trend).encode(x=alt.X("date:T", title="Day (UTC)"))
    bars = base.mark_bar(opacity=0.4).encode(
        y=alt.Y("net_revenue:Q", title="Net revenue"),
        tooltip=[
            alt.Tooltip("date:T", title="Day", format="%Y-%m-%d"),
            alt.Tooltip("orders:Q", title="Orders", format=",d"),
            alt.Tooltip("net_revenue:Q", title="Net revenue", format=",.2f"),
            alt.Tooltip("net_revenue_7d_avg:Q", title="7-day average", format=",.2f"),
        ],
    )
    line = base.mark_line(color="#e45756", strokeWidth=2).encode(y="net_revenue_7d_avg:Q")
    return alt.layer(bars, line).properties(height=280)


def render(marts: Marts, executions: ExecutionSource | None) -> None:
    st.title("Sales")
    bounds = q.sales_date_range(marts)
    if bounds is None:
        st.info("No order lines in the warehouse yet: land a transactions file (or run `make demo`).")
        return
    start, end = choose_period(*bounds, what="Orders placed between")
    st.caption(f"Orders placed {start:%d %b %Y} – {end:%d %b %Y} (UTC days)")
    s = q.sales(marts, start, end)
    cols = st.columns(4)
    cols[0].metric(
        "Net revenue", fmt.amount(s.net_revenue), border=True, help="Gross revenue minus returns and refunds"
    )
    cols[1].metric("Orders", fmt.count(s.orders), border=True, help="Orders with at least one kept line")
    cols[2].metric("Average order value", fmt.amount(s.average_order_value), border=True)
    cols[3].metric("Return rate", fmt.share(s.return_rate), border=True, help="Units returned or refunded / units sold")

    st.subheader("Revenue per day, with its 7-day average")
    st.altair_chart(trend_chart(q.revenue_trend(marts, start, end)), width="stretch")

    st.divider()
    st.subheader("Top-selling products")
    months = q.sales_months(marts)
    left, right = st.columns(2)
    month = left.selectbox("Month", months, format_func=lambda m: f"{m:%B %Y}", key="sales_month")
    categories = [ALL_CATEGORIES, *q.sales_categories(marts, month)]
    category = right.selectbox("Category", categories, key="sales_category")
    top = q.top_products(marts, month, None if category == ALL_CATEGORIES else category)
    st.dataframe(
        top,
        hide_index=True,
        column_config={
            "category_rank": st.column_config.NumberColumn("Rank in category", format="%d"),
            "product_id": st.column_config.TextColumn("Product"),
            "product_name": st.column_config.TextColumn("Name"),
            "category": st.column_config.TextColumn("Category"),
            "units_sold": st.column_config.NumberColumn("Units sold", format="localized"),
            "net_revenue": st.column_config.NumberColumn("Net revenue", format="%.2f"),
            "returned_units": st.column_config.NumberColumn("Units returned", format="localized"),
        },
    )
    st.subheader(f"Categories in {month:%B %Y}")
    by_category = q.category_sales(marts, month)
    st.altair_chart(
        alt.Chart(by_category)
        .mark_bar()
        .encode(
            x=alt.X("net_revenue:Q", title="Net revenue"),
            y=alt.Y("category:N", title=None, sort="-x"),
            tooltip=[
                "category:N",
                alt.Tooltip("orders:Q", format=",d"),
                alt.Tooltip("net_revenue:Q", format=",.2f"),
                alt.Tooltip("share_of_net_revenue:Q", title="Share", format=".1%"),
                alt.Tooltip("return_rate:Q", title="Return rate", format=".1%"),
            ],
        )
        .properties(height=240),
        width="stretch",
    )
