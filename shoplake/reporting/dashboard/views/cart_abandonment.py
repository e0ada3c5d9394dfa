"""Cart abandonment: how many carts are left with items in them and what they hold, the products
left most, what each customer could be won back with (the promotions), and how many come back."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from shoplake.reporting.dashboard import formatting as fmt
from shoplake.reporting.dashboard import shop_queries as q
from shoplake.reporting.dashboard.marts import Marts
from shoplake.reporting.executions import ExecutionSource


def daily_rate_chart(daily: pd.DataFrame, rate: str, title: str, count: str, count_title: str) -> alt.Chart:
    """A day's ``rate`` as a line (days without a denominator are left out), ``count`` in the tooltip;
    the x axis spans every day of ``daily``, so the charts of one page line up."""
    days = pd.to_datetime(daily["date"])
    span = alt.Scale(domain=[f"{days.min():%Y-%m-%d}", f"{days.max():%Y-%m-%d}"])
    return (
        alt.Chart(daily.dropna(subset=[rate]))
        .mark_line(point=True)
        .encode(
            x=alt.X("date:T", title="Day of the cart's last activity (UTC)", scale=span),
            y=alt.Y(f"{rate}:Q", title=title, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            tooltip=[alt.Tooltip("date:T", title="Day", format="%Y-%m-%d"),
                     alt.Tooltip(f"{count}:Q", title=count_title, format=",d"),
                     alt.Tooltip(f"{rate}:Q", title=title, format=".1%")],
        )
        .properties(height=260)
    )  # fmt: skip


def render(marts: Marts, executions: ExecutionSource | None) -> None:
    st.title("Cart abandonment")
    c = q.carts(marts)
    if c.carts == 0:
        st.info(
            "No cart events in the warehouse yet: land a cart_events file "
            "(or run `shoplake generate cart_events`, or `make demo`)."
        )
        return
    metrics = [
        ("Abandoned carts", fmt.count(c.abandoned),
         "Carts that still hold items, were never checked out and went quiet"),
        ("Value left in them", fmt.amount(c.value_abandoned),
         "What the abandoned carts hold, at the price of each item's latest add"),
        ("Abandonment rate", fmt.share(c.abandonment_rate),
         "Abandoned carts / (abandoned + checked-out carts); open and emptied carts are neither"),
        ("Recovery rate", fmt.share(c.recovery_rate),
         "Abandoned carts whose customer then bought one of the products left in them"),
    ]  # fmt: skip
    cols = st.columns(len(metrics) + 1)
    for col, (label, value, help_text) in zip(cols, metrics, strict=False):
        col.metric(label, value, border=True, help=help_text, height="stretch")
    as_of = "The watermark: the newest cart event less a grace period for late events; ages are measured from it"
    if c.as_of is None:
        cols[-1].metric("As of", "–", border=True, help=as_of, height="stretch")
    else:
        # the day as the value (a whole timestamp does not fit the card), the year and time below it
        cols[-1].metric("As of", f"{c.as_of:%d %b}", delta=f"{c.as_of:%Y}, {c.as_of:%H:%M} UTC", delta_color="off",
                        delta_arrow="off", border=True, help=f"{as_of} ({fmt.timestamp(c.as_of)})",
                        height="stretch")  # fmt: skip
    st.caption(
        f"{fmt.count(c.carts)} carts of signed-in customers: {fmt.count(c.checked_out)} checked out, "
        f"{fmt.count(c.abandoned)} abandoned ({fmt.count(c.recovered)} of them recovered), the rest emptied or "
        "still open"
    )

    daily = q.cart_abandonment_daily(marts)
    left, right = st.columns(2)
    left.subheader("Abandonment rate per day")
    left.altair_chart(
        daily_rate_chart(daily, "abandonment_rate", "Abandonment rate", "carts_abandoned", "Abandoned carts"),
        width="stretch",
    )
    right.subheader("Recovery rate per day")
    right.altair_chart(
        daily_rate_chart(daily, "recovery_rate", "Recovery rate", "carts_recovered", "Recovered carts"),
        width="stretch",
    )

    st.subheader("Products left in carts most")
    products = q.most_abandoned_products(marts)
    if not len(products):
        st.info("No product is left in an abandoned cart.")
    else:
        st.dataframe(
            products,
            hide_index=True,
            column_config={
                "value_rank": st.column_config.NumberColumn("Rank", format="%d", help="By value left"),
                "product_id": st.column_config.TextColumn("Product"),
                "product_name": st.column_config.TextColumn("Name"),
                "category": st.column_config.TextColumn("Category"),
                "carts_abandoned": st.column_config.NumberColumn("Abandoned carts", format="localized"),
                "units_abandoned": st.column_config.NumberColumn("Units left", format="localized"),
                "value_abandoned": st.column_config.NumberColumn("Value left", format="%.2f"),
                "abandonment_rate": st.column_config.NumberColumn(
                    "Abandonment rate", format="percent", help="Of the carts it was put in, those abandoned with it"
                ),
            },
        )

    st.subheader("Promotions per customer")
    customers = q.promoted_customers(marts)
    if not len(customers):
        st.info("No promotions: no customer has left a product they have not bought since.")
        return
    labels = {
        row.customer_id: f"{row.customer_id} · {fmt.amount(float(row.value_abandoned))} in "
        f"{row.products} product{'' if row.products == 1 else 's'}"
        for row in customers.itertuples()
    }
    customer_id = st.selectbox("Customer", list(labels), format_func=labels.__getitem__, key="promotion_customer",
                               help="Customers with promotions, most value left first")  # fmt: skip
    st.caption("What they left in abandoned carts and have not bought since, most value first")
    st.dataframe(
        q.customer_promotions(marts, customer_id),
        hide_index=True,
        column_config={
            "rank": st.column_config.NumberColumn("Rank", format="%d"),
            "product_id": st.column_config.TextColumn("Product"),
            "product_name": st.column_config.TextColumn("Name"),
            "value_abandoned": st.column_config.NumberColumn("Value left", format="%.2f"),
            "last_activity": st.column_config.DatetimeColumn("Last touched (UTC)", format="YYYY-MM-DD HH:mm"),
        },
    )
