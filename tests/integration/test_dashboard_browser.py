"""End to end: the dashboard served by ``shoplake dashboard`` on localhost, read by headless Chromium.

The machine's Debian Chromium (/usr/bin/chromium; `make test` installs it) is driven by
Playwright; Playwright's own browser download is never used. Each page's key numbers are read
from the rendered DOM, and a full-page screenshot of each is kept in test-artifacts/dashboard/.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.ports import free_port

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "dashboard"
CHROMIUM = Path(os.environ.get("SHOPLAKE_CHROMIUM", "/usr/bin/chromium"))
# Headless on a closed network: no background connections, no component updates, no sync.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

METRICS_JS = """() => Array.from(document.querySelectorAll('[data-testid="stMetric"]')).map(m => [
    m.querySelector('[data-testid="stMetricLabel"]').innerText.trim(),
    m.querySelector('[data-testid="stMetricValue"]').innerText.trim(),
])"""


def start_dashboard(home: Path, log: Path) -> tuple[subprocess.Popen, str] | None:
    """``shoplake dashboard`` (what a user runs) on a free localhost port; None if it could not take the port."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DASHBOARD_WAREHOUSE"} | {"SHOPLAKE_HOME": str(home)}
    with open(log, "w") as out:
        proc = subprocess.Popen(  # noqa: S603
            [str(Path(sys.executable).parent / "shoplake"), "dashboard", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:  # noqa: S310
                if r.read() == b"ok":
                    return proc, base
        except OSError:
            time.sleep(0.3)
    stop(proc)
    return None


def stop(proc: subprocess.Popen) -> None:
    """Stop the CLI and the streamlit server it started (one process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture(scope="module")
def server(dashboard_home):
    """The app served over the fixture warehouse (a second port is tried if another process took the first)."""
    log = dashboard_home / "streamlit.log"
    started = start_dashboard(dashboard_home, log) or start_dashboard(dashboard_home, log)
    if started is None:
        pytest.fail(f"streamlit did not start:\n{log.read_text()[-3000:]}", pytrace=False)
    proc, base = started
    yield base
    stop(proc)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US", timezone_id="UTC")
    p = context.new_page()
    yield p
    context.close()


@pytest.fixture(scope="module", autouse=True)
def artifacts():
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


def open_page(page, url: str, *, metrics: int, charts: int) -> dict[str, str]:
    """Load a page and wait until its script has finished: every metric and chart is drawn."""
    page.goto(url)
    page.wait_for_function(
        """([metrics, charts]) =>
            document.querySelectorAll('[data-testid="stMetric"]').length === metrics
            && document.querySelectorAll('[data-testid="stVegaLiteChart"] svg, [data-testid="stVegaLiteChart"] canvas')
                .length >= charts
            && !document.querySelector('[data-testid="stStatusWidget"]')""",
        arg=[metrics, charts],
        timeout=60_000,
    )
    return dict(page.evaluate(METRICS_JS))


def screenshot(page, name: str) -> Path:
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    return path


def test_overview_in_the_browser(server, page):
    metrics = open_page(page, f"{server}/", metrics=6, charts=2)
    assert {k: v for k, v in metrics.items() if k != "Data freshness"} == {
        "Reviews": "13",
        "Products": "5",
        "Reviewers": "6",
        "Average rating": "4.15 ★",
        "Verified purchases": "91.7%",
    }
    assert metrics["Data freshness"].endswith("min ago")
    assert page.get_by_text("Newest processed file: run-5.jsonl").is_visible()
    screenshot(page, "overview")

    # A click on the period changes the numbers: the latest 90 days leave out U9's burst
    page.get_by_role("radio", name="Latest 90 days").click()
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stMetric"]')]
            .some(m => m.innerText.includes('Reviews') && m.innerText.trim().endsWith('8'))""",
        timeout=30_000,
    )
    metrics = dict(page.evaluate(METRICS_JS))
    assert (metrics["Reviews"], metrics["Products"], metrics["Average rating"]) == ("8", "3", "3.62 ★")
    screenshot(page, "overview-latest-90-days")


def test_products_in_the_browser(server, page):
    metrics = open_page(page, f"{server}/products", metrics=3, charts=3)
    assert metrics == {
        "Reviews of this product": "3",
        "Its average rating": "3.67 ★",
        "Its Bayesian average": "4.04 ★",  # (10 * 54/13 + 11) / 13
    }
    for heading in ("Top 10 by Bayesian average", "Bottom 10 by Bayesian average", "Most helpful reviews"):
        assert page.get_by_role("heading", name=heading).is_visible()
    screenshot(page, "products")


def test_reviewers_in_the_browser(server, page):
    metrics = open_page(page, f"{server}/reviewers", metrics=4, charts=1)
    assert metrics == {
        "Reviewers": "6",
        "Reviews per reviewer": "2.17",
        "Wrote one review": "33.3%",
        "Unusual reviewers": "1",
    }
    assert page.get_by_text("at least 5 reviews on one day").is_visible()
    screenshot(page, "reviewers")


def test_pipeline_health_in_the_browser(server, page):
    metrics = open_page(page, f"{server}/pipeline-health", metrics=4, charts=2)
    assert metrics == {"Files published": "4", "Records read": "21", "Quarantined": "4", "Duplicates": "1"}
    assert page.get_by_text("19.05% of records").is_visible()
    assert page.get_by_role("heading", name="Recent executions").is_visible()
    # The newest file with quarantined lines is chosen first; another can be picked
    chooser = page.get_by_role("combobox", name="File")
    assert chooser.input_value().startswith("reviews · run-5.jsonl · 1 quarantined of 6 · ")
    screenshot(page, "pipeline-health")
    chooser.click()
    chooser.fill("run-2")
    page.get_by_role("option").filter(has_text=re.compile(r"^reviews · run-2\.jsonl · 2 quarantined of 6")).click()
    page.wait_for_function(
        """() => document.querySelector('input[aria-label="File"]').value.startsWith('reviews · run-2.jsonl')""",
        timeout=30_000,
    )


# -- the shop pages ---------------------------------------------------------------------------
def test_sales_in_the_browser(server, page, dashboard_home):
    from tests.integration.test_dashboard_shop import expected_sales

    metrics = open_page(page, f"{server}/sales", metrics=4, charts=2)
    assert metrics == expected_sales(dashboard_home)
    for heading in ("Revenue per day, with its 7-day average", "Top-selling products"):
        assert page.get_by_role("heading", name=heading).is_visible()
    screenshot(page, "sales")


def test_customers_in_the_browser(server, page, dashboard_home):
    from tests.integration.test_dashboard_shop import one

    metrics = open_page(page, f"{server}/customers", metrics=4, charts=3)
    (customers,) = one(dashboard_home, "select count(distinct customer_id) from marts.fct_order_lines")
    assert metrics["Customers"] == fmt_count(customers)
    assert page.get_by_role("heading", name="Cohort retention").is_visible()
    screenshot(page, "customers")


def test_funnel_in_the_browser(server, page, dashboard_home):
    from tests.integration.test_dashboard_shop import one

    metrics = open_page(page, f"{server}/funnel", metrics=5, charts=2)
    sessions, bought = one(
        dashboard_home, "select count(*), sum(case when reached_purchase then 1 else 0 end) from marts.sessions"
    )
    assert (metrics["Visits"], metrics["Purchased"]) == (fmt_count(sessions), fmt_count(bought))
    screenshot(page, "funnel")


def test_cart_abandonment_in_the_browser(server, page):
    from tests.integration.test_dashboard_shop import cart_truth, expected_cart_metrics

    metrics = open_page(page, f"{server}/cart-abandonment", metrics=5, charts=2)
    assert metrics == expected_cart_metrics()
    for heading in ("Abandonment rate per day", "Recovery rate per day", "Products left in carts most",
                    "Promotions per customer"):  # fmt: skip
        assert page.get_by_role("heading", name=heading).is_visible()
    # the customer who left the most value is chosen first
    promotions = cart_truth().promotions
    first = min(promotions, key=lambda c: (-sum(p["value_abandoned"] for p in promotions[c]), c))
    assert page.get_by_role("combobox", name="Customer").input_value().startswith(f"{first} · ")
    screenshot(page, "cart-abandonment")


def test_recommendations_returns_and_data_quality_in_the_browser(server, page, dashboard_home):
    from tests.integration.test_dashboard_shop import one

    metrics = open_page(page, f"{server}/recommendations", metrics=4, charts=0)
    assert set(metrics) == {"Views", "Added to cart", "Units sold", "View → purchase"}
    assert page.get_by_role("heading", name="Bought together").is_visible()
    screenshot(page, "recommendations")

    metrics = open_page(page, f"{server}/returns", metrics=4, charts=1)
    (refunded,) = one(dashboard_home, "select sum(quantity) from marts.fct_order_lines where status = 'refunded'")
    assert metrics["Units refunded"] == fmt_count(refunded)
    screenshot(page, "returns")

    metrics = open_page(page, f"{server}/data-quality", metrics=4, charts=1)
    (warnings,) = one(
        dashboard_home,
        "select count(*) from marts.dq_check_results r where status = 'warn' and checked_at = "
        "(select max(checked_at) from marts.dq_check_results n where n.dataset = r.dataset)",
    )
    assert (metrics["Failing checks"], metrics["Warnings"]) == ("0", fmt_count(warnings))
    screenshot(page, "data-quality")


def fmt_count(n: int) -> str:
    from shoplake.reporting.dashboard import formatting

    return formatting.count(int(n))
