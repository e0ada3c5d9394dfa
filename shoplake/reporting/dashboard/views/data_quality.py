"""Data quality: each dataset's latest checks (failures first) and the history of one check."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from shoplake.reporting.dashboard import formatting as fmt
from shoplake.reporting.dashboard import shop_queries as q
from shoplake.reporting.dashboard.marts import Marts
from shoplake.reporting.executions import ExecutionSource

STATUS_COLOURS = {"pass": "#54a24b", "warn": "#f58518", "fail": "#e45756"}
STATUS_SCALE = alt.Scale(domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values()))


def render(marts: Marts, executions: ExecutionSource | None) -> None:
    st.title("Data quality")
    latest = q.dq_latest(marts)
    if not len(latest):
        st.info("No checks have run yet: they run with every transform.")
        return
    counts = q.dq_status_counts(marts)
    cols = st.columns(4)
    cols[0].metric("Failing checks", fmt.count(counts["fail"]), border=True,
                   help="A failing check stops the marts built on its dataset")  # fmt: skip
    cols[1].metric("Warnings", fmt.count(counts["warn"]), border=True, help="Reported; nothing stops")
    cols[2].metric("Passing checks", fmt.count(counts["pass"]), border=True)
    newest = pd.Timestamp(latest["checked_at"].max()).to_pydatetime()
    cols[3].metric("Last checked", fmt.ago(newest), border=True, help=fmt.timestamp(newest))

    st.subheader("Latest checks")
    show_passing = st.toggle("Show passing checks", value=False, key="dq_show_passing")
    shown = latest if show_passing else latest[latest["status"] != "pass"]
    if not len(shown):
        st.success("Every check passed.")
    else:
        st.dataframe(
            shown.drop(columns=["checked_at"]),
            hide_index=True,
            column_config={
                "status": st.column_config.TextColumn("Status"),
                "dataset": st.column_config.TextColumn("Dataset"),
                "check_name": st.column_config.TextColumn("Check"),
                "date": st.column_config.DateColumn("Day", format="YYYY-MM-DD"),
                "observed": st.column_config.NumberColumn("Observed", format="%.4g"),
                "expected": st.column_config.NumberColumn("Expected", format="%.4g"),
                "message": st.column_config.TextColumn("What it found", width="large"),
            },
        )

    st.subheader("History of a check")
    # the checks that did not pass first (so the first shown is one worth a look)
    flagged = list(dict.fromkeys(zip(shown["dataset"], shown["check_name"], strict=True))) if len(shown) else []
    checks = [*flagged, *(c for c in q.dq_checks(marts) if c not in flagged)]
    pick = st.selectbox("Check", checks, format_func=lambda c: f"{c[0]} · {c[1]}", key="dq_check")
    history = q.dq_history(marts, *pick)
    per_day = history["date"].notna().any() and pick[1] != "freshness"
    x = alt.X("date:T", title="Day") if per_day else alt.X("checked_at:T", title="Checked at")
    base = alt.Chart(history).encode(x=x)
    st.altair_chart(
        alt.layer(
            base.mark_line(color="#bbbbbb").encode(y=alt.Y("expected:Q", title="Observed (expected in grey)")),
            base.mark_circle(size=60).encode(
                y="observed:Q",
                color=alt.Color("status:N", scale=STATUS_SCALE),
                tooltip=["status:N", "message:N", alt.Tooltip("observed:Q", format=".4g"),
                         alt.Tooltip("expected:Q", format=".4g")],
            ),
        ).properties(height=260),
        width="stretch",
    )  # fmt: skip
