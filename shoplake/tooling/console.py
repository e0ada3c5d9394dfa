"""Terminal output shared by the CLI and the demo: tables for people, progress while a file runs."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

STATUS_STYLE = {"SUCCEEDED": "green", "REJECTED": "yellow", "FAILED": "bold red"}


def ingest_with_progress(cloud, path: Path, status_console: Console, dataset: str = "reviews"):
    """``cloud.ingest`` with a spinner naming the state the execution is in."""
    with status_console.status(f"[bold]{path.name}[/]: landing…") as status:
        return cloud.ingest(path, dataset=dataset, on_state=lambda s: status.update(f"[bold]{path.name}[/]: {s}…"))


def transform_line(t: dict) -> str:
    failed = sorted(k for k, v in t["tasks"].items() if v != "success")
    line = f"transform DAG {t['state']}: {len(t['tasks'])} tasks in {t['seconds']:.1f} s"
    return line + (f", failed: {', '.join(failed)} (log: {t['log']})" if failed else "")


def render_table(columns: list[str], rows: list[tuple], title: str | None = None) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    for c in columns:
        table.add_column(c, overflow="fold")
    # Years, ids and line numbers are labels, not quantities: no thousands separators.
    plain = [any(w in c.lower() for w in ("year", "_id", "line_number")) for c in columns]
    for r in rows:
        table.add_row(*[str(v) if p and v is not None else format_value(v) for v, p in zip(r, plain, strict=True)])
    return table


def format_value(v) -> str:
    if v is None:
        return "∅"
    if isinstance(v, float):
        return f"{v:,.3f}".rstrip("0").rstrip(".")
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)
