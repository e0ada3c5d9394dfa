"""fct_reviews: incremental build after one more small file vs a full refresh, on the demo data.

Uses a warehouse that holds the demo data (``--home``; without it, ``shoplake demo`` runs into a
temporary SHOPLAKE_HOME first), builds the dbt project once, then:

1. keeps a copy of ``marts.fct_reviews`` as it is (the demo data, loaded);
2. ingests one more file (``--rows`` lines, 1,000 by default, made by ``shoplake.datasets.reviews.sample``)
   through the local runtime (``LocalCloud``);
3. puts the copy back, so the table holds everything but the new file whatever the runtime did
   after the ingestion (it may run the transform DAG itself), and times the incremental build;
4. times a full refresh of the same model on the same data.

Both builds are the same command but for ``--full-refresh``; the tests selected are
fct_reviews' own (``--indirect-selection cautious``: the relationships tests to the dimensions,
which this command does not rebuild, are left out of both). Prints each command's wall time
(what you wait for, dbt's start included) and the model's own time from run_results.json.

    python bench/dbt_incremental.py [--home DIR] [--rows 1000] [--repeat 3] [--dag]

``--dag`` also times one run of the transform DAG (dag.test(), every model and test) on the data.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb
from demo_data import demo_home

REPO = Path(__file__).resolve().parents[1]
DBT_DIR = REPO / "dbt"
BIN = Path(sys.executable).parent


def dbt(home: Path, *args: str) -> tuple[float, dict[str, float]]:
    """Run dbt (its CLI, as a user would); wall seconds and {node: seconds} from run_results.json."""
    target = home / "bench-dbt-target"
    cmd = [
        str(BIN / "dbt"), *args,
        "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR), "--target", "local",
        "--target-path", str(target), "--log-path", str(home / "bench-dbt-logs"),
    ]  # fmt: skip
    env = {**os.environ, "SHOPLAKE_HOME": str(home), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)  # noqa: S603
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{proc.stdout[-4000:]}")
    results = json.loads((target / "run_results.json").read_text())["results"]
    return wall, {r["unique_id"]: r["execution_time"] for r in results}


def sql(home: Path, query: str) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        return con.execute(query).fetchall()


def ingest(home: Path, rows: int) -> str:
    from shoplake.datasets.reviews.sample import write_sample
    from shoplake.local.runtime import LocalCloud

    path = home / "samples" / f"bench-extra-{rows}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_sample(path, rows, seed=int(time.time()))
    # No transform run after it: this benchmark times dbt itself.
    with LocalCloud(home, run_transforms=False) as cloud:
        result = cloud.ingest(path)
    if result.status != "SUCCEEDED":
        sys.exit(f"ingesting {path.name}: {result.status} {result.error}")
    return result.source_uri


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, help="a SHOPLAKE_HOME holding the demo data (default: run the demo)")
    parser.add_argument("--rows", type=int, default=1_000, help="lines of the extra file")
    parser.add_argument("--repeat", type=int, default=3, help="timed repetitions of each build (median shown)")
    parser.add_argument("--dag", action="store_true", help="also time one local run of the transform DAG")
    opts = parser.parse_args(argv)

    home = (opts.home or demo_home("dbt")).resolve()
    os.environ["SHOPLAKE_HOME"] = str(home)
    model = "model.shoplake.fct_reviews"
    select = ("--select", "fct_reviews", "--indirect-selection", "cautious")

    wall, _ = dbt(home, "build")
    print(f"dbt build (every model and test) on {sql(home, 'select count(*) from raw.reviews')[0][0]:,} reviews: "
          f"{wall:.1f} s")  # fmt: skip
    if opts.dag:
        from shoplake.local.transform import run_dag

        summary = run_dag(home)
        nodes, state, seconds = len(summary["nodes"]), summary["state"], summary["seconds"]
        print(f"transform DAG, dag.test(), {nodes} dbt nodes: {state} in {seconds:.1f} s")

    sql(home, "create or replace table main.bench_fct_reviews as select * from marts.fct_reviews")
    before = sql(home, "select count(*) from main.bench_fct_reviews")[0][0]
    source_uri = ingest(home, opts.rows)
    new_rows = sql(home, f"select count(*) from raw.reviews where source_uri = '{source_uri}'")[0][0]
    print(f"ingested {source_uri}: {new_rows:,} reviews; fct_reviews held {before:,}")

    incremental, incremental_model = [], []
    for _ in range(opts.repeat):
        sql(home, "create or replace table marts.fct_reviews as select * from main.bench_fct_reviews")
        wall, nodes = dbt(home, "build", *select)
        incremental.append(wall)
        incremental_model.append(nodes[model])
    after = sql(home, "select count(*), count(distinct review_id) from marts.fct_reviews")[0]
    distinct_raw = sql(home, "select count(distinct review_id) from raw.reviews")[0][0]
    assert after == (distinct_raw, distinct_raw), (after, distinct_raw)

    full, full_model = [], []
    for _ in range(opts.repeat):
        wall, nodes = dbt(home, "build", "--full-refresh", *select)
        full.append(wall)
        full_model.append(nodes[model])
    sql(home, "drop table main.bench_fct_reviews")

    cmd = f"SHOPLAKE_HOME={home} dbt build [--full-refresh] --select fct_reviews --indirect-selection cautious"
    print(f"\n{cmd} --project-dir dbt --profiles-dir dbt --target local")
    print(f"fct_reviews over {distinct_raw:,} reviews, median of {opts.repeat}:")
    print(f"  incremental (+{new_rows:,} new): {statistics.median(incremental):5.2f} s wall, "
          f"model {statistics.median(incremental_model):.3f} s")  # fmt: skip
    print(
        f"  full refresh:          {statistics.median(full):5.2f} s wall, model {statistics.median(full_model):.3f} s"
    )
    if not opts.home:
        shutil.rmtree(home)
    return 0


if __name__ == "__main__":
    sys.exit(main())
