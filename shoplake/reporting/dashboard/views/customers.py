"""Customers: what they are worth (lifetime value), how cohorts come back, and their RFM segments."""

from __future__ import annotations

import altair as alt
import streamlit as st

from shoplake.reporting.dashboard import formatting as fmt
from shoplake.reporting.dashboard import shop_queries as q
from shoplake.reporting.dashboard.marts import Marts
from shoplake.reporting.executions import ExecutionSource


def render(marts: Marts, executions: ExecutionSource | None) -> None:
    st.title("Customers")
    c = q.customers(marts)
    if c.customers == 0:
        st.info("No customer orders in the warehouse yet (guest checkouts have no customer).")
        return
    cols = st.columns(4)
    cols[0].metric("Customers", fmt.count(c.customers), border=True, help="Signed-in customers who ordered")
    cols[1].metric("Average lifetime value", fmt.amount(c.average_lifetime_value), border=True,
                   help="Net revenue per customer so far")  # fmt: skip
    cols[2].metric("Repeat customers", fmt.share(c.repeat_share), border=True, help="Two or more kept orders")
    days = c.average_tenure_days
    cols[3].metric("Average tenure", "–" if days is None else f"{days:,.0f} days", border=True,
                   help="Days from the first order to the latest")  # fmt: skip

    left, right = st.columns(2)
    left.subheader("Lifetime value")
    left.altair_chart(
        alt.Chart(q.lifetime_values(marts))
        .mark_bar()
        .encode(
            x=alt.X("net_revenue:Q", bin=alt.Bin(maxbins=30), title="Net revenue per customer"),
            y=alt.Y("count():Q", title="Customers"),
            tooltip=[alt.Tooltip("count():Q", title="Customers")],
        )
        .properties(height=280),
        width="stretch",
    )
    right.subheader("Segments")
    segments = q.segments(marts)
    right.altair_chart(
        alt.Chart(segments)
        .mark_bar()
        .encode(
            x=alt.X("customers:Q", title="Customers"),
            y=alt.Y("segment_label:N", title=None, sort="-x"),
            color=alt.Color("net_revenue:Q", title="Average net revenue", scale=alt.Scale(scheme="blues")),
            tooltip=[
                alt.Tooltip("segment_label:N", title="Segment"),
                alt.Tooltip("customers:Q", format=",d"),
                alt.Tooltip("recency_days:Q", title="Days since last order", format=",.0f"),
                alt.Tooltip("orders:Q", title="Orders", format=".2f"),
                alt.Tooltip("net_revenue:Q", title="Net revenue", format=",.2f"),
            ],
        )
        .properties(height=280),
        width="stretch",
    )

    st.subheader("Cohort retention")
    st.caption("Share of each first-order month's customers who ordered again, by months since their first order")
    cohorts = q.cohort_retention(marts).assign(
        cohort=lambda d: d["cohort_month"].astype("datetime64[ns]").dt.strftime("%Y-%m")
    )
    height = 60 + 36 * cohorts["cohort"].nunique()
    base = alt.Chart(cohorts, height=height).encode(
        x=alt.X("months_since:O", title="Months since the first order", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("cohort:O", title="First order"),
    )
    st.altair_chart(
        alt.layer(
            base.mark_rect().encode(
                color=alt.Color(
                    "retention_share:Q", title="Retention", scale=alt.Scale(scheme="greens", domain=[0, 1])
                ),
                tooltip=[
                    alt.Tooltip("cohort:O", title="Cohort"),
                    alt.Tooltip("months_since:O", title="Months since"),
                    alt.Tooltip("cohort_customers:Q", title="Cohort customers", format=",d"),
                    alt.Tooltip("customers_active:Q", title="Active", format=",d"),
                    alt.Tooltip("retention_share:Q", title="Retention", format=".1%"),
                    alt.Tooltip(
                        "cumulative_net_revenue_per_customer:Q", title="Net revenue per customer", format=",.2f"
                    ),
                ],
            ),
            base.mark_text(fontSize=11).encode(text=alt.Text("retention_share:Q", format=".0%")),
        ).properties(height=height),
        width="stretch",
    )
    st.dataframe(
        segments,
        hide_index=True,
        column_config={
            "segment": None,
            "segment_label": st.column_config.TextColumn("Segment"),
            "customers": st.column_config.NumberColumn("Customers", format="localized"),
            "recency_days": st.column_config.NumberColumn("Days since last order", format="%.0f"),
            "orders": st.column_config.NumberColumn("Orders", format="%.2f"),
            "net_revenue": st.column_config.NumberColumn("Net revenue", format="%.2f"),
        },
    )
