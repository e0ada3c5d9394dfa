"""Overview: the headline numbers of a chosen period and how fresh the data is."""

from __future__ import annotations

from datetime import date, timedelta

import altair as alt
import streamlit as st

from shoplake.reporting.dashboard import charts
from shoplake.reporting.dashboard import formatting as fmt
from shoplake.reporting.dashboard import queries as q
from shoplake.reporting.dashboard.marts import Marts
from shoplake.reporting.executions import ExecutionSource

PERIODS = ("All time", "Latest 12 months", "Latest 90 days", "Custom")


def choose_period(first: date, last: date, what: str = "Reviews written between") -> tuple[date, date]:
    """The period the user picked; "latest" counts back from the newest day of the data."""
    period = st.segmented_control("Period", PERIODS, default=PERIODS[0], required=True, key="period")
    if period == "Latest 12 months":
        return max(first, last - timedelta(days=364)), last
    if period == "Latest 90 days":
        return max(first, last - timedelta(days=89)), last
    if period == "Custom":
        picked = st.date_input(what, (first, last), min_value=first, max_value=last, key="range")
        if isinstance(picked, tuple) and len(picked) == 2:
            return picked[0], picked[1]
        st.caption("Pick an end date.")
        return picked[0], last
    return first, last


def render(marts: Marts, executions: ExecutionSource | None) -> None:
    st.title("Overview")
    newest = q.newest_processed_file(marts)
    bounds = q.review_date_range(marts)
    if bounds is None:
        st.info("No reviews in the warehouse yet: drop a review dump into the landing zone (or run `make demo`).")
        return
    start, end = choose_period(*bounds)
    st.caption(f"Reviews written {start:%d %b %Y} – {end:%d %b %Y}")

    o = q.overview(marts, start, end)
    top, bottom = st.columns(3), st.columns(3)
    top[0].metric("Reviews", fmt.count(o.reviews), border=True)
    top[1].metric("Products", fmt.count(o.products), border=True)
    top[2].metric("Reviewers", fmt.count(o.reviewers), border=True)
    bottom[0].metric("Average rating", fmt.rating(o.average_rating), border=True)
    bottom[1].metric(
        "Verified purchases",
        fmt.share(o.verified_share),
        help="Share of verified purchases among the reviews whose verification is known",
        border=True,
    )
    if newest is not None:
        committed_at, source_uri = newest
        bottom[2].metric(
            "Data freshness",
            fmt.ago(committed_at),
            help="Time since the newest processed file was committed",
            border=True,
        )
        st.caption(f"Newest processed file: **{fmt.file_name(source_uri)}**, committed {fmt.timestamp(committed_at)}")

    monthly = q.monthly_reviews(marts, start, end)
    if monthly.empty:
        st.info("No reviews in this period.")
        return
    left, right = st.columns(2)
    base = alt.Chart(monthly).encode(x=charts.month_x())
    left.subheader("Reviews per month")
    left.altair_chart(
        base.mark_bar().encode(
            y=charts.count_y("reviews", "Reviews"),
            tooltip=[alt.Tooltip("review_month:T", format="%b %Y"), alt.Tooltip("reviews:Q", format=",d")],
        ),
        width="stretch",
    )
    right.subheader("Average rating per month")
    right.altair_chart(
        base.mark_line(point=len(monthly) <= 36).encode(
            y=charts.rating_y(),
            tooltip=[alt.Tooltip("review_month:T", format="%b %Y"), alt.Tooltip("average_rating:Q", format=".2f")],
        ),
        width="stretch",
    )
