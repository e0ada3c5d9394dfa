"""Dashboard: time to render each page on the demo data, with a cold and a warm query cache.

Uses a warehouse that holds the demo data (``--home``; without it, ``shoplake demo`` runs into a
temporary SHOPLAKE_HOME first). Each page is rendered by Streamlit's AppTest exactly as the app
renders it (every query of the page against the DuckDB file, the charts built); "cold" clears the
query cache first (what the first visitor after a refresh waits for), "warm" is the next render
(answers cached for 60 s). Prints the median of ``--repeat`` renders per page.

    python bench/dashboard.py [--home DIR] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from demo_data import demo_home

PAGES = (
    "overview", "sales", "customers", "funnel", "recommendations", "returns", "products", "reviewers",
    "pipeline_health", "data_quality",
)  # fmt: skip


def render_seconds(page: str, *, cold: bool) -> float:
    from streamlit.testing.v1 import AppTest

    from shoplake.reporting.dashboard.context import _cached_query

    script = "from shoplake.reporting.dashboard.context import run_page\n"
    script += f"from shoplake.reporting.dashboard.views import {page}\n"
    script += f"run_page({page}.render)\n"
    at = AppTest.from_string(script, default_timeout=120)
    if cold:
        _cached_query.clear()
    started = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - started
    if at.exception or at.error:
        sys.exit(f"{page}: {[e.value for e in at.exception] + [e.value for e in at.error]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, help="a SHOPLAKE_HOME holding the demo data (default: run the demo)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    home = (args.home or demo_home("dashboard")).resolve()
    os.environ["SHOPLAKE_HOME"] = str(home)
    os.environ.pop("DASHBOARD_WAREHOUSE", None)
    import duckdb

    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        (reviews,) = con.execute("select count(*) from marts.fct_reviews").fetchone()
    print(f"warehouse: {home / 'warehouse.duckdb'} ({reviews:,} reviews in marts.fct_reviews)")
    render_seconds("overview", cold=True)  # imports and the first DuckDB open, not counted

    print(f"{'page':<18}{'cold cache (s)':>16}{'warm cache (s)':>16}   median of {args.repeat}")
    for page in PAGES:
        cold, warm = [], []
        for _ in range(args.repeat):
            cold.append(render_seconds(page, cold=True))
            warm.append(render_seconds(page, cold=False))
        print(f"{page:<18}{statistics.median(cold):>16.3f}{statistics.median(warm):>16.3f}")


if __name__ == "__main__":
    main()
