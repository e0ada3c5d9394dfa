"""Sales from the order database (change data capture from the shop's PostgreSQL): revenue,
average order value and orders; revenue and premium share by the customer's city at the time of
each order; the orders' status now; and how far the capture has caught up with the source."""

from __future__ import annotations

from datetime import UTC, datetime

import altair as alt
import streamlit as st

from shoplake.reporting.dashboard import formatting as fmt
from shoplake.reporting.dashboard import order_queries as q
from shoplake.reporting.dashboard.marts import Marts
from shoplake.reporting.executions import ExecutionSource


def render(marts: Marts, executions: ExecutionSource | None) -> None:
    st.title("Sales from the order database")
    s = q.order_sales(marts)
    if s.orders == 0:
        st.info(
            "No orders captured from the operational database yet: `shoplake source start`, "
            "`shoplake simulate`, then `shoplake cdc extract` (or `make demo`)."
        )
        return
    metrics = [
        ("Revenue", fmt.amount(s.revenue), "Orders that are not CANCELLED, at their current state"),
        ("Average order value", fmt.amount(s.average_order_value), "Revenue / orders that are not cancelled"),
        ("Orders", fmt.count(s.orders), "Every order placed, cancelled ones included"),
        ("Premium share", fmt.share(s.premium_share),
         "Revenue of premium orders (total at least the premium amount) / revenue"),
    ]  # fmt: skip
    for col, (label, value, help_text) in zip(st.columns(len(metrics)), metrics, strict=True):
        col.metric(label, value, border=True, help=help_text, height="stretch")
    st.caption(f"{fmt.count(s.cancelled)} of the {fmt.count(s.orders)} orders were cancelled")

    cities = q.city_sales(marts)
    st.subheader("Revenue and premium share by city")
    st.caption("The city is the customer's when they ordered (dim_users_history), not where they live now")
    bars = (
        alt.Chart(cities)
        .mark_bar()
        .encode(
            x=alt.X("revenue:Q", title="Revenue"),
            y=alt.Y("city:N", sort="-x", title=None),
            color=alt.Color("premium_market_share:Q", title="Premium share", scale=alt.Scale(domain=[0, 1]),
                            legend=alt.Legend(format="%")),
            tooltip=[alt.Tooltip("city:N", title="City"), alt.Tooltip("revenue:Q", title="Revenue", format=",.2f"),
                     alt.Tooltip("orders:Q", title="Orders", format=",d"),
                     alt.Tooltip("premium_market_share:Q", title="Premium share", format=".1%")],
        )
        .properties(height=max(160, 22 * len(cities)))
    )  # fmt: skip
    st.altair_chart(bars, width="stretch")
    st.dataframe(
        cities,
        hide_index=True,
        column_config={
            "city": st.column_config.TextColumn("City"),
            "orders": st.column_config.NumberColumn("Orders", format="localized"),
            "cancelled_orders": st.column_config.NumberColumn("Cancelled", format="localized"),
            "revenue": st.column_config.NumberColumn("Revenue", format="%.2f"),
            "premium_orders": st.column_config.NumberColumn("Premium orders", format="localized"),
            "premium_revenue": st.column_config.NumberColumn("Premium revenue", format="%.2f"),
            "premium_market_share": st.column_config.NumberColumn("Premium share", format="percent"),
            "average_order_value": st.column_config.NumberColumn("Average order value", format="%.2f"),
        },
    )

    left, right = st.columns(2)
    left.subheader("Orders by status")
    statuses = q.status_distribution(marts)
    left.altair_chart(
        alt.Chart(statuses)
        .mark_arc(innerRadius=50)
        .encode(theta=alt.Theta("orders:Q"), color=alt.Color("status:N", title="Status"),
                tooltip=[alt.Tooltip("status:N", title="Status"), alt.Tooltip("orders:Q", title="Orders")])
        .properties(height=260),
        width="stretch",
    )  # fmt: skip
    stuck = int(statuses["stuck_pending"].sum()) if len(statuses) else 0
    left.caption(f"{fmt.count(stuck)} PENDING orders are stuck (older than the threshold at the capture's clock)")

    right.subheader("Freshness of the capture")
    now = datetime.now(UTC)
    rows = [
        {
            "table": f.table_name,
            "versions": f.versions,
            "deletions": f.deletions,
            "newest change captured": fmt.timestamp(f.newest_change_at) if f.newest_change_at else "–",
            "behind now": fmt.ago(f.newest_change_at, now) if f.newest_change_at else "–",
            "change → lake (median)": fmt.seconds(f.median_capture_seconds),
        }
        for f in q.freshness(marts)
    ]
    right.dataframe(rows, hide_index=True)
    right.caption(
        "Newest change captured: the source's newest updated_at (or deletion) in the lake. Change → lake: from a "
        "change to the pipeline run that published it, over the newest day of changes."
    )
