"""A lake that stays fast? ``raw.reviews`` and an incremental ``fct_reviews`` after 1 source and after N.

Output is keyed by source object (``reviews/source=<id>/run=<run>/review_year=YYYY/part-*.parquet``),
so every small file that lands adds a handful of Parquet files and one source manifest. This
bench publishes one real review file through the local pipeline (``r5_mixed.ndjson``: 900 lines,
three generations, 24 review years, so 24 files per table), runs the transform, then measures:

* ``select count(*) from raw.reviews`` in a new connection (the median of 7);
* the warehouse refresh that makes one more source visible (views re-created over the committed
  files, the new run's rows counted);
* an incremental ``dbt run --select fct_reviews`` that picks up that one new source (dbt's own
  execution time of the model, and the whole invocation).

Then it grows the lake to ``--sources`` sources, compacting after each one as ``shoplake up``
does after a batch (shoplake.core.compaction, with ``--min-sources`` / ``--fanout``), and
measures the same again: once in the state the policy left, once after a full compaction
(``shoplake compact --force``). ``--no-compact`` grows it without compaction (the lake before
segments). The extra sources are copies of the real one's committed output, each under its own
source id and run, with its review ids made unique, its ``ingested_at`` later and its
manifests rewritten the way the flatten job writes them: publishing 500 files through Spark
would take ~30 minutes, and what is measured here is the read side.

    python bench/many_sources.py [--sources 500] [--no-compact] [--min-sources 4] [--fanout 4] [--keep]

Goal (issue 12): after 500 sources, the count and the incremental build take ≤ 2× their time
after 1.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
REAL_FILE = REPO.parent / "shared" / "real-data" / "amazon-reviews" / "r5_mixed.ndjson"


def count_seconds(warehouse: Path, repeat: int = 7) -> tuple[float, int]:
    import duckdb

    times, rows = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        with duckdb.connect(str(warehouse), read_only=True) as con:
            rows = con.execute("select count(*) from raw.reviews").fetchone()[0]
        times.append(time.perf_counter() - started)
    return statistics.median(times), rows


def clone_source(store, processed_root: str, template: dict, k: int) -> dict:
    """Copy the template source's committed output as source ``k``; returns its manifest."""
    import duckdb

    from shoplake.core import layout
    from shoplake.core.storage import write_json
    from shoplake.core.warehouse.duckdb import quote_literal

    uri = template["source_uri"].rsplit("/", 1)[0] + f"/many-{k:04d}.ndjson"
    sid, run_id = layout.source_id(uri), f"reviews-many{k:04d}"
    ingested = datetime.now(UTC) + timedelta(seconds=k)
    tables = {}
    with duckdb.connect() as con:
        for table, files in template["tables"].items():
            out = []
            for f in files:
                rel = f.split(f"run={template['run_id']}/", 1)[1]
                dest_uri = layout.run_prefix(processed_root, table, sid, run_id) + rel
                dest = Path(store.spark_path(dest_uri))
                dest.parent.mkdir(parents=True, exist_ok=True)
                src = quote_literal(store.spark_path(f))
                described = con.execute(f"describe select * from read_parquet({src}, hive_partitioning = false)")
                columns = [r[0] for r in described.fetchall()]
                replace = {
                    "review_id": f"substr(md5(review_id || '-{k}'), 1, 32)",
                    "source_uri": quote_literal(uri),
                    "run_id": quote_literal(run_id),
                    "ingested_at": f"{quote_literal(ingested.isoformat())}::timestamptz",
                }
                picked = ", ".join(f"{v} as {c}" for c, v in replace.items() if c in columns)
                select = f"select * replace ({picked}) from read_parquet({src}, hive_partitioning = false)"
                con.execute(f"copy ({select}) to {quote_literal(str(dest))} (format parquet)")
                out.append(dest_uri)
            tables[table] = out
    manifest = template | {
        "source_uri": uri,
        "source_id": sid,
        "run_id": run_id,
        "committed_at": ingested.isoformat().replace("+00:00", "Z"),
        "tables": tables,
    }
    write_json(store, layout.run_manifest_uri(processed_root, "reviews", run_id), manifest)
    write_json(store, layout.source_manifest_uri(processed_root, "reviews", sid), manifest)
    return manifest


def refresh_seconds(warehouse: Path, store, processed_root: str, manifest: dict) -> float:
    from shoplake.core.warehouse.duckdb import DuckDBWarehouse
    from shoplake.datasets import DATASETS

    started = time.perf_counter()
    DuckDBWarehouse(warehouse, store).refresh(DATASETS["reviews"], processed_root, manifest)
    return time.perf_counter() - started


def incremental_fct_reviews(warehouse: Path) -> tuple[float, float, int]:
    """An incremental ``dbt run --select fct_reviews``: (model seconds, invocation seconds, rows)."""
    import duckdb
    from dbt.cli.main import dbtRunner

    from shoplake.core.warehouse import access
    from shoplake.local.transform import release_warehouse
    from shoplake.orchestration.build import dbt_args

    with access.writing(warehouse):
        started = time.perf_counter()
        result = dbtRunner().invoke([*dbt_args(["run"], select=["fct_reviews"]), "--quiet"])
        wall = time.perf_counter() - started
        release_warehouse()
    if not result.success:
        raise SystemExit(f"dbt run failed: {result.exception}")
    [node] = [r for r in result.result.results if r.node.name == "fct_reviews"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select count(*) from marts.fct_reviews").fetchone()[0]
    return node.execution_time, wall, rows


def measure(label: str, home: Path, store, processed_root: str, manifest: dict) -> dict:
    """Make ``manifest``'s source visible and pick it up incrementally; then count."""
    warehouse = home / "warehouse.duckdb"
    refresh = refresh_seconds(warehouse, store, processed_root, manifest)
    model, wall, fct_rows = incremental_fct_reviews(warehouse)
    count, rows = count_seconds(warehouse)
    files, _live, _uncovered = lake_files(home, store, processed_root)
    print(f"{label} (raw.reviews reads {files:,} Parquet files, {rows:,} rows): count {count * 1000:.1f} ms; "
          f"making the last one visible (refresh) {refresh:.2f} s; incremental fct_reviews {model:.2f} s "
          f"(dbt run {wall:.2f} s), {fct_rows:,} rows")  # fmt: skip
    return {"count": count, "refresh": refresh, "model": model, "wall": wall}


def compact(home: Path, store, processed_root: str, policy, force: bool = False) -> dict:
    from shoplake.core.warehouse.duckdb import DuckDBWarehouse
    from shoplake.datasets import DATASETS

    started = time.perf_counter()
    report = DuckDBWarehouse(home / "warehouse.duckdb", store).compact(
        DATASETS["reviews"], processed_root, policy=policy, force=force
    )
    return report | {"seconds": time.perf_counter() - started}


def lake_files(home: Path, store, processed_root: str) -> tuple[int, int, int]:
    """(files raw.reviews reads, live segments, sources outside them)."""
    from shoplake.core import compaction
    from shoplake.datasets import DATASETS

    state = compaction.lake_state(store, processed_root, "reviews")
    files = compaction.current_files(store, DATASETS["reviews"], state)["reviews"]
    return len(files), len(state.live), len(state.uncovered())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=500)
    parser.add_argument("--no-compact", action="store_true", help="grow the lake without compaction")
    parser.add_argument("--min-sources", type=int, help="compaction policy (default: shoplake's)")
    parser.add_argument("--fanout", type=int, help="compaction policy (default: shoplake's)")
    parser.add_argument("--keep", action="store_true", help="keep the local home")
    opts = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="shoplake-many-"))
    os.environ["SHOPLAKE_HOME"] = str(home)
    os.environ["STORAGE_BACKEND"] = "local"
    from dataclasses import replace

    from shoplake.core import layout
    from shoplake.core.compaction import Policy
    from shoplake.core.storage import get_store
    from shoplake.local.runtime import LocalCloud
    from shoplake.local.stack import bucket_name
    from shoplake.orchestration.airflow import ensure_dbt_manifest

    policy = Policy()
    policy = replace(policy, **{k: v for k, v in (("min_sources", opts.min_sources),
                                                  ("fanout", opts.fanout)) if v is not None})  # fmt: skip
    try:
        ensure_dbt_manifest()
        with LocalCloud(home) as cloud:
            first = cloud.ingest(REAL_FILE)
        if first.status != "SUCCEEDED" or (first.transform or {}).get("state") != "success":
            raise SystemExit(f"the real file did not publish: {first.status}, {first.transform}")
        store = get_store("local")
        processed_root = f"s3://{bucket_name('processed')}"
        [template_uri] = store.list(layout.source_manifests_prefix(processed_root, "reviews"))
        template = json.loads(store.get_bytes(template_uri))
        print(f"published {REAL_FILE.name} through the pipeline and the transform ({first.counts['processed']} rows)")

        # the lake holds 1 source; a second one is made visible and picked up (what is timed)
        before = measure("2 sources", home, store, processed_root, clone_source(store, processed_root, template, 1))
        started = time.perf_counter()
        compactions = []
        for k in range(2, opts.sources - 1):
            grown = clone_source(store, processed_root, template, k)
            if not opts.no_compact:
                # what shoplake up does after each batch: compact if the policy says it is due
                done = compact(home, store, processed_root, policy)
                if done["segment"]:
                    compactions.append(done)
        refresh_seconds(home / "warehouse.duckdb", store, processed_root, grown)
        incremental_fct_reviews(home / "warehouse.duckdb")  # absorb the copies (not timed)
        print(f"copied {opts.sources - 3} more sources and absorbed them in {time.perf_counter() - started:.1f} s")
        if compactions:
            secs = [c["seconds"] for c in compactions]
            merges = [c for c in compactions if c["merged"]]
            print(f"compaction ({policy.min_sources} small sources due, {policy.fanout} segments of a tier merge): "
                  f"{len(compactions)} compactions ({len(merges)} merges), {sum(secs):.2f} s in all, "
                  f"median {statistics.median(secs):.2f} s, max {max(secs):.2f} s; rows rewritten "
                  f"{sum(c['rows'] for c in compactions):,} for {opts.sources * template['counts']['processed']:,} "
                  "published")  # fmt: skip
        files, live, uncovered = lake_files(home, store, processed_root)
        print(f"raw.reviews reads {files:,} files: {live} segments and {uncovered} sources outside them")
        # the lake holds N - 1 sources; the N-th is made visible and picked up
        last = clone_source(store, processed_root, template, opts.sources - 1)
        label = f"{opts.sources} sources" + ("" if opts.no_compact else ", as the policy left them")
        results = {label: measure(label, home, store, processed_root, last)}
        if not opts.no_compact:
            full = compact(home, store, processed_root, policy, force=True)
            print(f"full compaction (shoplake compact --force): {full['sources']} sources, "
                  f"{full['files_before']:,} files → {full['files_after']:,} in {full['seconds']:.2f} s")  # fmt: skip
            label = f"{opts.sources + 1} sources, after a full compaction"
            extra = clone_source(store, processed_root, template, opts.sources)
            results[label] = measure(label, home, store, processed_root, extra)
        print()
        for label, after in results.items():
            ratio = {k: after[k] / before[k] for k in before}
            print(f"{label} against 2: count {ratio['count']:.1f}×, incremental fct_reviews {ratio['model']:.1f}× "
                  f"(dbt run {ratio['wall']:.1f}×), refresh {ratio['refresh']:.1f}× "
                  "(goal: ≤ 2× for the count and the build)")  # fmt: skip
    finally:
        if opts.keep:
            print(f"home kept: {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
