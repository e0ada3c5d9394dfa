"""``shoplake demo``: a day of the shop's files in, the event-driven flow, and what came out.

Every registered dataset contributes its demo files (``demo_files`` of its sample module: three
months of the simulated shop as history exports under ``date=`` partitions, the catalogue, two
weeks of the cart service's export and the demo day as the scheduled cart generator writes it,
plus the Amazon review dumps); all of them are landed in one batch, each runs through the state
machine, then one transform builds the marts, and its "Marts Rebuilt" event has the promotions
exported to the consumption zone. The demo prints, per file, the reconciliation (read =
processed + quarantined + duplicates) and whether the counts match the sample's truth; per
dataset, what reached the marts; the answers to the shop's questions, abandoned carts and
promotions among them; and what the data-quality checks found.
"""

from __future__ import annotations

import shutil
import time
from datetime import date
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from shoplake.core.storage import shoplake_home
from shoplake.core.warehouse import access
from shoplake.datasets import DATASETS, sample_module
from shoplake.datasets.shop import HISTORY_DAYS, TRACKER_OUTAGE, DemoFile
from shoplake.local.stack import bucket_name
from shoplake.tooling.console import ingest_with_progress, render_table, transform_line

DEMO_DAY = date(2026, 12, 1)

PIPELINE_QUERIES = {
    "Pipeline health per dataset (marts.pipeline_health_daily)": """
        select dataset, sum(files) as files, sum(records_read) as records_read, sum(processed) as processed,
               sum(quarantined) as quarantined, sum(duplicates) as duplicates,
               round(sum(quarantined) / sum(records_read), 4) as quarantine_rate
        from marts.pipeline_health_daily group by dataset order by dataset""",
    "Quarantine reasons (marts.fct_quarantine_reasons, current runs)": """
        select dataset, quarantine_reason, sum(records) as records
        from marts.fct_quarantine_reasons where is_current_run
        group by dataset, quarantine_reason order by dataset, records desc, quarantine_reason""",
}


# The shop's seven questions (the marts of dbt/models/marts/{sales,customers,behaviour}), its
# abandoned carts (marts/carts), and what the data-quality checks found. "The last full month" is
# the month before the newest.
LAST_FULL_MONTH = (
    "(select max(month) from marts.revenue_monthly where month < (select max(month) from marts.revenue_monthly))"
)
QUESTIONS = {
    "1. Top-selling product of each category, last full month (marts.product_sales_monthly)": f"""
        select category, product_id, units_sold, net_revenue, returned_units
        from marts.product_sales_monthly
        where month = {LAST_FULL_MONTH} and category_rank = 1
        order by net_revenue desc, category, product_id""",
    "2. Customer lifetime value: the top five (marts.customer_lifetime_value)": """
        select customer_id, first_order_date, orders, net_revenue, round(average_order_value, 2) as aov, tenure_days
        from marts.customer_lifetime_value order by net_revenue desc, customer_id limit 5""",
    "2. Cohort retention, one month after the first order (marts.customer_cohorts)": """
        select cohort_month, cohort_customers, customers_active, round(retention_share, 3) as retention,
               round(cumulative_net_revenue_per_customer, 2) as net_per_customer
        from marts.customer_cohorts where months_since = 1 order by cohort_month""",
    "3. Conversion funnel by device (marts.funnel_daily)": """
        select device, sum(sessions) as sessions, sum(product_view_sessions) as viewed,
               sum(add_to_cart_sessions) as added, sum(purchase_sessions) as purchased,
               round(sum(purchase_sessions) / sum(sessions), 4) as conversion
        from marts.funnel_daily group by device order by sessions desc""",
    "4. Bought together: the strongest pairs (marts.products_bought_together)": """
        select product_id, other_product_id, orders_together, round(confidence, 3) as confidence, round(lift, 2) as lift
        from marts.products_bought_together where product_id < other_product_id
        order by orders_together desc, lift desc, product_id, other_product_id limit 5""",
    "5. Revenue by month (marts.revenue_monthly)": """
        select month, orders, net_revenue, round(average_order_value, 2) as aov, round(mom_growth, 3) as mom_growth
        from marts.revenue_monthly order by month""",
    "6. Customer segments (marts.customer_segments)": """
        select segment, count(*) as customers, round(avg(recency_days), 1) as avg_recency_days,
               round(avg(frequency), 2) as avg_orders, round(avg(monetary), 2) as avg_net_revenue
        from marts.customer_segments group by segment order by avg_net_revenue desc""",
    "7. Return rates by category (marts.return_rates)": """
        select category, sum(units_sold) as units_sold, sum(goods_returned_units) as returned,
               sum(refunded_units) as refunded, round(sum(returned_units) / sum(units_sold), 4) as return_rate
        from marts.return_rates group by category order by return_rate desc, category""",
    "8. Carts left behind: the most abandoned products (marts.product_abandonment)": """
        select abandoned.product_id, products.product_name, abandoned.carts_with_product, abandoned.carts_abandoned,
               abandoned.units_abandoned, abandoned.value_abandoned,
               round(abandoned.abandonment_rate, 3) as abandonment_rate
        from marts.product_abandonment as abandoned
        left join marts.dim_products as products on abandoned.product_id = products.product_id
        order by abandoned.value_abandoned desc, abandoned.product_id limit 5""",
    "8. What to promote to three customers (marts.customer_promotions, exported to the consumption zone)": """
        with top_customers as (
            select customer_id, sum(value_abandoned) as left_behind from marts.customer_promotions
            group by customer_id order by left_behind desc, customer_id limit 3
        )
        select promotions.customer_id, promotions.rank, promotions.product_id, products.product_name,
               promotions.value_abandoned, promotions.last_activity
        from marts.customer_promotions as promotions
        inner join top_customers on promotions.customer_id = top_customers.customer_id
        left join marts.dim_products as products on promotions.product_id = products.product_id
        order by top_customers.left_behind desc, promotions.customer_id, promotions.rank""",
    "8. Abandonment and recovery, the last week (marts.cart_abandonment_daily)": """
        select date, carts, carts_checked_out, carts_abandoned, carts_open, carts_recovered,
               round(abandonment_rate, 3) as abandonment_rate, round(recovery_rate, 3) as recovery_rate,
               value_abandoned
        from marts.cart_abandonment_daily order by date desc limit 7""",
    "Data quality: the latest checks that did not pass (marts.dq_check_results)": """
        select dataset, check_name, date, observed, expected, status, message
        from marts.dq_check_results as results
        where status != 'pass'
          and checked_at = (select max(checked_at) from marts.dq_check_results as newest
                            where newest.dataset = results.dataset)
        order by status, dataset, check_name, date""",
    "Data quality: the latest checks per dataset (marts.dq_check_results)": """
        select dataset, count(*) as checks, sum(case when status = 'pass' then 1 else 0 end) as passed,
               sum(case when status = 'warn' then 1 else 0 end) as warned,
               sum(case when status = 'fail' then 1 else 0 end) as failed
        from marts.dq_check_results as results
        where checked_at = (select max(checked_at) from marts.dq_check_results as newest
                            where newest.dataset = results.dataset)
        group by dataset order by dataset""",
}


def demo_files(samples: Path, rows: int, day: date = DEMO_DAY) -> list[DemoFile]:
    """Every registered dataset's demo files."""
    files: list[DemoFile] = []
    for name in DATASETS:
        files.extend(sample_module(name).demo_files(samples / name, rows, day))
    return files


# The order database's part of the demo: traffic while the files ingest (a few minutes of it), then
# two captures, the second of a short burst only.
TRAFFIC_RATE, TRAFFIC_SECONDS = 6.0, 150.0
BURST_RATE, BURST_SECONDS = 10.0, 3.0
DEMO_CDC_LAG_SECONDS = 1.0

CITY_QUERY = """
    select city, sum(orders) as orders, sum(cancelled_orders) as cancelled, sum(revenue) as revenue,
           round(sum(revenue) / nullif(sum(orders) - sum(cancelled_orders), 0), 2) as average_order_value,
           sum(premium_orders) as premium_orders,
           round(sum(premium_revenue) / nullif(sum(revenue), 0), 3) as premium_share,
           round(cast(sum(cancelled_orders) as double) / sum(orders), 3) as cancellation_rate
    from marts.city_sales_daily group by city order by revenue desc, city"""


class Traffic:
    """The order system's traffic in a thread (shoplake.tooling.simulate)."""

    def __init__(self, uri: str, *, rate: float, seconds: float, seed: int):
        import threading

        from shoplake.tooling.simulate import simulate

        self.result = None
        self.error: BaseException | None = None

        def run() -> None:
            try:
                self.result = simulate(uri, rate=rate, duration=seconds, seed=seed)
            except BaseException as exc:  # reported by join()
                self.error = exc

        self.thread = threading.Thread(target=run, name="order-traffic", daemon=True)
        self.thread.start()

    def join(self):
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.result


def stop_source(home: Path) -> None:
    """Stop a local operational database left running under ``home`` (before the home goes)."""
    from shoplake.local.postgres import LocalPostgres

    if (home / "postgres" / "data").exists():
        LocalPostgres(home).stop()


def capture_phase(home: Path, console: Console, uri: str, traffic: Traffic) -> bool:
    """Two captures of the order database (the first takes the traffic so far, the second a short
    burst), the city metrics, the order statuses and the capture ledger."""
    from shoplake.local.runtime import LocalCloud
    from shoplake.tooling.capture import capture, ledger
    from shoplake.tooling.simulate import simulate

    console.rule("[bold]The order database: change data capture from PostgreSQL")
    first_traffic = traffic.join()
    console.print(f"traffic on the order database while the files ran: {first_traffic.describe()}")
    ok = True
    runs = []
    committed = first_traffic.operations.copy()
    with LocalCloud(cdc_lag_seconds=DEMO_CDC_LAG_SECONDS) as cloud:
        for label in ("first capture (the first load of every table)", "second capture (a short burst)"):
            if runs:
                burst = simulate(uri, rate=BURST_RATE, duration=BURST_SECONDS, seed=8)
                committed.update(burst.operations)
                console.print(f"a burst of traffic: {burst.describe()}")
            time.sleep(DEMO_CDC_LAG_SECONDS)  # what the last writes committed is older than the lag
            started = time.perf_counter()
            with console.status(f"[bold]{label}…[/]") as status:
                run = capture(cloud, uri, on_state=lambda x, st=status: st.update(f"{x}…"))
            runs.append(run)
            console.print(f"{label}: {run.describe()} in {time.perf_counter() - started:.1f} s")
            for r in run.results:
                c = r.counts
                console.print(f"  {r.status:<9} {r.file}  {c['processed']:,} processed, "
                              f"{c['quarantined']:,} quarantined, {c['duplicates']:,} duplicates")  # fmt: skip
                ok &= r.status == "SUCCEEDED"
            if run.transform is not None:
                console.print(f"  └ {transform_line(run.transform)}")
                ok &= run.transform["state"] == "success"
    with access.reading(home / "warehouse.duckdb") as readable, duckdb.connect(str(readable), read_only=True) as con:
        cur = con.execute(CITY_QUERY)
        title = "Sales by the customer's city when they ordered (marts.city_sales_daily)"
        console.print(render_table([d[0] for d in cur.description], cur.fetchall(), title))
        cur = con.execute("select status, sum(orders) as orders, sum(stuck_pending) as stuck_pending "
                          "from marts.order_status_daily group by status order by orders desc")  # fmt: skip
        console.print(render_table([d[0] for d in cur.description], cur.fetchall(),
                                   "Orders by status now (marts.order_status_daily)"))  # fmt: skip
        rows = ledger(uri, con)
    changes = {"order": "inserts", "advance": "updates", "move": "updates", "reprice": "updates",
               "delete": "deletes"}  # fmt: skip
    console.print(render_table(
        ["table", "rows in source", "rows in silver", "deletions in source", "tombstones captured",
         "versions captured", "newest change captured"],
        [(r["table"], r["source_rows"], r["silver_rows"], r["source_deletions"], r["tombstones"],
          r["versions_captured"], str(r["newest_captured"])) for r in rows],
        "The capture ledger: the source now against what reached the lake",
    ))  # fmt: skip
    by_kind = {kind: sum(n for op, n in committed.items() if changes.get(op) == kind) for kind in
               ("inserts", "updates", "deletes")}  # fmt: skip
    console.print(
        f"the simulated traffic committed {by_kind['inserts']:,} new orders, {by_kind['updates']:,} updates and "
        f"{by_kind['deletes']:,} deletions (besides seeding the customers and products); a row changed twice "
        "between two captures is captured once, as its newer version"
    )
    matches = all(r["source_rows"] == r["silver_rows"] and r["source_deletions"] == r["tombstones"] for r in rows)
    console.print(
        "silver equals the source, table by table, and every deletion reached the lake as a tombstone"
        if matches
        else "[bold red]silver and the source disagree[/]"
    )
    first, second = runs[0].changes, runs[-1].changes
    console.print(f"batch sizes: the first capture {first:,} changes, the second {second:,}")
    return ok and matches and second < first


def run_demo(*, rows: int = 50_000, console: Console, fresh: bool = True) -> int:
    from shoplake.local.postgres import LocalPostgres
    from shoplake.local.runtime import LocalCloud

    home = shoplake_home()
    if fresh and home.exists():
        stop_source(home)
        shutil.rmtree(home)
    samples = home / "samples"
    wall = time.perf_counter()

    console.rule("[bold]shoplake demo")
    console.print(f"SHOPLAKE_HOME = {home}")
    files = demo_files(samples, rows)
    console.print(
        f"made {len(files)} files for {len({f.dataset for f in files})} datasets "
        f"({', '.join(dict.fromkeys(f.dataset for f in files))}): the shop's last "
        f"{HISTORY_DAYS} days up to {DEMO_DAY} (orders, visits, its own reviews; the tracker lost most of "
        f"{TRACKER_OUTAGE}) and its catalogue under date= partitions, two weeks of cart events and the "
        f"generator's file of {DEMO_DAY}, Amazon review dumps, and a file that gets rejected"
    )

    source = LocalPostgres(home)
    uri = source.start().uri
    console.print(f"the order database (PostgreSQL {source.server_version()}) is up under {source.pgdata}; "
                  f"its traffic runs while the files are processed")  # fmt: skip
    traffic = Traffic(uri, rate=TRAFFIC_RATE, seconds=TRAFFIC_SECONDS, seed=7)

    ok = True
    with LocalCloud() as cloud:
        results = ingest_with_progress(
            cloud, [(f.path, f.dataset, f.day and f.day.isoformat()) for f in files], console
        )

    summary = Table(title="Files: every record processed, quarantined or counted as a duplicate", title_justify="left")
    for col in ("dataset", "file", "status", "read", "processed", "quarantined", "duplicates", "reconciles", "truth"):
        summary.add_column(col)
    for f, r in zip(files, results, strict=True):
        c = r.counts
        reconciles = c["records_read"] == c["processed"] + c["quarantined"] + c["duplicates"]
        if f.stats is not None:
            want = (f.stats.valid, f.stats.corrupt, f.stats.duplicates)
            truth_ok = (c["processed"], c["quarantined"], c["duplicates"]) == want and r.status == "SUCCEEDED"
            truth = "yes" if truth_ok else f"NO (expected {want[0]}/{want[1]}/{want[2]})"
        else:
            truth_ok = r.status == "REJECTED" and (r.rejection or {}).get("reason") == f.rejection
            truth = f"rejected as expected ({f.rejection})" if truth_ok else f"NO (expected {f.rejection})"
        ok &= truth_ok and reconciles
        summary.add_row(
            f.dataset,
            r.source_uri.split("/", 3)[-1],
            r.status + (f" ({r.rejection['reason']})" if r.rejection else ""),
            *(f"{c[k]:,}" for k in ("records_read", "processed", "quarantined", "duplicates")),
            "yes" if reconciles else "NO",
            truth,
        )
    console.print(summary)

    steps = Table(title="Time per step (seconds)", title_justify="left")
    step_names = list(dict.fromkeys(s["state"] for r in results for s in r.steps))
    step_names = [n for n in step_names if n not in ("Published", "Check for new content", "Rejected")]
    steps.add_column("file")
    for name in step_names:
        steps.add_column(name)
    steps.add_column("total")
    for r in results:
        by_name = {s["state"]: s["seconds"] for s in r.steps}
        steps.add_row(
            Path(r.file).name, *(f"{by_name[n]:.2f}" if n in by_name else "—" for n in step_names), f"{r.seconds:.2f}"
        )
    console.print(steps)
    first = {s["state"]: s["seconds"] for s in results[0].steps}
    spark_steps = ("Clean records", "Flatten records", "Clean and flatten records")
    spark_seconds = sum(first.get(step, 0) for step in spark_steps)
    if spark_seconds:
        console.print(
            f"clean + flatten of {results[0].counts['records_read']:,} records: {spark_seconds:.1f} s "
            f"= {results[0].counts['records_read'] / spark_seconds:,.0f} rows/s "
            "(the first file's clean also pays the Spark JVM start)"
        )

    transform = next((r.transform for r in results if r.transform is not None), None)
    if transform is None:
        console.print("[bold red]no transform ran[/]")
        ok = False
    else:
        console.print(f"one transform after {len(files)} files: {transform_line(transform)}")
        ok &= transform["state"] == "success"
        exported = [d["result"] for d in transform.get("deliveries") or [] if (d.get("result") or {}).get("exported")]
        if not exported:
            console.print("[bold red]the promotions were not exported[/]")
            ok = False
        for manifest in exported:
            console.print(
                f"promotions for the promotion application: {home}/lake/{bucket_name('consumption')}/promotions/"
                f"date={manifest['date']}/promotion_data.csv (+ .parquet, _manifest.json)"
            )

    queries: dict[str, str] = dict(PIPELINE_QUERIES)
    for name in DATASETS:
        queries |= getattr(sample_module(name), "DEMO_QUERIES", {})
    queries |= QUESTIONS
    with access.reading(home / "warehouse.duckdb") as readable, duckdb.connect(str(readable), read_only=True) as con:
        for title, query in queries.items():
            try:
                cur = con.execute(query)
            except duckdb.Error as exc:
                console.print(f"[bold red]{title}: {exc}[/]")
                ok = False
                continue
            console.print(render_table([d[0] for d in cur.description], cur.fetchall(), title))
    try:
        ok &= capture_phase(home, console, uri, traffic)
    finally:
        source.stop()
        console.print("the order database is stopped again (`shoplake source start` starts it)")
    console.print(f"demo wall time (after setup): {time.perf_counter() - wall:.1f} s")
    console.print(
        "next: [bold]make dashboard[/] (or [bold].venv/bin/shoplake dashboard[/]) and open "
        "http://127.0.0.1:8501/ for the analytics and pipeline health; "
        '[bold]shoplake sql "select * from marts.fct_reviews limit 5"[/], [bold]shoplake runs[/], '
        "[bold]shoplake up[/] (then drop files into .shoplake/landing/<dataset>/)"
    )
    if not ok:
        console.print("[bold red]the demo's counts did not come out as expected[/]")
    return 0 if ok else 1
