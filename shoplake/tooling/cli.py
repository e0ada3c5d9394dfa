"""``shoplake``: run the platform on one machine.

Every command works on ``$SHOPLAKE_HOME`` (default ``./.shoplake``): the lake (S3 stand-in),
the DuckDB warehouse, run records and samples.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from datetime import date
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from shoplake.core.storage import shoplake_home
from shoplake.tooling.console import (
    STATUS_STYLE,
    compaction_line,
    format_value,
    ingest_with_progress,
    render_table,
    transform_line,
)
from shoplake.tooling.snowflake.cli import snowflake_cli

# Wide enough for the tables when output is not a terminal (CI logs, pipes).
console = Console(stderr=True)
out = Console(width=None if Console().is_terminal else 140)


@click.group()
@click.version_option(package_name="shoplake")
def main() -> None:
    """shoplake — event-driven analytics for e-commerce data, on one machine."""


def _counts_line(r) -> str:
    c = r.counts
    line = (
        f"records_read={c['records_read']} processed={c['processed']} "
        f"quarantined={c['quarantined']} duplicates={c['duplicates']}"
    )
    if r.unchanged:
        line += " (unchanged: already published)"
    if r.rejection:
        line += f" reason={r.rejection['reason']}: {r.rejection['message']}"
    if r.error:
        line += f" error={r.error['error']}"
    return line


def _date(ctx, param, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def landing_plan(args: tuple[str, ...], dataset: str, day: str | None) -> list[tuple[Path, str, str | None]]:
    """(file, dataset, date) of each FILE argument: ``FILE`` lands under ``--dataset``,
    ``NAME:FILE`` under the dataset NAME (so one call can take files of several datasets)."""
    from shoplake.datasets import DATASETS

    plan = []
    for arg in args:
        name, sep, rest = arg.partition(":")
        if Path(arg).is_file() or not sep:
            path, target = Path(arg), dataset
        elif name in DATASETS:
            path, target = Path(rest), name
        else:
            raise click.BadParameter(f"{name!r} is not a dataset (known: {', '.join(DATASETS)})", param_hint="FILE")
        if not path.is_file():
            raise click.BadParameter(f"{path} is not a file", param_hint="FILE")
        if target not in DATASETS:
            raise click.BadParameter(
                f"{target!r} is not a dataset (known: {', '.join(DATASETS)})", param_hint="--dataset"
            )
        plan.append((path, target, day))
    return plan


@main.command()
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--dataset", default="reviews", show_default=True, help="Dataset (landing prefix) to land plain FILEs under."
)
@click.option("--date", "day", callback=_date, help="Land under <dataset>/date=YYYY-MM-DD/ (a Hive-style partition).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of one line per file.")
def ingest(files: tuple[str, ...], dataset: str, day: str | None, as_json: bool) -> None:
    """Land FILES in the raw zone, run the event-driven pipeline for each, then transform once.

    A FILE may name its dataset, NAME:FILE (transactions:orders.csv); plain FILEs land under
    --dataset. The transform runs once after all the files, for the tables they changed.
    """
    from shoplake.local.runtime import LocalCloud

    plan = landing_plan(files, dataset, day)
    with LocalCloud() as cloud:
        results = ingest_with_progress(cloud, plan, console)
    if not as_json:
        for (path, _, _), r in zip(plan, results, strict=True):
            style = STATUS_STYLE.get(r.status, "")
            out.print(f"[{style}]{r.status:<9}[/] {path}  {_counts_line(r)}  ({r.seconds:.1f} s)", highlight=False)
        transforms = {id(r.transform): r.transform for r in results if r.transform is not None}
        for t in transforms.values():
            out.print(f"          └ {transform_line(t)}", highlight=False)
    if as_json:
        payload = [
            {
                "file": str(r.file),
                "dataset": ds,
                "status": r.status,
                "execution": r.execution,
                "source_uri": r.source_uri,
                "counts": r.counts,
                "quarantine_reasons": r.quarantine_reasons,
                **({"rejection": r.rejection} if r.rejection else {}),
                **({"error": r.error} if r.error else {}),
                **({"transform": r.transform} if r.transform else {}),
            }
            for (_, ds, _), r in zip(plan, results, strict=True)
        ]
        click.echo(json.dumps(payload, indent=2))
    failed = any(r.status == "FAILED" for r in results)
    stale = any(r.transform is not None and r.transform["state"] != "success" for r in results)
    sys.exit(1 if failed or stale else 0)


@main.command()
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def sql(query: str, fmt: str) -> None:
    """Run QUERY against the local warehouse (raw.*, and the marts once built)."""
    import duckdb

    from shoplake.core.warehouse import access

    path = shoplake_home() / "warehouse.duckdb"
    if not path.exists():
        raise click.ClickException(f"no warehouse at {path}: ingest a file first (shoplake ingest FILE)")
    # While another process writes (a transform), this reads the last complete snapshot.
    with access.reading(path) as readable, duckdb.connect(str(readable), read_only=True) as con:
        try:
            cur = con.execute(query)
        except duckdb.Error as exc:
            raise click.ClickException(str(exc)) from None
        columns = [d[0] for d in cur.description] if cur.description else []
        rows = cur.fetchall()
    _print_rows(columns, rows, fmt)


def _print_rows(columns: list[str], rows: list[tuple], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps([dict(zip(columns, r, strict=True)) for r in rows], indent=2, default=str))
    elif fmt == "csv":
        w = csv.writer(sys.stdout)
        w.writerow(columns)
        w.writerows(rows)
    else:
        out.print(render_table(columns, rows))


@main.command()
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def runs(limit: int, as_json: bool) -> None:
    """List recent executions: state, time per step, counts."""
    from shoplake.reporting.executions import LocalRunRecords

    records = LocalRunRecords(shoplake_home() / "runs").records(limit)
    if as_json:
        click.echo(json.dumps(records, indent=2))
        return
    if not records:
        console.print("no runs yet: shoplake ingest FILE")
        return
    table = Table(header_style="bold")
    for col in ("started", "file", "status", "read", "processed", "quarantined", "duplicates", "steps (s)", "total s"):
        table.add_column(col, overflow="fold")
    for r in records:
        c = r["counts"]
        steps = ", ".join(f"{s['state']} {s['seconds']:.1f}" for s in r["steps"] if s["seconds"] >= 0.05)
        table.add_row(
            r["started_at"][:19].replace("T", " "),
            Path(r["file"]).name,
            f"[{STATUS_STYLE.get(r['status'], '')}]{r['status']}[/]",
            *(format_value(c[k]) for k in ("records_read", "processed", "quarantined", "duplicates")),
            steps,
            f"{r['seconds']:.1f}",
        )
    out.print(table)


def _duration(ctx, param, value: str | None) -> float | None:
    """``90``, ``90s``, ``15m``, ``1h`` → seconds."""
    if value is None:
        return None
    units = {"s": 1, "m": 60, "h": 3600}
    text = value.strip().lower()
    number, unit = (text[:-1], text[-1]) if text[-1:] in units else (text, "s")
    try:
        seconds = float(number) * units[unit]
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a duration (e.g. 60s, 15m, 1h)") from None
    if seconds < 1:
        raise click.BadParameter(f"{value!r}: at least one second")
    return seconds


def _instant(ctx, param, value: str | None):
    if value is None:
        return None
    from datetime import UTC, datetime

    try:
        ts = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time") from None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts


@main.command()
@click.argument("dataset", type=click.Choice(["cart_events"]))
@click.option(
    "--every", callback=_duration, help="Keep generating, one file per interval (60s, 15m, 1h), until Ctrl-C."
)
@click.option(
    "--interval",
    default="15m",
    show_default=True,
    callback=_duration,
    help="The window one run writes (without --every).",
)
@click.option(
    "--at", "at", callback=_instant, help="Run as if it were AT (ISO 8601, UTC); with --every, catch up from AT."
)
@click.option("--count", type=click.IntRange(1), help="Stop after this many runs.")
@click.option("--sessions-per-day", default=1440, show_default=True, type=click.IntRange(1), help="The shop's traffic.")
def generate(dataset: str, every: float | None, interval: float, at, count: int | None, sessions_per_day: int) -> None:
    """Run the scheduled generator of DATASET (the cart service, simulated) like its schedule does.

    Each run writes the events of the last interval into the raw zone (a quiet window writes
    nothing), and the file runs through the pipeline and the transform; when the promotions were
    rebuilt, the export writes them to the consumption zone. With --at, time is simulated: runs
    follow each other without waiting (a backfill); otherwise each waits for its slot.
    """
    from datetime import UTC, datetime, timedelta

    from shoplake.local.runtime import LocalCloud

    step = every or interval
    clock = at
    runs = 0
    with LocalCloud(cart_events_every_seconds=round(step), cart_sessions_per_day=sessions_per_day) as cloud:
        try:
            while True:
                now = clock or datetime.now(UTC)
                made = cloud.generate_cart_events(now)
                window = f"{made['window_start'][:19]}–{made['window_end'][11:19]}"
                if made["key"] is None:
                    out.print(f"quiet     {window}: no cart events exported", highlight=False)
                else:
                    event = cloud.generated_object_event(made["key"])
                    with console.status(f"[bold]{made['key']}[/]…") as status:
                        r = cloud.process(event, file=made["key"], on_state=lambda x: status.update(f"{x}…"))
                    style = STATUS_STYLE.get(r.status, "")
                    out.print(f"[{style}]{r.status:<9}[/] {r.file}  {_counts_line(r)}", highlight=False)
                    if r.transform is not None:
                        out.print(f"          └ {transform_line(r.transform)}", highlight=False)
                runs += 1
                if every is None or (count is not None and runs >= count):
                    return
                if clock is not None:
                    clock += timedelta(seconds=every)
                else:
                    time.sleep(max(0.0, every - datetime.now(UTC).timestamp() % every))
        except KeyboardInterrupt:
            console.print("stopped")


@main.command()
@click.option(
    "--dataset", default="reviews", show_default=True, help="Dataset of files dropped outside a dataset folder."
)
@click.option("--poll", default=1.0, show_default=True, help="Seconds between looks at the landing folder.")
@click.option("--generate", "generate_every", is_flag=False, flag_value="60s", default=None, callback=_duration,
              help="Also run the cart-event generator on a schedule (default every 60s; --generate 15m).")  # fmt: skip
@click.option("--capture", "capture_every", is_flag=False, flag_value="5m", default=None, callback=_duration,
              help="Also capture the operational database's changes on a schedule (default every 5m; "
                   "starts the local server).")  # fmt: skip
def up(dataset: str, poll: float, generate_every: float | None, capture_every: float | None) -> None:
    """Watch $SHOPLAKE_HOME/landing/ and process every file dropped there, like an S3 upload.

    With --generate, the scheduled cart-event generator runs too (its files take the same path
    as an upload, and the promotions export follows each transform that rebuilt them): the whole
    loop, unattended.
    """
    from shoplake.local.watch import watch

    landing = shoplake_home() / "landing"
    landing.mkdir(parents=True, exist_ok=True)
    from shoplake.datasets import DATASETS

    console.print(
        f"watching [bold]{landing}[/] — drop files into {landing}/<dataset>/ ({', '.join(DATASETS)}), "
        f"or into {landing}/ for {dataset} (Ctrl-C stops)"
    )
    if generate_every:
        console.print(f"generating cart events every {generate_every:g} s")
    source_uri = None
    if capture_every:
        pg = _local_postgres()
        uri = pg.uri() if pg.status().running else pg.start().uri
        source_uri = lambda: uri  # noqa: E731
        console.print(f"capturing the operational database's changes every {capture_every:g} s")
    try:
        watch(
            landing,
            dataset=dataset,
            poll_seconds=poll,
            generate_every=generate_every,
            capture_every=capture_every,
            source_uri=source_uri,
            report=lambda r: out.print(
                f"[{STATUS_STYLE.get(r.status, '')}]{r.status:<9}[/] {r.file}  {_counts_line(r)}", highlight=False
            ),
            report_transform=lambda t: out.print(f"          └ {transform_line(t)}", highlight=False),
            report_compaction=lambda c: out.print(f"          └ {compaction_line(c)}", highlight=False),
        )
    except KeyboardInterrupt:
        console.print("stopped")


@main.command()
@click.option("--dataset", "datasets", multiple=True, help="Only this dataset (repeatable; default: all).")
@click.option("--force", is_flag=True, help="Merge whatever small sources and segments there are, due or not.")
def compact(datasets: tuple[str, ...], force: bool) -> None:
    """Merge many small sources' files into segments (one file per table).

    ``shoplake up`` does this by itself after a batch, once 4 small sources sit outside every
    segment. The sources' own files stay the record; rows and marts do not change.
    """
    from shoplake.core.storage import get_store
    from shoplake.core.warehouse.duckdb import DuckDBWarehouse
    from shoplake.datasets import DATASETS
    from shoplake.local.stack import bucket_name

    unknown = sorted(set(datasets) - set(DATASETS))
    if unknown:
        raise click.ClickException(f"unknown dataset(s) {', '.join(unknown)}; known: {', '.join(DATASETS)}")
    path = shoplake_home() / "warehouse.duckdb"
    if not path.exists():
        raise click.ClickException(f"no warehouse at {path}: ingest a file first (shoplake ingest FILE)")
    warehouse = DuckDBWarehouse(path, get_store("local"))
    for name in datasets or DATASETS:
        c = warehouse.compact(DATASETS[name], f"s3://{bucket_name('processed')}", force=force)
        if c["segment"]:
            out.print(compaction_line(c), highlight=False)
        else:
            out.print(
                f"{name}: nothing to compact"
                + (f" (retired {len(c['retired'])} stale segments)" if c["retired"] else "")
            )


@main.command()
@click.option("--dataset", default="reviews", show_default=True, help="Which dataset's records to write.")
@click.option("--rows", default=50_000, show_default=True, help="Records to write (blank lines are not records).")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--corrupt-share", default=0.02, show_default=True, type=click.FloatRange(0, 1))
@click.option("--duplicate-share", default=0.01, show_default=True, type=click.FloatRange(0, 1))
@click.option("--seed", default=7, show_default=True)
@click.option("--day", callback=_date, help="The shop's day the records describe (default 2026-12-01).")
def sample(
    dataset: str, rows: int, out_path: Path, corrupt_share: float, duplicate_share: float, seed: int, day: str | None
) -> None:
    """Write a realistic sample of a dataset, with its truth (records by outcome).

    Every dataset's sample describes the same simulated shop (the transactions' products are in
    the catalogue, the sessions' customers buy, ...). The format follows OUT's suffix where the
    dataset has several (reviews: .jsonl an Amazon dump of three generations, .csv the shop's own
    review form); gzip when OUT ends in .gz.
    """
    from shoplake.datasets import DATASETS, sample_module

    if dataset not in DATASETS:
        raise click.BadParameter(f"{dataset!r} is not a dataset (known: {', '.join(DATASETS)})", param_hint="--dataset")
    module = sample_module(dataset)
    options = {"corrupt_share": corrupt_share, "duplicate_share": duplicate_share, "seed": seed}
    if day is not None:
        options["day"] = date.fromisoformat(day)
    started = time.perf_counter()
    stats = module.write_sample(out_path, rows, **options)
    console.print(f"wrote {out_path} in {time.perf_counter() - started:.1f} s")
    out.print(module.describe(stats), highlight=False)


@main.command()
@click.option("--rows", default=50_000, show_default=True)
@click.option("--fresh/--keep", default=True, show_default=True, help="Start from an empty $SHOPLAKE_HOME.")
def demo(rows: int, fresh: bool) -> None:
    """Make a sample, ingest it, and print what happened and what the data says."""
    from shoplake.tooling.demo import run_demo

    sys.exit(run_demo(rows=rows, console=out, fresh=fresh))


@main.command()
@click.option("--port", default=8501, show_default=True, type=click.IntRange(1, 65535))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on (localhost only by default).")
@click.option(
    "--warehouse",
    type=click.Choice(["duckdb", "snowflake"]),
    default=None,
    help="Which marts to read (default: $DASHBOARD_WAREHOUSE, else the local DuckDB warehouse). "
    "snowflake reads SNOWFLAKE_* from the environment or .streamlit/secrets.toml.",
)
def dashboard(port: int, host: str, warehouse: str | None) -> None:
    """Serve the reporting dashboard (Streamlit) over the marts: Overview, Products, Reviewers, Pipeline health."""
    import subprocess

    from shoplake.reporting.dashboard.launch import streamlit_command

    command = streamlit_command(port=port, host=host, home=shoplake_home(), warehouse=warehouse)
    console.print(f"dashboard on [bold]http://{host}:{port}/[/] (Ctrl-C stops)")
    try:
        sys.exit(subprocess.call(command))  # noqa: S603
    except KeyboardInterrupt:
        sys.exit(0)


@main.group()
def source() -> None:
    """The shop's operational PostgreSQL (embedded on this machine, RDS in the cloud)."""


def _local_postgres():
    from shoplake.local.postgres import LocalPostgres

    return LocalPostgres(shoplake_home())


@source.command("start")
def source_start() -> None:
    """Start the local PostgreSQL (data under $SHOPLAKE_HOME/postgres/) and apply the migrations."""
    st = _local_postgres().start()
    console.print(f"operational database running (pid {st.pid}): {st.uri}")


@source.command("stop")
def source_stop() -> None:
    """Stop the local PostgreSQL (fast shutdown)."""
    console.print("stopped" if _local_postgres().stop() else "was not running")


@source.command("status")
def source_status() -> None:
    """Whether the local PostgreSQL runs, where its data is, and how to connect."""
    st = _local_postgres().status()
    if st.running:
        out.print(f"running  pid {st.pid}  {st.uri}  data {st.pgdata}", highlight=False)
    else:
        out.print(f"stopped  data {st.pgdata}", highlight=False)
        sys.exit(3)


@source.command("sql")
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def source_sql(query: str, fmt: str) -> None:
    """Run QUERY against the operational database (dim_users, dim_products, fact_sales, deleted_rows)."""
    import psycopg

    try:
        uri = _local_postgres().uri()
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    with psycopg.connect(uri) as con:
        try:
            cur = con.execute(query)
        except psycopg.Error as exc:
            raise click.ClickException(str(exc).strip()) from None
        columns = [d.name for d in cur.description] if cur.description else []
        rows = cur.fetchall() if cur.description else []
    _print_rows(columns, rows, fmt)


@main.command()
@click.option("--rate", default=20.0, show_default=True, type=click.FloatRange(min=0.1), help="Operations a second.")
@click.option("--duration", default=10.0, show_default=True, type=click.FloatRange(min=0), help="Seconds.")
@click.option("--seed", default=7, show_default=True)
@click.option("--writers", default=4, show_default=True, type=click.IntRange(1, 32), help="Concurrent connections.")
def simulate(rate: float, duration: float, seed: int, writers: int) -> None:
    """Traffic on the operational database: new orders, orders moving on, customers moving, prices
    changing, cancelled orders deleted (starts the local server if it is not running)."""
    from shoplake.tooling.simulate import simulate as run

    pg = _local_postgres()
    uri = pg.uri() if pg.status().running else pg.start().uri
    result = run(uri, rate=rate, duration=duration, seed=seed, writers=writers)
    if result.seeded:
        console.print("seeded " + ", ".join(f"{t} with {n:,} rows" for t, n in result.seeded.items()))
    out.print(result.describe(), highlight=False)


@main.group()
def cdc() -> None:
    """Change data capture from the operational database (shoplake source …) into the lake."""


@cdc.command("extract")
@click.option("--every", callback=_duration, help="Keep capturing, once per interval (30s, 5m), until Ctrl-C.")
@click.option("--count", type=click.IntRange(1), help="Stop after this many captures.")
@click.option("--lag", default=5.0, show_default=True, type=click.FloatRange(min=0),
              help="Seconds a change must be old before a batch takes it (the stage param cdcLagSeconds).")  # fmt: skip
@click.option("--batch-rows", default=500_000, show_default=True, type=click.IntRange(1),
              help="Row versions per batch at most (a first load is chunks of this many, by primary key).")  # fmt: skip
def cdc_extract(every: float | None, count: int | None, lag: float, batch_rows: int) -> None:
    """Capture what changed in every table since its watermark: one Parquet batch per table into
    cdc/<table>/ of the raw zone, through the pipeline, then one transform (silver, history, gold)."""
    from shoplake.local.runtime import LocalCloud
    from shoplake.tooling.capture import capture

    uri = _local_postgres().uri()
    runs = 0
    with LocalCloud(cdc_lag_seconds=lag, cdc_batch_rows=batch_rows) as cloud:
        try:
            while True:
                started = time.monotonic()
                with console.status("[bold]capturing…[/]") as status:
                    run = capture(cloud, uri, on_state=lambda x: status.update(f"{x}…"))
                for b, r in zip([b for b in run.batches if b["key"]], run.results, strict=True):
                    style = STATUS_STYLE.get(r.status, "")
                    out.print(f"[{style}]{r.status:<9}[/] {b['key']}  {b['upserts']:,} versions, "
                              f"{b['deletes']:,} deletions  {_counts_line(r)}", highlight=False)  # fmt: skip
                out.print(run.describe() + f" in {time.monotonic() - started:.1f} s", highlight=False)
                if run.transform is not None:
                    out.print(f"          └ {transform_line(run.transform)}", highlight=False)
                runs += 1
                if every is None or (count is not None and runs >= count):
                    return
                time.sleep(max(0.0, every - (time.monotonic() - started)))
        except KeyboardInterrupt:
            console.print("stopped")


@cdc.command("status")
def cdc_status() -> None:
    """Each table's watermark (where the next batch starts) and a first load or batch in progress."""
    from shoplake.core.postgres.cdc import TABLES, LocalWatermarks

    marks = LocalWatermarks(shoplake_home() / "cdc" / "state")
    rows = []
    for table in TABLES:
        st = marks.load(table)
        state = "first load" if st.initial else ("batch pending" if st.pending else "incremental")
        if st.rows.ts.year == 1970 and not st.initial:
            state = "not captured yet"
        rows.append((table, state, st.rows.ts.isoformat(timespec="microseconds"), st.rows.key or "",
                     st.deletes.ts.isoformat(timespec="microseconds")))  # fmt: skip
    _print_rows(["table", "state", "rows_after", "rows_after_key", "deletions_after"], rows, "table")


# `shoplake snowflake apply|deploy-params`: the Snowflake platform DDL (shoplake/tooling/snowflake/).
main.add_command(snowflake_cli)


if __name__ == "__main__":
    main()
