"""Landing → marts latency: a cold process, and files dropped into a warm ``shoplake up``.

* **cold** — a new Python process cleans and flattens one small real review file (the first file
  of its life: JVM start, first-query code generation): wall time from spawning it to the
  published run, split into interpreter and imports, SparkSession, clean and flatten.
* **warm** — ``shoplake up``'s watch loop (``shoplake.local.watch.watch``, what the CLI runs) on
  a fresh local home; after one warm-up drop (not counted) a generated review file of ``--rows``
  lines is dropped ``--repeat`` times, each time waiting until the marts show it
  (``marts.fct_reviews`` holds its reviews, read as the dashboard reads the warehouse). Then
  ``--batch`` files are dropped at once. Per drop it prints the time to marts and the breakdown:
  until the watch saw the file, the file's execution (each state of the state machine), the
  transform (dbt under Airflow), and what is left (the read snapshot, the loop).

    python bench/latency.py [--rows 10000] [--repeat 5] [--batch 3] [--skip-cold] [--skip-warm]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "real-data" / "amazon-reviews"
COLD_FILE = REAL / "r5_mixed.ndjson"  # 900 lines of three generations


# -- cold: one small file in a new process -------------------------------------------------------
def cold_child(path: Path, home: Path) -> dict[str, Any]:
    """Runs in the new process: clean + flatten of ``path``; the seconds of each part."""
    started = time.perf_counter()
    os.environ["SHOPLAKE_HOME"] = str(home)
    os.environ["STORAGE_BACKEND"] = "local"
    from shoplake.core.jobs import clean, flatten
    from shoplake.core.spark import get_spark
    from shoplake.core.storage import file_md5, get_store

    imported = time.perf_counter()
    store = get_store("local")
    uri = f"s3://raw/reviews/{path.name}"
    target = Path(store.spark_path(uri))
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    args = {"dataset": "reviews", "source_uri": uri, "run_id": "cold", "processed_root": "s3://processed",
            "ingested_at": "2026-12-01T07:00:00Z", "storage_backend": "local",
            "source_etag": file_md5(target)}  # fmt: skip
    spark = get_spark()
    session = time.perf_counter()
    cleaned = clean.run(spark, args)
    cleaned_at = time.perf_counter()
    published = flatten.run(spark, args)
    done = time.perf_counter()
    return {
        "imports": round(imported - started, 3),
        "spark_session": round(session - imported, 3),
        "clean": round(cleaned_at - session, 3),
        "flatten": round(done - cleaned_at, 3),
        "clean_steps": cleaned["timings"]["clean_steps"],
        "flatten_steps": published["timings"]["flatten_steps"],
        "row_counts": published["row_counts"],
    }


def cold(path: Path) -> None:
    home = Path(tempfile.mkdtemp(prefix="shoplake-cold-"))
    out = home / "cold.json"
    try:
        started = time.perf_counter()
        cmd = [sys.executable, __file__, "--cold-child", str(path), "--home", str(home), "--out", str(out)]
        subprocess.run(cmd, check=True)  # noqa: S603
        total = time.perf_counter() - started
        r = json.loads(out.read_text())
        interpreter = total - sum(r[k] for k in ("imports", "spark_session", "clean", "flatten"))
        print(f"\n== cold start: {path.name} ({sum(1 for _ in path.open('rb')):,} lines) in a new process")
        print(f"   spawn → published {total:6.2f} s  (rows published {json.dumps(r['row_counts'])})")
        print(f"   interpreter {interpreter:.2f} s, imports {r['imports']:.2f} s, SparkSession (JVM start) "
              f"{r['spark_session']:.2f} s, clean {r['clean']:.2f} s, flatten {r['flatten']:.2f} s")  # fmt: skip
        print("     clean: " + ", ".join(f"{k} {v:.2f} s" for k, v in r["clean_steps"].items()))
        print("   flatten: " + ", ".join(f"{k} {v:.2f} s" for k, v in r["flatten_steps"].items()))
    finally:
        shutil.rmtree(home, ignore_errors=True)


# -- warm: drops into a running `shoplake up` -----------------------------------------------------
def marts_reviews(home: Path) -> int:
    """Reviews in marts.fct_reviews, read the way the dashboard reads the warehouse."""
    import duckdb

    from shoplake.core.warehouse import access

    warehouse = home / "warehouse.duckdb"
    if not warehouse.exists():
        return 0
    with access.reading(warehouse) as path:
        con = duckdb.connect(str(path), read_only=True)
        try:
            return con.execute("select count(*) from marts.fct_reviews").fetchone()[0]
        except duckdb.CatalogException:
            return 0
        finally:
            con.close()


class Drops:
    """The watch loop in a thread, and what it reported per file."""

    def __init__(self, home: Path):
        from shoplake.local.watch import watch

        self.home = home
        self.landing = home / "landing"
        self.landing.mkdir(parents=True, exist_ok=True)
        self.staging = home / "staging"
        self.staging.mkdir()
        self.results: dict[str, tuple[float, Any]] = {}
        self.transforms: list[tuple[float, dict]] = []
        self.changed = threading.Condition()
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=watch,
            kwargs=dict(
                landing=self.landing,
                dataset="reviews",
                report=self._report,
                report_transform=self._transform,
                poll_seconds=0.2,
                stop=self.stop,
            ),  # fmt: skip
            daemon=True,
        )
        self.thread.start()

    def _report(self, result) -> None:
        with self.changed:
            self.results[result.file] = (time.perf_counter(), result)
            self.changed.notify_all()

    def _transform(self, summary: dict) -> None:
        with self.changed:
            self.transforms.append((time.perf_counter(), summary))
            self.changed.notify_all()

    def drop(self, files: list[Path]) -> float:
        """Move prepared files into the landing folder at once; when they appeared."""
        at = time.perf_counter()
        for f in files:
            os.replace(f, self.landing / f.name)
        return at

    def wait_marts(self, names: list[str], before: int, timeout: float = 900) -> tuple[float, int]:
        """Wait until every file was processed and a transform run after them reported, then
        read the marts; return when they were read and the reviews they hold."""
        deadline = time.perf_counter() + timeout
        with self.changed:
            while time.perf_counter() < deadline:
                if all(n in self.results for n in names):
                    last = max(self.results[n][0] for n in names)
                    if any(t >= last for t, _ in self.transforms):
                        break
                self.changed.wait(0.1)
            else:
                raise SystemExit(f"no transform reported after {names} within {timeout} s")
        reviews = marts_reviews(self.home)
        if reviews <= before:
            raise SystemExit(f"the marts did not change after {names}: {reviews} reviews")
        return time.perf_counter(), reviews


def prepare(staging: Path, name: str, rows: int, seed: int) -> tuple[Path, int]:
    """A generated review file of ``rows`` lines (no duplicates or corrupt lines: every line is a
    new review); returns it and its valid records."""
    from shoplake.datasets.reviews.sample import write_sample

    path = staging / name
    stats = write_sample(path, rows, seed=seed, corrupt_share=0.0, duplicate_share=0.0)
    return path, stats.valid


def breakdown(drop_at: float, marts_at: float, result_at: float, result: Any, transforms: list) -> str:
    steps = ", ".join(f"{s['state']} {s['seconds']:.1f} s" for s in result.steps)
    transform = next((s for t, s in transforms if t >= result_at), None)
    t_s = transform["seconds"] if transform else 0.0
    execution = result.seconds
    rest = (marts_at - drop_at) - execution - t_s
    dbt = ", ".join(f"dbt {k} {v:.1f} s" for k, v in ((transform or {}).get("dbt_seconds") or {}).items())
    return (f"execution {execution:.1f} s ({steps}); transform {t_s:.1f} s"
            f" ({transform['state'] if transform else '?'}{', ' + dbt if dbt else ''});"
            f" watch + snapshot + rest {rest:.1f} s")  # fmt: skip


def warm(rows: int, repeat: int, batch: int) -> None:
    home = Path(tempfile.mkdtemp(prefix="shoplake-warm-"))
    os.environ["SHOPLAKE_HOME"] = str(home)
    os.environ["STORAGE_BACKEND"] = "local"
    try:
        drops = Drops(home)
        print(f"\n== warm: {rows:,}-line review files dropped into a running `shoplake up` ({home})")
        warmup, valid = prepare(drops.staging, "warmup.jsonl", rows, seed=100)
        started = drops.drop([warmup])
        ready, reviews = drops.wait_marts(["warmup.jsonl"], 0)
        print(f"   warm-up drop (not counted: JVM start, Airflow's first run): {ready - started:.1f} s, "
              f"marts.fct_reviews {reviews:,} reviews ({valid:,} valid lines)")  # fmt: skip

        latencies = []
        for i in range(repeat):
            path, valid = prepare(drops.staging, f"drop-{i}.jsonl", rows, seed=200 + i)
            at = drops.drop([path])
            marts_at, now = drops.wait_marts([path.name], reviews)
            result_at, result = drops.results[path.name]
            latencies.append(marts_at - at)
            print(f"   drop {i + 1}: {marts_at - at:6.1f} s to marts (+{now - reviews:,} reviews)   "
                  + breakdown(at, marts_at, result_at, result, drops.transforms))  # fmt: skip
            reviews = now
        print(f"   median of {repeat}: {statistics.median(latencies):.1f} s from drop to marts")

        if batch > 1:
            files = [prepare(drops.staging, f"batch-{i}.jsonl", rows, seed=300 + i)[0] for i in range(batch)]
            at = drops.drop(files)
            marts_at, now = drops.wait_marts([f.name for f in files], reviews)
            total = marts_at - at
            single = statistics.median(latencies) if latencies else total
            print(f"   {batch} files at once: {total:.1f} s to marts (+{now - reviews:,} reviews), "
                  f"{(total - single) / (batch - 1):.1f} s per extra file over one drop's median")  # fmt: skip
            for f in files:
                result_at, result = drops.results[f.name]
                print(
                    f"     {f.name}: processed {result_at - at:.1f} s after the drop (execution {result.seconds:.1f} s)"
                )
            runs = [s for t, s in drops.transforms if t >= at]
            took = ", ".join(f"{s['seconds']:.1f} s" for s in runs)
            print(f"     transform runs after the drop: {len(runs)} ({took})")
        drops.stop.set()
        drops.thread.join(timeout=120)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000, help="lines per dropped file")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--batch", type=int, default=3, help="files dropped at once at the end")
    parser.add_argument("--skip-cold", action="store_true")
    parser.add_argument("--skip-warm", action="store_true")
    parser.add_argument("--cold-file", type=Path, default=COLD_FILE)
    parser.add_argument("--cold-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)
    if opts.cold_child:
        opts.out.write_text(json.dumps(cold_child(opts.cold_child, opts.home)))
        return 0
    if not opts.skip_cold:
        cold(opts.cold_file)
    if not opts.skip_warm:
        warm(opts.rows, opts.repeat, opts.batch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
