"""What every page needs: the marts (cached per query), the executions, and clear errors."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from shoplake.core.errors import ConfigurationError
from shoplake.reporting.dashboard.launch import app_overrides
from shoplake.reporting.dashboard.marts import (
    DashboardSettings,
    Marts,
    WarehouseUnavailable,
    executions_from_settings,
    marts_from_settings,
)
from shoplake.reporting.executions import Execution, ExecutionSource

# How long a query's answer is reused; "Refresh data" in the sidebar drops them all.
CACHE_SECONDS = 60


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False, max_entries=500)
def _cached_query(_marts: Marts, cache_key: str, sql: str, params: tuple[Any, ...]) -> pd.DataFrame:
    return _marts.query(sql, params)


class CachedMarts:
    """A :class:`Marts` whose answers are kept for ``CACHE_SECONDS`` (keyed by warehouse, SQL, parameters)."""

    def __init__(self, inner: Marts):
        self.inner = inner
        self.description = inner.description
        self.cache_key = inner.cache_key

    def query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        # st.cache_data hands every caller its own copy of the frame
        return _cached_query(self.inner, self.cache_key, sql, tuple(params))


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False, max_entries=50)
def _cached_executions(_source: ExecutionSource, cache_key: str, limit: int) -> list[Execution]:
    return _source.recent(limit)


class CachedExecutions:
    """An :class:`ExecutionSource` whose answer is kept for ``CACHE_SECONDS`` (Step Functions: one
    ListExecutions and a DescribeExecution per row, not on every rerun)."""

    def __init__(self, inner: ExecutionSource):
        self.inner = inner
        self.description = inner.description
        self.cache_key = inner.cache_key

    def recent(self, limit: int = 20) -> list[Execution]:
        return _cached_executions(self.inner, self.inner.cache_key, limit)


@st.cache_resource(show_spinner=False)
def _shared_marts(settings_key: str, _settings: DashboardSettings) -> Marts:
    """One reader per configuration for the whole server (Snowflake: one connection, shared)."""
    return marts_from_settings(_settings)


def _sources() -> tuple[Marts, ExecutionSource | None]:
    settings = DashboardSettings.load(**app_overrides(sys.argv[1:]))
    marts = _shared_marts(settings.model_dump_json(), settings)
    executions = executions_from_settings(settings)
    return CachedMarts(marts), CachedExecutions(executions) if executions is not None else None


def run_page(render: Callable[[Marts, ExecutionSource | None], None]) -> None:
    """Render a page; a warehouse that cannot be read is shown as the reason, not a traceback."""
    try:
        marts, executions = _sources()
        with st.sidebar:
            st.caption(f"Reading {marts.description}")
            if st.button("Refresh data", help=f"Answers are kept for {CACHE_SECONDS} s"):
                _cached_query.clear()
                _cached_executions.clear()
        render(marts, executions)
    except (WarehouseUnavailable, ConfigurationError) as exc:
        st.error(str(exc))
