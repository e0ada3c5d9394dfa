"""The dashboard's entry point: ``streamlit run shoplake/reporting/dashboard/app.py`` (``shoplake dashboard``)."""

from __future__ import annotations

import streamlit as st

from shoplake.reporting.dashboard.context import run_page
from shoplake.reporting.dashboard.views import (
    cart_abandonment,
    customers,
    data_quality,
    funnel,
    order_sales,
    overview,
    pipeline_health,
    products,
    recommendations,
    returns,
    reviewers,
    sales,
)

# The overview, the shop's questions, the review analytics, then how the platform is doing.
PAGES = {
    "overview": ("Overview", ":material/dashboard:", overview.render),
    "sales": ("Sales", ":material/payments:", sales.render),
    "order-sales": ("Order database", ":material/database:", order_sales.render),
    "customers": ("Customers", ":material/groups:", customers.render),
    "funnel": ("Funnel", ":material/filter_alt:", funnel.render),
    "cart-abandonment": ("Cart abandonment", ":material/remove_shopping_cart:", cart_abandonment.render),
    "recommendations": ("Recommendations", ":material/recommend:", recommendations.render),
    "returns": ("Returns", ":material/assignment_return:", returns.render),
    "products": ("Products", ":material/inventory_2:", products.render),
    "reviewers": ("Reviewers", ":material/group:", reviewers.render),
    "pipeline-health": ("Pipeline health", ":material/monitor_heart:", pipeline_health.render),
    "data-quality": ("Data quality", ":material/verified:", data_quality.render),
}


def _page(url_path: str) -> st.Page:
    title, icon, render = PAGES[url_path]

    def page() -> None:
        run_page(render)

    page.__name__ = url_path.replace("-", "_")
    return st.Page(page, title=title, icon=icon, url_path=url_path, default=url_path == "overview")


def main() -> None:
    st.set_page_config(page_title="shoplake", page_icon=":material/insights:", layout="wide")
    navigation = st.navigation([_page(p) for p in PAGES])
    st.sidebar.markdown("**shoplake** · shop analytics")
    navigation.run()


main()
