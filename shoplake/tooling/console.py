"""Terminal output shared by the CLI and the demo: tables for people, progress while a file runs."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

STATUS_STYLE = {"SUCCEEDED": "green", "REJECTED": "yellow", "FAILED": "bold red"}


def ingest_with_progress(cloud, files: list[tuple[Path, str, str | None]], status_console: Console):
    """``cloud.ingest_batch`` with a spinner naming the file and the state it is in, then the transform."""
    current = {"name": ""}
    with status_console.status("landing…") as status:

        def on_file(path: Path) -> None:
            current["name"] = path.name
            status.update(f"[bold]{path.name}[/]: landing…")

        return cloud.ingest_batch(
            files, on_file=on_file, on_state=lambda s: status.update(f"[bold]{current['name']}[/]: {s}…")
        )


def transform_line(t: dict) -> str:
    """One line about a transform run: its state, what it built, what failed."""
    nodes = t.get("nodes") or {}
    models = sum(uid.startswith("model.") and v == "success" for uid, v in nodes.items())
    tests = sum(uid.startswith(("test.", "unit_test.")) and v in ("pass", "warn") for uid, v in nodes.items())
    skipped = sum(v == "skipped" for v in nodes.values())
    failed = sorted(uid for uid, v in nodes.items() if v not in ("success", "pass", "warn", "skipped"))
    failed += sorted(k for k, v in t["tasks"].items() if v not in ("success", "skipped", "upstream_failed"))
    plan = t.get("plan") or {}
    scope = (
        "everything" if plan.get("full", True) else f"downstream of {', '.join(plan.get('tables') or []) or 'nothing'}"
    )
    # the scope names what ran: a run for new data builds what depends on it and nothing else
    line = f"transform DAG {t['state']}: {models} models built, {tests} tests passed ({scope}) in {t['seconds']:.1f} s"
    if skipped:
        line += f", {skipped} skipped below a failure"
    if t.get("batches", 1) > 1:
        line += f", {t['batches']} batches coalesced"
    if t.get("coalesced"):
        line += ", run by another process"
    line += f", failed: {', '.join(failed)} (log: {t['log']})" if failed else ""
    for d in t.get("deliveries") or []:
        line += "\n            " + delivery_line(d)
    return line


def delivery_line(d: dict) -> str:
    """One line about a transform event a function handled (the promotions export)."""
    result = d.get("result") or {}
    if result.get("exported"):
        return (
            f"└ {d['function']}: promotions/date={result['date']}/ {result['rows']:,} promotions for "
            f"{result['customers']:,} customers (as of {result['as_of']})"
        )
    return f"└ {d['function']}: {result.get('reason') or result}"


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


def compaction_line(c: dict) -> str:
    """One line for a compaction: how many sources went into the segment, and the files saved."""
    merged = f", merging {len(c['merged'])} segments" if c.get("merged") else ""
    sources = f"{c['sources']} {c['dataset']} source{'' if c['sources'] == 1 else 's'}"
    return (
        f"compacted {sources} into segment {c['segment']}{merged}: "
        f"{c['files_before']:,} files → {c['files_after']:,}, {c['rows']:,} rows"
    )
