"""Funnel: how many visits view a product, add it to the cart and buy, by device and period."""

from __future__ import annotations

import altair as alt
import streamlit as st

from shoplake.reporting.dashboard import formatting as fmt
from shoplake.reporting.dashboard import shop_queries as q
from shoplake.reporting.dashboard.marts import Marts
from shoplake.reporting.dashboard.views.overview import choose_period
from shoplake.reporting.executions import ExecutionSource

ALL_DEVICES = "All devices"


def render(marts: Marts, executions: ExecutionSource | None) -> None:
    st.title("Conversion funnel")
    bounds = q.funnel_date_range(marts)
    if bounds is None:
        st.info("No clickstream in the warehouse yet: land a clickstream file (or run `make demo`).")
        return
    start, end = choose_period(*bounds, what="Visits started between")
    device = st.segmented_control(
        "Device", [ALL_DEVICES, *q.funnel_devices(marts)], default=ALL_DEVICES, required=True, key="device"
    )
    chosen = None if device == ALL_DEVICES else device
    st.caption(f"Visits started {start:%d %b %Y} – {end:%d %b %Y}; a step counts only after the one before it")
    f = q.funnel(marts, start, end, chosen)
    steps = f.steps()
    cols = st.columns(4)
    for col, row in zip(cols, steps.itertuples(), strict=True):
        col.metric(row.step, fmt.count(int(row.sessions)), border=True,
                   delta=None if row.order == 0 else f"{fmt.share(row.of_previous)} of the step before",
                   delta_color="off")  # fmt: skip
    st.metric("Conversion rate", fmt.share(f.conversion_rate, 2), help="Visits that purchased / all visits")
    st.altair_chart(
        alt.Chart(steps)
        .mark_bar()
        .encode(
            x=alt.X("sessions:Q", title="Visits"),
            y=alt.Y("step:N", title=None, sort=alt.SortField("order")),
            tooltip=["step:N", alt.Tooltip("sessions:Q", format=",d"),
                     alt.Tooltip("of_previous:Q", title="Of the step before", format=".1%")],
        )
        .properties(height=200),
        width="stretch",
    )  # fmt: skip
    left, right = st.columns(2)
    left.subheader("By device")
    left.dataframe(
        q.funnel_by_device(marts, start, end),
        hide_index=True,
        column_config={
            "device": st.column_config.TextColumn("Device"),
            "sessions": st.column_config.NumberColumn("Visits", format="localized"),
            "purchase_sessions": st.column_config.NumberColumn("Purchased", format="localized"),
            "conversion_rate": st.column_config.NumberColumn("Conversion", format="percent"),
        },
    )
    right.subheader("Conversion per day")
    right.altair_chart(
        alt.Chart(q.daily_conversion(marts, start, end, chosen))
        .mark_line(point=True)
        .encode(
            x=alt.X("date:T", title="Day (UTC)"),
            y=alt.Y("conversion_rate:Q", title="Conversion", axis=alt.Axis(format="%")),
            tooltip=[alt.Tooltip("date:T", format="%Y-%m-%d"), alt.Tooltip("sessions:Q", title="Visits", format=",d"),
                     alt.Tooltip("conversion_rate:Q", title="Conversion", format=".2%")],
        )
        .properties(height=260),
        width="stretch",
    )  # fmt: skip
