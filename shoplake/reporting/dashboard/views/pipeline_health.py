"""Pipeline health, every dataset or one: recent executions, records in / quarantined / duplicates per
day, quarantine reasons, a file's quarantined records."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from shoplake.reporting.dashboard import charts
from shoplake.reporting.dashboard import formatting as fmt
from shoplake.reporting.dashboard import queries as q
from shoplake.reporting.dashboard.marts import Marts
from shoplake.reporting.executions import ExecutionSource

STATUS_LABELS = {
    "SUCCEEDED": "published",
    "UNCHANGED": "unchanged",
    "REJECTED": "rejected",
    "FAILED": "failed",
    "TIMED_OUT": "timed out",
    "ABORTED": "aborted",
    "RUNNING": "running",
}
OUTCOME_COLORS = {"processed": "#4c9f70", "quarantined": "#e8a33d", "duplicates": "#8c8c8c"}


ALL_DATASETS = "All datasets"


def executions_table(executions: ExecutionSource, limit: int = 20, dataset: str | None = None) -> pd.DataFrame:
    rows = [e for e in executions.recent(limit) if dataset is None or e.dataset == dataset]
    return pd.DataFrame(
        {
            "started": [fmt.timestamp(e.started_at) for e in rows],
            "dataset": [e.dataset or "–" for e in rows],
            "file": [fmt.file_name(e.source_uri) for e in rows],
            "outcome": [STATUS_LABELS.get(e.status, e.status) for e in rows],
            "detail": [e.detail for e in rows],
            "seconds": [fmt.seconds(e.seconds) for e in rows],
            "records_read": pd.array([e.records_read for e in rows], dtype="Int64"),
            "processed": pd.array([e.processed for e in rows], dtype="Int64"),
            "quarantined": pd.array([e.quarantined for e in rows], dtype="Int64"),
            "duplicates": pd.array([e.duplicates for e in rows], dtype="Int64"),
        }
    )


def render(marts: Marts, executions: ExecutionSource | None) -> None:
    st.title("Pipeline health")
    choice = st.selectbox("Dataset", [ALL_DATASETS, *q.pipeline_datasets(marts)], key="pipeline_dataset")
    dataset = None if choice == ALL_DATASETS else choice
    t = q.pipeline_totals(marts, dataset)
    cols = st.columns(4)
    cols[0].metric("Files published", fmt.count(t.files), border=True)
    cols[1].metric("Records read", fmt.count(t.records_read), border=True)
    cols[2].metric(
        "Quarantined",
        fmt.count(t.quarantined),
        delta=fmt.share(t.quarantined / t.records_read if t.records_read else None, 2) + " of records",
        delta_color="off",
        delta_arrow="off",
        border=True,
    )
    cols[3].metric(
        "Duplicates",
        fmt.count(t.duplicates),
        delta=fmt.share(t.duplicates / t.records_read if t.records_read else None, 2) + " of records",
        delta_color="off",
        delta_arrow="off",
        border=True,
    )
    st.caption("Over the current run of every published file: records read = processed + quarantined + duplicates.")

    st.subheader("Recent executions")
    if executions is None:
        st.info("Set STATE_MACHINE_ARN to list the state machine's executions.")
    else:
        table = executions_table(executions, dataset=dataset)
        if table.empty:
            st.info("No executions yet.")
        else:
            st.caption(f"From {executions.description}")
            st.dataframe(
                table,
                hide_index=True,
                placeholder="–",
                column_config={
                    "started": "Started",
                    "dataset": "Dataset",
                    "file": "File",
                    "outcome": "Outcome",
                    "detail": "Reason",
                    "seconds": "Took",
                    "records_read": st.column_config.NumberColumn("Read", format="localized"),
                    "processed": st.column_config.NumberColumn("Processed", format="localized"),
                    "quarantined": st.column_config.NumberColumn("Quarantined", format="localized"),
                    "duplicates": st.column_config.NumberColumn("Duplicates", format="localized"),
                },
            )

    daily = q.daily_records(marts, dataset=dataset)
    if daily.empty:
        st.info("No file has been published yet.")
        return
    left, right = st.columns(2)
    left.subheader("Records per day")
    long = daily.melt(
        id_vars="committed_date", value_vars=list(OUTCOME_COLORS), var_name="outcome", value_name="records"
    )
    left.altair_chart(charts.daily_stacked_bars(long, "outcome", None, OUTCOME_COLORS), width="stretch")
    right.subheader("Quarantined by reason per day")
    reasons = q.daily_quarantine_reasons(marts, dataset=dataset)
    if reasons.empty:
        right.success("Nothing quarantined.")
    else:
        right.altair_chart(charts.daily_stacked_bars(reasons, "reason", "Reason"), width="stretch")

    totals = q.quarantine_reasons(marts, dataset)
    if not totals.empty:
        st.subheader("Quarantine reasons")
        st.dataframe(
            totals,
            hide_index=True,
            column_config={
                "dataset": "Dataset",
                "reason": "Reason",
                "description": st.column_config.TextColumn("What it means", width="large"),
                "records": st.column_config.NumberColumn("Records", format="localized"),
            },
        )

    st.subheader("Quarantined records of a file")
    files = q.files_with_quarantine(marts, dataset=dataset)
    if files.empty:
        st.success("No file has quarantined records.")
        return
    labels = {
        row.run_id: f"{row.dataset} · {fmt.file_name(row.source_uri)} · {fmt.count(int(row.quarantined))} quarantined "
        f"of {fmt.count(int(row.records_read))} · {fmt.timestamp(pd.Timestamp(row.committed_at).to_pydatetime())}"
        for row in files.itertuples()
    }
    run_id = st.selectbox("File", list(labels), format_func=labels.get, key="quarantine_file")
    records = q.quarantined_records(marts, run_id)
    st.dataframe(
        records,
        hide_index=True,
        column_config={
            "source_line_number": st.column_config.NumberColumn("Line", format="%d"),
            "quarantine_reason": "Reason",
            "raw_record": st.column_config.TextColumn("Record as it arrived", width="large"),
        },
    )
