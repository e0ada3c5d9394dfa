"""Throughput of the clean and flatten jobs on one warm local SparkSession.

Generates a deterministic review dump (mixed 2014 / 2018 / 2023 lines with the sample
generator's corrupt lines, duplicates and blank lines) into a temporary SHOPLAKE_HOME, runs
clean then flatten on it, checks the counts against the generator's truth and prints rows/s.
The JVM start and a small warm-up run are timed and printed separately.

    python bench/clean_flatten.py [--rows 50000] [--seed 7] [--gzip] [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000, help="non-blank lines to generate")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--gzip", action="store_true", help="land the dump gzipped")
    parser.add_argument("--warmup-rows", type=int, default=2_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary SHOPLAKE_HOME")
    opts = parser.parse_args(argv)

    home = Path(tempfile.mkdtemp(prefix="shoplake-bench-"))
    os.environ["SHOPLAKE_HOME"] = str(home)
    os.environ["STORAGE_BACKEND"] = "local"
    # Imported after SHOPLAKE_HOME is set: the store resolves it when asked.
    from shoplake.core.jobs import clean, flatten
    from shoplake.core.spark import get_spark
    from shoplake.core.storage import file_md5, get_store
    from shoplake.datasets.reviews.sample import describe, write_sample

    store = get_store("local")
    suffix = ".jsonl.gz" if opts.gzip else ".jsonl"

    def land(name: str, rows: int) -> tuple[str, object, float]:
        uri = f"s3://raw/reviews/{name}{suffix}"
        started = time.perf_counter()
        stats = write_sample(Path(store.spark_path(uri)), rows, seed=opts.seed)
        return uri, stats, time.perf_counter() - started

    def args(uri: str, run_id: str) -> dict[str, str]:
        # Built before a timer starts: the local ETag is an MD5 of the whole file.
        return {
            "dataset": "reviews",
            "source_uri": uri,
            "run_id": run_id,
            "processed_root": "s3://processed",
            "ingested_at": "2026-11-23T07:00:00.000Z",
            "storage_backend": "local",
            "source_etag": file_md5(Path(store.spark_path(uri))),
        }

    try:
        uri, stats, generate_s = land("bench", opts.rows)
        size_mb = Path(store.spark_path(uri)).stat().st_size / 1e6
        print(f"generated  {describe(stats)}")
        print(f"           {size_mb:.1f} MB{' gzipped' if opts.gzip else ''} in {generate_s:.1f} s")

        started = time.perf_counter()
        spark = get_spark()
        print(f"JVM + SparkSession start: {time.perf_counter() - started:.1f} s (excluded below)")

        warm_uri, _, _ = land("warmup", opts.warmup_rows)
        warm_args = args(warm_uri, "warmup")
        started = time.perf_counter()
        clean.run(spark, warm_args)
        flatten.run(spark, warm_args)
        print(f"warm-up run ({opts.warmup_rows:,} rows): {time.perf_counter() - started:.1f} s (excluded below)")

        bench_args = args(uri, "bench")
        started = time.perf_counter()
        cleaned = clean.run(spark, bench_args)
        clean_s = time.perf_counter() - started
        started = time.perf_counter()
        published = flatten.run(spark, bench_args)
        flatten_s = time.perf_counter() - started

        counts = cleaned["counts"]
        expected = {
            "records_read": stats.valid + stats.duplicates + stats.corrupt,
            "processed": stats.valid,
            "quarantined": stats.corrupt,
            "duplicates": stats.duplicates,
        }
        read, processed = counts["records_read"], counts["processed"]
        total_s = clean_s + flatten_s
        print(f"clean      {read:>9,} records read   {clean_s:7.2f} s  {read / clean_s:>9,.0f} rows/s")
        print(f"flatten    {processed:>9,} rows written {flatten_s:7.2f} s  {processed / flatten_s:>9,.0f} rows/s")
        print(f"total      {read:>9,} records read   {total_s:7.2f} s  {read / total_s:>9,.0f} rows/s")
        print(f"files      {', '.join(f'{t}: {len(f)}' for t, f in published['tables'].items())}")
        if counts != expected:
            print(f"COUNTS DIFFER from the generator's truth: {counts} != {expected}", file=sys.stderr)
            return 1
        print("counts     match the generator's truth")
        return 0
    finally:
        if opts.keep:
            print(f"kept {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
