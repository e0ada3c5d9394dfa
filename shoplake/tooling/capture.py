"""The change capture on one machine: the extractor function over every table of the local
operational database, the batches it wrote through the pipeline, one transform for them, and the
capture ledger (what changed in the source against what reached the lake)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shoplake.core.postgres.cdc import TABLES


@dataclass
class CaptureRun:
    batches: list[dict[str, Any]]
    results: list[Any] = field(default_factory=list)  # RunResult per batch written
    transform: dict[str, Any] | None = None

    @property
    def changes(self) -> int:
        return sum(b["upserts"] + b["deletes"] for b in self.batches)

    def describe(self) -> str:
        parts = [f"{b['table']} {b['upserts']:,} versions + {b['deletes']:,} deletions" for b in self.batches]
        failed = [r for r in self.results if r.status != "SUCCEEDED"]
        return (
            f"captured {self.changes:,} changes in {sum(1 for b in self.batches if b['key'])} batches ("
            + ", ".join(parts)
            + ")"
            + (f"; {len(failed)} batches did not succeed" if failed else "")
        )


def capture(cloud, source_uri: str, *, transform: bool = True, on_state=None) -> CaptureRun:
    """Extract every table once; take each batch through the pipeline; run one transform."""
    batches = cloud.extract_changes(source_uri)
    run = CaptureRun(batches)
    for b in batches:
        if b["key"]:
            event = cloud.generated_object_event(b["key"])
            run.results.append(cloud.process(event, file=b["key"], transform=False, on_state=on_state))
    if transform and run.results:
        run.transform = cloud.transform(run.results, on_state=on_state)
        for r in run.results:
            cloud.record(r)
    return run


def ledger(source_uri: str, warehouse) -> list[dict[str, Any]]:
    """Per table: rows and deletions in the source now, against the rows silver holds, the
    versions and tombstones the lake captured, and the newest change captured."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(source_uri) as con:
        live = {name: con.execute(sql.SQL("select count(*) from {}").format(sql.Identifier(name))).fetchone()[0]
                for name in TABLES}  # fmt: skip
        deleted = dict(con.execute("select table_name, count(*) from deleted_rows group by table_name").fetchall())
        newest = con.execute(
            sql.SQL("select greatest({})").format(sql.SQL(", ").join(
                sql.SQL("(select max(updated_at) from {})").format(sql.Identifier(name)) for name in TABLES))
        ).fetchone()[0]  # fmt: skip
    out = []
    for name in TABLES:
        versions, tombstones, captured_to = warehouse.execute(
            "select count(*) filter (where change_op = 'upsert'), count(*) filter (where change_op = 'delete'), "
            f"max(changed_at) from staging.stg_shop_db__{name}_changes"  # noqa: S608 - the module's names
        ).fetchone()
        (silver,) = warehouse.execute(f"select count(*) from silver.{name}").fetchone()  # noqa: S608
        out.append({
            "table": name, "source_rows": live.get(name, 0), "silver_rows": silver,
            "source_deletions": deleted.get(name, 0), "tombstones": tombstones, "versions_captured": versions,
            "newest_captured": captured_to, "newest_in_source": newest,
        })  # fmt: skip
    return out
