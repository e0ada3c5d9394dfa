"""``shoplake demo``: sample files in, the event-driven flow, and what came out."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from shoplake.core.storage import shoplake_home
from shoplake.core.warehouse import access
from shoplake.tooling.console import ingest_with_progress, render_table, transform_line

# From the dbt marts the transform DAG builds after each publication.
MART_QUERIES = {
    "Top products by Bayesian average (marts.product_rating_summary, at least 20 reviews)": """
        select product_id, review_count, round(average_rating, 2) as average_rating,
               round(bayesian_average, 3) as bayesian_average, round(verified_share, 2) as verified_share
        from marts.product_rating_summary where review_count >= 20
        order by bayesian_average desc, product_id limit 5""",
    "Rating distribution (marts.fct_reviews)": """
        select rating, count(*) as reviews, round(100.0 * count(*) / sum(count(*)) over (), 1) as pct
        from marts.fct_reviews group by rating order by rating""",
    "Pipeline health (marts.pipeline_health_daily)": """
        select committed_date, dataset, runs, files, records_read, processed, quarantined, duplicates,
               round(quarantine_rate, 4) as quarantine_rate
        from marts.pipeline_health_daily order by committed_date desc, dataset limit 5""",
}

EXAMPLE_QUERIES = {
    "Reviews by source format": """
        select source_format, count(*) as reviews, round(avg(rating), 2) as avg_rating,
               sum(image_count) as images, round(avg(helpful_votes), 2) as avg_helpful
        from raw.reviews group by source_format order by source_format""",
    "Most reviewed products": """
        select product_id, count(*) as reviews, round(avg(rating), 2) as avg_rating,
               min(review_date) as first_review, max(review_date) as last_review
        from raw.reviews group by product_id order by reviews desc, product_id limit 5""",
    "Quarantined records by reason": """
        select reason, count(*) as records from raw.reviews_quarantine group by reason order by records desc, reason""",
    "Reviews per year (last 6)": """
        select year(review_date) as year, count(*) as reviews, round(avg(rating), 2) as avg_rating
        from raw.reviews group by year order by year desc limit 6""",
}


def run_demo(*, rows: int = 50_000, console: Console, fresh: bool = True) -> int:
    from shoplake.datasets.reviews.sample import write_sample
    from shoplake.local.runtime import LocalCloud

    home = shoplake_home()
    if fresh and home.exists():
        shutil.rmtree(home)
    samples = home / "samples"
    samples.mkdir(parents=True, exist_ok=True)
    wall = time.perf_counter()

    console.rule("[bold]shoplake demo")
    console.print(f"SHOPLAKE_HOME = {home}")
    files: list[tuple[Path, object]] = []
    big = samples / f"reviews-mixed-{rows // 1000}k.jsonl.gz"
    files.append((big, write_sample(big, rows, corrupt_share=0.02, duplicate_share=0.01, seed=7)))
    small = samples / "reviews-late-batch.ndjson"
    files.append((small, write_sample(small, max(rows // 25, 100), corrupt_share=0.05, duplicate_share=0.02, seed=11)))
    junk = samples / "notes.txt"
    junk.write_text("this is not a review dump\n")
    files.append((junk, None))
    console.print(
        f"made {len(files)} files: {big.name} ({rows:,} lines), {small.name}, and {junk.name} (to show a rejection)"
    )

    ok = True
    with LocalCloud() as cloud:
        results = ingest_with_progress(cloud, [(path, "reviews", None) for path, _ in files], console)
    for (path, _), r in zip(files, results, strict=True):
        console.print(f"  {r.status:<9} {path.name} ({r.seconds:.1f} s)")
    transform = next((r.transform for r in results if r.transform is not None), None)
    if transform is not None:
        console.print(f"  {transform_line(transform)}")
        ok &= transform["state"] == "success"

    summary = Table(title="Files: every line processed, quarantined or counted as a duplicate", title_justify="left")
    for col in (
        "file",
        "status",
        "records read",
        "processed",
        "quarantined",
        "duplicates",
        "reconciles",
        "matches sample",
    ):
        summary.add_column(col)
    for (path, stats), r in zip(files, results, strict=True):
        c = r.counts
        reconciles = c["records_read"] == c["processed"] + c["quarantined"] + c["duplicates"]
        truth = "—"
        if stats is not None:
            truth_ok = (c["processed"], c["quarantined"], c["duplicates"]) == (
                stats.valid,
                stats.corrupt,
                stats.duplicates,
            )
            truth = "yes" if truth_ok else f"NO (expected {stats.valid}/{stats.corrupt}/{stats.duplicates})"
            ok &= truth_ok and r.status == "SUCCEEDED"
        else:
            ok &= r.status == "REJECTED"
        ok &= reconciles
        summary.add_row(
            path.name,
            r.status + (f" ({r.rejection['reason']})" if r.rejection else ""),
            *(f"{c[k]:,}" for k in ("records_read", "processed", "quarantined", "duplicates")),
            "yes" if reconciles else "NO",
            truth,
        )
    console.print(summary)

    steps = Table(title="Time per step (seconds)", title_justify="left")
    step_names = [s["state"] for s in results[0].steps if s["state"] not in ("Published", "Check for new content")]
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
    spark_seconds = first.get("Clean records", 0) + first.get("Flatten records", 0)
    if spark_seconds:
        console.print(
            f"clean + flatten of {results[0].counts['records_read']:,} lines: {spark_seconds:.1f} s "
            f"= {results[0].counts['records_read'] / spark_seconds:,.0f} rows/s "
            "(the first file's clean also pays the Spark JVM start)"
        )

    with access.reading(home / "warehouse.duckdb") as readable, duckdb.connect(str(readable), read_only=True) as con:
        for title, query in {**EXAMPLE_QUERIES, **MART_QUERIES}.items():
            cur = con.execute(query)
            console.print(render_table([d[0] for d in cur.description], cur.fetchall(), title))
    console.print(f"demo wall time (after setup): {time.perf_counter() - wall:.1f} s")
    console.print(
        "next: [bold]make dashboard[/] (or [bold].venv/bin/shoplake dashboard[/]) and open "
        "http://127.0.0.1:8501/ for the review analytics and pipeline health; "
        '[bold]shoplake sql "select * from marts.fct_reviews limit 5"[/], [bold]shoplake runs[/], '
        "[bold]shoplake up[/] (then drop files into .shoplake/landing/)"
    )
    if not ok:
        console.print("[bold red]the demo's counts did not come out as expected[/]")
    return 0 if ok else 1
