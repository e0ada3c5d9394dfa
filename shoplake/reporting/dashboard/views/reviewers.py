"""Reviewers: how much people review, and the unusual reviewers the reviewer_activity mart flags."""

from __future__ import annotations

import functools

import altair as alt
import streamlit as st

from shoplake.orchestration.airflow import DBT_PROJECT_DIR
from shoplake.reporting.dashboard import charts
from shoplake.reporting.dashboard import formatting as fmt
from shoplake.reporting.dashboard import queries as q
from shoplake.reporting.dashboard.marts import Marts
from shoplake.reporting.executions import ExecutionSource


@functools.cache
def unusual_threshold() -> int:
    """dbt's var('unusual_reviews_per_day') in this checkout's dbt project, the rule the mart flags
    reviewers by (read once per server)."""
    import yaml

    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    return int(project["vars"]["unusual_reviews_per_day"])


def render(marts: Marts, executions: ExecutionSource | None) -> None:
    st.title("Reviewers")
    s = q.reviewer_summary(marts)
    if s.reviewers == 0:
        st.info("No reviewers in the warehouse yet.")
        return
    cols = st.columns(4)
    per_reviewer = "–" if s.reviews_per_reviewer is None else f"{s.reviews_per_reviewer:.2f}"
    cols[0].metric("Reviewers", fmt.count(s.reviewers), border=True)
    cols[1].metric("Reviews per reviewer", per_reviewer, border=True)
    cols[2].metric("Wrote one review", fmt.share(s.one_review_share), border=True)
    cols[3].metric("Unusual reviewers", fmt.count(s.unusual), border=True)

    st.subheader("Activity distribution")
    distribution = q.activity_distribution(marts)
    st.altair_chart(
        alt.Chart(distribution)
        .mark_bar()
        .encode(
            x=alt.X(
                "reviews_written:N",
                title="Reviews written",
                sort=list(q.ACTIVITY_BUCKETS),
                axis=alt.Axis(labelAngle=0),
            ),
            y=charts.count_y("reviewers", "Reviewers"),
            tooltip=[
                alt.Tooltip("reviews_written:N", title="Reviews written"),
                alt.Tooltip("reviewers:Q", title="Reviewers", format=",d"),
            ],
        )
        .properties(height=260),
        width="stretch",
    )

    st.subheader("Unusual reviewers")
    st.caption(
        f"Flagged by the reviewer_activity mart: at least {unusual_threshold()} reviews on one day "
        "(dbt var `unusual_reviews_per_day`)."
    )
    unusual = q.unusual_reviewers(marts)
    if unusual.empty:
        st.success("No reviewer is flagged.")
        return
    st.dataframe(
        unusual,
        hide_index=True,
        column_config={
            "reviewer_id": st.column_config.TextColumn("Reviewer"),
            "reviewer_name": st.column_config.TextColumn("Name"),
            "review_count": st.column_config.NumberColumn("Reviews", format="localized"),
            "max_reviews_in_one_day": st.column_config.NumberColumn("Most in one day", format="localized"),
            "active_days": st.column_config.NumberColumn("Active days", format="localized"),
            "distinct_products": st.column_config.NumberColumn("Products", format="localized"),
            "average_rating_given": st.column_config.NumberColumn("Average given", format="%.2f ★"),
            "five_star_share": st.column_config.NumberColumn("Five stars", format="percent"),
            "verified_share": st.column_config.NumberColumn("Verified", format="percent"),
        },
    )
