"""Products: best and worst by Bayesian average, rating distribution, one product's trend and most helpful reviews."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from shoplake.reporting.dashboard import charts
from shoplake.reporting.dashboard import formatting as fmt
from shoplake.reporting.dashboard import queries as q
from shoplake.reporting.dashboard.marts import Marts
from shoplake.reporting.executions import ExecutionSource

RANKED = 10
DEFAULT_MIN_REVIEWS = 10

RANKING_COLUMNS = {
    "product_id": st.column_config.TextColumn("Product"),
    "review_count": st.column_config.NumberColumn("Reviews", format="localized"),
    "average_rating": st.column_config.NumberColumn("Average", format="%.2f ★"),
    "bayesian_average": st.column_config.NumberColumn(
        "Bayesian average", format="%.2f ★", help="Pulled towards the mean rating of all reviews while reviews are few"
    ),
    "verified_share": st.column_config.NumberColumn("Verified", format="percent"),
}


def rating_chart(distribution: pd.DataFrame) -> alt.Chart:
    total = int(distribution["reviews"].sum())
    data = distribution.assign(
        stars=distribution["rating"].map(lambda r: f"{r} ★"),
        share=distribution["reviews"] / total if total else 0.0,
    )
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=charts.count_x("reviews", "Reviews"),
            y=alt.Y("stars:N", title=None, sort="descending"),
            color=alt.Color("rating:O", scale=alt.Scale(scheme="redyellowgreen"), legend=None),
            tooltip=[
                alt.Tooltip("stars:N", title="Rating"),
                alt.Tooltip("reviews:Q", format=",d"),
                alt.Tooltip("share:Q", format=".1%"),
            ],
        )
        .properties(height=200)
    )


def render(marts: Marts, executions: ExecutionSource | None) -> None:
    st.title("Products")
    most_reviews = q.most_reviews_of_a_product(marts)
    if most_reviews == 0:
        st.info("No products in the warehouse yet.")
        return
    min_reviews = st.number_input(
        "Minimum reviews per product",
        min_value=1,
        max_value=most_reviews,
        value=min(DEFAULT_MIN_REVIEWS, most_reviews),
        step=1,
        key="min_reviews",
        help="Rankings and the product list only include products with at least this many reviews",
    )

    best, worst = st.columns(2)
    best.subheader(f"Top {RANKED} by Bayesian average")
    best.dataframe(
        q.ranked_products(marts, min_reviews=min_reviews, limit=RANKED, best=True),
        hide_index=True,
        column_config=RANKING_COLUMNS,
    )
    worst.subheader(f"Bottom {RANKED} by Bayesian average")
    worst.dataframe(
        q.ranked_products(marts, min_reviews=min_reviews, limit=RANKED, best=False),
        hide_index=True,
        column_config=RANKING_COLUMNS,
    )

    st.subheader("Rating distribution, all products")
    st.altair_chart(rating_chart(q.rating_distribution(marts)), width="stretch")

    st.divider()
    choices = q.product_choices(marts, min_reviews=min_reviews)
    product_id = st.selectbox(
        "Product", choices, index=0, key="product", help="Products with the minimum reviews, most reviewed first"
    )
    if product_id is None:
        return
    summary = q.product_summary(marts, product_id)
    if summary is None:  # gone since the list was read (a rebuild between two cached answers)
        st.info("That product is no longer in the warehouse: refresh the data.")
        return
    cols = st.columns(3)
    cols[0].metric("Reviews of this product", fmt.count(int(summary["review_count"])), border=True)
    cols[1].metric("Its average rating", fmt.rating(float(summary["average_rating"])), border=True)
    cols[2].metric("Its Bayesian average", fmt.rating(float(summary["bayesian_average"])), border=True)
    first, last = pd.Timestamp(summary["first_review_date"]), pd.Timestamp(summary["last_review_date"])
    st.caption(f"Reviewed from {first:%d %b %Y} to {last:%d %b %Y}")

    trend, distribution = st.columns([2, 1])
    trend.subheader("Monthly trend")
    monthly = q.product_monthly(marts, product_id)
    base = alt.Chart(monthly).encode(x=charts.month_x())
    trend.altair_chart(
        alt.layer(
            base.mark_bar(opacity=0.35).encode(
                y=charts.count_y("review_count", "Reviews"),
            ),
            base.mark_line(point=True, color="#e45756").encode(
                y=charts.rating_y(),
            ),
        )
        .resolve_scale(y="independent")
        .encode(
            tooltip=[
                alt.Tooltip("review_month:T", title="Month", format="%b %Y"),
                alt.Tooltip("review_count:Q", title="Reviews", format=",d"),
                alt.Tooltip("average_rating:Q", title="Average", format=".2f"),
            ]
        ),
        width="stretch",
    )
    distribution.subheader("Its ratings")
    distribution.altair_chart(rating_chart(q.rating_distribution(marts, product_id)), width="stretch")

    st.subheader("Most helpful reviews")
    st.dataframe(
        q.most_helpful_reviews(marts, product_id),
        hide_index=True,
        column_config={
            "review_date": st.column_config.DateColumn("Written", format="YYYY-MM-DD"),
            "rating": st.column_config.NumberColumn("Rating", format="%d ★"),
            "helpful_votes": st.column_config.NumberColumn("Helpful votes", format="localized"),
            "review_title": st.column_config.TextColumn("Title"),
            "review_text": st.column_config.TextColumn("Review", width="large"),
            "reviewer_id": st.column_config.TextColumn("Reviewer"),
        },
    )
