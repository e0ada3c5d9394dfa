"""Recommendations: for a chosen product, what is bought with it and what is viewed with it."""

from __future__ import annotations

import streamlit as st

from shoplake.reporting.dashboard import formatting as fmt
from shoplake.reporting.dashboard import shop_queries as q
from shoplake.reporting.dashboard.marts import Marts
from shoplake.reporting.executions import ExecutionSource


def _pairs_columns(count: str, title: str) -> dict:
    return {
        "other_product_id": st.column_config.TextColumn("Product"),
        "product_name": st.column_config.TextColumn("Name"),
        "category": st.column_config.TextColumn("Category"),
        count: st.column_config.NumberColumn(title, format="localized"),
        "confidence": st.column_config.NumberColumn("Confidence", format="percent",
                                                    help="How often it comes with the chosen product"),
        "lift": st.column_config.NumberColumn("Lift", format="%.2f", help="Above 1: together more often than chance"),
    }  # fmt: skip


def render(marts: Marts, executions: ExecutionSource | None) -> None:
    st.title("Recommendations")
    choices = q.recommendable_products(marts)
    if not choices:
        st.info("No product pairs yet: they need orders or visits with at least two products.")
        return
    product_id = st.selectbox("Product", choices, key="recommend_product", help="Most viewed first")
    e = q.product_engagement(marts, product_id)
    if e is None:  # gone since the list was read
        st.info("That product is no longer in the warehouse: refresh the data.")
        return
    st.caption(f"{e['product_name'] or product_id} · {e['category'] or 'uncategorised'}")
    cols = st.columns(4)
    cols[0].metric("Views", fmt.count(int(e["views"])), border=True)
    cols[1].metric("Added to cart", fmt.count(int(e["add_to_carts"])), border=True)
    cols[2].metric("Units sold", fmt.count(int(e["units_sold"])), border=True)
    rate = (
        None
        if e["view_to_purchase_rate"] is None or e["view_to_purchase_rate"] != e["view_to_purchase_rate"]
        else float(e["view_to_purchase_rate"])
    )
    cols[3].metric("View → purchase", fmt.share(rate), border=True, help="Visits that viewed it and bought it")
    left, right = st.columns(2)
    left.subheader("Bought together")
    left.dataframe(q.bought_together(marts, product_id), hide_index=True,
                   column_config=_pairs_columns("orders_together", "Orders together"))  # fmt: skip
    right.subheader("Viewed together")
    right.dataframe(q.viewed_together(marts, product_id), hide_index=True,
                    column_config=_pairs_columns("sessions_together", "Visits together"))  # fmt: skip
