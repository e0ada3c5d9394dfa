"""Clean + flatten throughput, Spark against a DuckDB implementation of the same contract, side by side.

Generates a deterministic dump (reviews: mixed 2014 / 2018 / 2023 lines with the generator's
corrupt lines, duplicates and blank lines; transactions: the shop's order lines as CSV), then runs
each engine in a process of its own on the same file:

* **spark** — the pipeline's clean and flatten jobs (``shoplake.core.jobs``) on one warm local
  SparkSession: the JVM start and a small warm-up run are timed and printed apart, not counted;
* **duckdb** — the reference in ``bench/duckdb_<dataset>.py``.

Peak memory is the largest sum over the engine's process tree (the Spark driver's JVM included)
of each process's proportional set size (PSS), sampled every 20 ms. PSS, not RSS: Hadoop's local
file system runs shell commands, and a JVM forked for one shares all its pages with the JVM, which
RSS would count twice (1.4 GB counted as 2.8 GB). The bench fails (exit 1) unless both engines give the same counts,
reasons, formats and published row counts, and those match the generator's truth.

    python bench/clean_flatten.py [--dataset reviews|transactions|all] [--rows 1000000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

BENCH = Path(__file__).resolve().parent
INGESTED_AT = "2026-11-23T07:00:00.000Z"
SUFFIX = {"reviews": ".jsonl", "transactions": ".csv"}


def generate(dataset: str, path: Path, rows: int, seed: int) -> dict[str, Any]:
    """Write the dump; return the generator's truth (counts it made, independent of both engines)."""
    if dataset == "reviews":
        from shoplake.datasets.reviews.sample import describe, write_sample
    else:
        from shoplake.datasets.transactions.sample import describe, write_sample

    stats = write_sample(path, rows, seed=seed)
    reasons = {k: v for k, v in stats.corrupt_by_reason.items() if v}
    counts = {
        "records_read": stats.valid + stats.duplicates + stats.corrupt,
        "processed": stats.valid,
        "quarantined": stats.corrupt,
        "duplicates": stats.duplicates,
    }
    return {"counts": counts, "quarantine_reasons": reasons, "describe": describe(stats)}


# -- the engines, each in its own process ------------------------------------------------------
def spark_worker(dataset: str, path: Path, home: Path, warmup: Path) -> dict[str, Any]:
    os.environ["SHOPLAKE_HOME"] = str(home)
    os.environ["STORAGE_BACKEND"] = "local"
    from shoplake.core.jobs import clean, flatten
    from shoplake.core.spark import get_spark
    from shoplake.core.storage import file_md5, get_store

    store = get_store("local")

    def land(file: Path, name: str) -> dict[str, str]:
        uri = f"s3://raw/{dataset}/{name}{SUFFIX[dataset]}"
        target = Path(store.spark_path(uri))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, target)
        return {
            "dataset": dataset,
            "source_uri": uri,
            "run_id": name,
            "processed_root": "s3://processed",
            "ingested_at": INGESTED_AT,
            "storage_backend": "local",
            "source_etag": file_md5(target),
        }

    started = time.perf_counter()
    spark = get_spark()
    jvm_s = time.perf_counter() - started
    warm = land(warmup, "warmup")
    started = time.perf_counter()
    clean.run(spark, warm)
    flatten.run(spark, warm)
    warmup_s = time.perf_counter() - started

    def once(name: str) -> tuple[dict[str, Any], dict[str, Any], float, float]:
        args = land(path, name)
        started = time.perf_counter()
        cleaned = clean.run(spark, args)
        clean_s = time.perf_counter() - started
        started = time.perf_counter()
        published = flatten.run(spark, args)
        return cleaned, published, clean_s, time.perf_counter() - started

    # The first large file of a session runs while HotSpot still compiles Spark's generated code;
    # a backfill's later files do not. Both are printed; the steady state is the one compared.
    first = once("bench-first")
    cleaned, published, clean_s, flatten_s = once("bench")
    return {
        "counts": cleaned["counts"],
        "quarantine_reasons": cleaned["quarantine_reasons"],
        "source_formats": cleaned["source_formats"],
        "row_counts": published["row_counts"],
        "seconds": round(clean_s + flatten_s, 3),
        "first_seconds": round(first[2] + first[3], 3),
        "same_counts_first": (first[0]["counts"], first[1]["row_counts"])
        == (cleaned["counts"], published["row_counts"]),
        "steps": {"clean": round(clean_s, 3), "flatten": round(flatten_s, 3)},
        "clean_steps": cleaned["timings"].get("clean_steps"),
        "flatten_steps": published["timings"].get("flatten_steps"),
        "excluded": {"jvm_start": round(jvm_s, 3), "warmup": round(warmup_s, 3)},
    }


def duckdb_worker(dataset: str, path: Path, home: Path) -> dict[str, Any]:
    sys.path.insert(0, str(BENCH))
    reference = __import__(f"duckdb_{dataset}")
    return reference.run(
        path,
        home / "duckdb",
        source_uri=f"s3://raw/{dataset}/bench{SUFFIX[dataset]}",
        run_id="bench",
        ingested_at=INGESTED_AT.replace("T", " ").removesuffix("Z"),
    )


def run_engine(engine: str, dataset: str, path: Path, home: Path, warmup: Path) -> dict[str, Any]:
    """Run one engine in a child process; its result, plus the peak memory (PSS) of its process tree."""
    out = home / f"{engine}.json"
    cmd = [sys.executable, __file__, "--worker", engine, "--dataset", dataset, "--file", str(path),
           "--home", str(home), "--warmup-file", str(warmup), "--out", str(out)]  # fmt: skip
    proc = subprocess.Popen(cmd)  # noqa: S603
    peak = 0
    parent = psutil.Process(proc.pid)
    stop = threading.Event()

    parts: dict[str, int] = {}

    def sample() -> None:
        nonlocal peak, parts
        while not stop.is_set():
            try:
                tree = [parent, *parent.children(recursive=True)]
                pss = {f"{p.pid} {p.name()}": p.memory_full_info().pss for p in tree if p.is_running()}
                if sum(pss.values()) > peak:
                    peak, parts = sum(pss.values()), pss
            except psutil.Error:
                pass
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = proc.wait()
    stop.set()
    sampler.join()
    if code != 0:
        raise SystemExit(f"{engine} failed (exit {code})")
    at_peak = {name.split(" ", 1)[1]: round(pss / 2**20) for name, pss in parts.items()}
    return json.loads(out.read_text()) | {"peak_mb": round(peak / 2**20), "peak_parts": at_peak}


COMPARED = ("counts", "quarantine_reasons", "source_formats", "row_counts")


def bench(dataset: str, rows: int, seed: int, keep: bool) -> bool:
    home = Path(tempfile.mkdtemp(prefix=f"shoplake-bench-{dataset}-"))
    try:
        path = home / f"bench{SUFFIX[dataset]}"
        warmup = home / f"warmup{SUFFIX[dataset]}"
        started = time.perf_counter()
        truth = generate(dataset, path, rows, seed)
        generate(dataset, warmup, 2_000, seed + 1)
        size_mb = path.stat().st_size / 1e6
        print(f"\n== {dataset}: {truth['describe']}")
        print(f"   {size_mb:.1f} MB generated in {time.perf_counter() - started:.1f} s")
        results = {engine: run_engine(engine, dataset, path, home, warmup) for engine in ("spark", "duckdb")}
        read = truth["counts"]["records_read"]
        for engine, r in results.items():
            detail = ", ".join(f"{k} {v:.1f} s" for k, v in r.get("steps", {}).items())
            excluded = ", ".join(f"{k} {v:.1f} s" for k, v in r.get("excluded", {}).items())
            label = f"{engine} (steady state: the session's second 1 M-line file)" if "first_seconds" in r else engine
            print(
                f"   {label}\n   {'':<7}{r['seconds']:8.2f} s  {read / r['seconds']:>10,.0f} rows/s  "
                f"peak mem {r['peak_mb']:>6,} MB" + (f"  ({detail}; not counted: {excluded})" if detail else "")
            )
            if len(r.get("peak_parts", {})) > 1:
                parts = ", ".join(f"{k} {v:,} MB" for k, v in r["peak_parts"].items())
                print(f"            peak memory by process: {parts}")
            if r.get("clean_steps"):
                print("            clean: " + ", ".join(f"{k} {v:.1f} s" for k, v in r["clean_steps"].items()))
            if r.get("flatten_steps"):
                print("          flatten: " + ", ".join(f"{k} {v:.1f} s" for k, v in r["flatten_steps"].items()))
            if "first_seconds" in r:
                print(f"            the session's first file of that size: {r['first_seconds']:.2f} s "
                      f"({read / r['first_seconds']:,.0f} rows/s)")  # fmt: skip
        spark, duck = results["spark"], results["duckdb"]
        ratio = duck["seconds"] / spark["seconds"]
        print(f"   ratio  Spark reaches {ratio:.0%} of DuckDB's rows/s (first file: "
              f"{duck['seconds'] / spark['first_seconds']:.0%}); peak memory Spark/DuckDB "
              f"{spark['peak_mb'] / duck['peak_mb']:.2f}")  # fmt: skip
        ok = spark["same_counts_first"]
        if not ok:
            print("   DIFFER: Spark's two runs of the same file gave different counts", file=sys.stderr)
        for key in COMPARED:
            if spark[key] != duck[key]:
                print(f"   DIFFER {key}: spark {spark[key]} != duckdb {duck[key]}", file=sys.stderr)
                ok = False
        for key in ("counts", "quarantine_reasons"):
            if spark[key] != truth[key]:
                print(f"   DIFFER from the generator's truth, {key}: {spark[key]} != {truth[key]}", file=sys.stderr)
                ok = False
        if ok:
            print(f"   counts match: both engines and the generator ({json.dumps(spark['counts'])}); "
                  f"rows published {json.dumps(spark['row_counts'])}")  # fmt: skip
        return ok
    finally:
        if keep:
            print(f"   kept {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", choices=("reviews", "transactions", "all"), default="reviews")
    parser.add_argument("--rows", type=int, default=1_000_000, help="records to generate")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    # The child processes' own arguments.
    parser.add_argument("--worker", choices=("spark", "duckdb"), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--warmup-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)
    if opts.worker:
        if opts.worker == "spark":
            result = spark_worker(opts.dataset, opts.file, opts.home, opts.warmup_file)
        else:
            result = duckdb_worker(opts.dataset, opts.file, opts.home)
        opts.out.write_text(json.dumps(result))
        return 0
    datasets = ("reviews", "transactions") if opts.dataset == "all" else (opts.dataset,)
    ok = [bench(d, opts.rows, opts.seed, opts.keep) for d in datasets]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
