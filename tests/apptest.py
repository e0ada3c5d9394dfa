"""Rendering one dashboard page under Streamlit's AppTest, as the app renders it."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def page(name: str) -> AppTest:
    """The page module ``views/<name>.py`` run through the app's own entry (``run_page``)."""
    script = (
        "from shoplake.reporting.dashboard.context import run_page\n"
        f"from shoplake.reporting.dashboard.views import {name}\n"
        f"run_page({name}.render)\n"
    )
    return AppTest.from_string(script, default_timeout=60)


def shown(at: AppTest) -> dict[str, str]:
    """The page's metrics {label: value}, after checking it raised and showed no error."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return {m.label: m.value for m in at.metric}
