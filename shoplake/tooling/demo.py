"""``shoplake demo``: a day of the shop's files in, the event-driven flow, and what came out.

Every registered dataset contributes its demo files (``demo_files`` of its sample module: one
day of the simulated shop, under ``date=`` partitions, plus the Amazon review dumps); all of them
are landed in one batch, each runs through the state machine, then one transform builds the
marts. The demo prints, per file, the reconciliation (read = processed + quarantined +
duplicates) and whether the counts match the sample's truth; per dataset, what reached the marts.
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
from shoplake.datasets.shop import DemoFile
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


def demo_files(samples: Path, rows: int, day: date = DEMO_DAY) -> list[DemoFile]:
    """Every registered dataset's demo files."""
    files: list[DemoFile] = []
    for name in DATASETS:
        files.extend(sample_module(name).demo_files(samples / name, rows, day))
    return files


def run_demo(*, rows: int = 50_000, console: Console, fresh: bool = True) -> int:
    from shoplake.local.runtime import LocalCloud

    home = shoplake_home()
    if fresh and home.exists():
        shutil.rmtree(home)
    samples = home / "samples"
    wall = time.perf_counter()

    console.rule("[bold]shoplake demo")
    console.print(f"SHOPLAKE_HOME = {home}")
    files = demo_files(samples, rows)
    console.print(
        f"made {len(files)} files for {len(DATASETS)} datasets ({', '.join(DATASETS)}): one day ({DEMO_DAY}) of the "
        f"shop under date= partitions, Amazon review dumps, and a file that gets rejected"
    )

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
    spark_seconds = first.get("Clean records", 0) + first.get("Flatten records", 0)
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

    queries: dict[str, str] = dict(PIPELINE_QUERIES)
    for name in DATASETS:
        queries |= getattr(sample_module(name), "DEMO_QUERIES", {})
    with access.reading(home / "warehouse.duckdb") as readable, duckdb.connect(str(readable), read_only=True) as con:
        for title, query in queries.items():
            try:
                cur = con.execute(query)
            except duckdb.Error as exc:
                console.print(f"[bold red]{title}: {exc}[/]")
                ok = False
                continue
            console.print(render_table([d[0] for d in cur.description], cur.fetchall(), title))
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
