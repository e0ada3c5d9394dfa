"""Returns: how much comes back, by category, and the products returned most in a month."""

from __future__ import annotations

import altair as alt
import streamlit as st

from shoplake.reporting.dashboard import formatting as fmt
from shoplake.reporting.dashboard import shop_queries as q
from shoplake.reporting.dashboard.marts import Marts
from shoplake.reporting.executions import ExecutionSource


def render(marts: Marts, executions: ExecutionSource | None) -> None:
    st.title("Returns")
    r = q.returns(marts)
    if r.units_sold == 0:
        st.info("No order lines in the warehouse yet.")
        return
    cols = st.columns(4)
    cols[0].metric("Return rate", fmt.share(r.return_rate), border=True, help="Units returned or refunded / units sold")
    cols[1].metric("Units returned", fmt.count(r.goods_returned_units), border=True, help="The goods came back")
    cols[2].metric("Units refunded", fmt.count(r.refunded_units), border=True, help="Money back without a return")
    cols[3].metric("Returned amount", fmt.amount(r.returned_amount), border=True)

    st.subheader("By category")
    by_category = q.returns_by_category(marts)
    st.altair_chart(
        alt.Chart(by_category)
        .mark_bar()
        .encode(
            x=alt.X("return_rate:Q", title="Return rate", axis=alt.Axis(format="%")),
            y=alt.Y("category:N", title=None, sort="-x"),
            tooltip=["category:N", alt.Tooltip("units_sold:Q", format=",d"),
                     alt.Tooltip("goods_returned_units:Q", title="Returned", format=",d"),
                     alt.Tooltip("refunded_units:Q", title="Refunded", format=",d"),
                     alt.Tooltip("return_rate:Q", format=".1%")],
        )
        .properties(height=240),
        width="stretch",
    )  # fmt: skip
    st.subheader("Products returned most")
    month = st.selectbox("Month", q.return_months(marts), format_func=lambda m: f"{m:%B %Y}", key="returns_month")
    st.caption("Ranked within their category; products with few sales that month are flagged, not ranked")
    st.dataframe(
        q.most_returned_products(marts, month),
        hide_index=True,
        column_config={
            "category": st.column_config.TextColumn("Category"),
            "return_rate_rank": st.column_config.NumberColumn("Rank in category", format="%d"),
            "product_id": st.column_config.TextColumn("Product"),
            "product_name": st.column_config.TextColumn("Name"),
            "units_sold": st.column_config.NumberColumn("Units sold", format="localized"),
            "goods_returned_units": st.column_config.NumberColumn("Returned", format="localized"),
            "refunded_units": st.column_config.NumberColumn("Refunded", format="localized"),
            "return_rate": st.column_config.NumberColumn("Return rate", format="percent"),
            "is_low_volume": st.column_config.CheckboxColumn("Few sales"),
        },
    )
