"""Wall time of one ``shoplake ingest`` of ten small files of mixed datasets (one transform run),
side by side with the same ten files ingested one call each (ten transform runs).

Writes ten samples of the simulated shop (orders, catalogue, tracker events, reviews: JSON Lines,
JSON array and CSV), each into a fresh temporary SHOPLAKE_HOME, times the ``shoplake`` command
as a user runs it (a new process: interpreter, Spark JVM and Airflow start included), checks
that every file SUCCEEDED and reconciles, and prints the figures.

    python bench/ingest_batch.py [--rows 500] [--one-by-one] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

BIN = Path(sys.executable).parent
DAY = date(2026, 12, 1)
# (dataset, file name): ten small files of four datasets and five formats / layouts.
FILES = [
    ("transactions", "orders-a.csv"),
    ("transactions", "orders-b.jsonl"),
    ("transactions", "orders-c.csv"),
    ("products", "catalogue.json"),
    ("products", "catalogue-update.csv"),
    ("clickstream", "events-a.jsonl"),
    ("clickstream", "events-b.csv"),
    ("clickstream", "events-c.jsonl"),
    ("reviews", "store-reviews.csv"),
    ("reviews", "amazon.jsonl"),
]


def write_files(out: Path, rows: int) -> list[str]:
    from shoplake.datasets import sample_module

    args = []
    for n, (dataset, name) in enumerate(FILES):
        path = out / name
        sample_module(dataset).write_sample(path, rows, seed=100 + n, day=DAY)
        args.append(f"{dataset}:{path}")
    return args


def ingest(home: Path, *files: str) -> tuple[float, list[dict]]:
    started = time.perf_counter()
    proc = subprocess.run(  # noqa: S603
        [str(BIN / "shoplake"), "ingest", "--json", "--date", str(DAY), *files],
        env={**os.environ, "SHOPLAKE_HOME": str(home)},
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"shoplake ingest failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return seconds, json.loads(proc.stdout)


def check(report: list[dict]) -> tuple[int, int]:
    records = 0
    for r in report:
        c = r["counts"]
        if r["status"] != "SUCCEEDED" or c["records_read"] != c["processed"] + c["quarantined"] + c["duplicates"]:
            raise SystemExit(f"{r['file']}: {r['status']} {c}")
        records += c["records_read"]
    transforms = {json.dumps(r["transform"], sort_keys=True) for r in report if r.get("transform")}
    return records, len(transforms)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=500, help="records per file")
    parser.add_argument("--one-by-one", action="store_true", help="also ingest the ten files one call each")
    parser.add_argument("--keep", action="store_true", help="keep the temporary homes")
    opts = parser.parse_args(argv)

    root = Path(tempfile.mkdtemp(prefix="shoplake-bench-ingest-"))
    try:
        samples = root / "samples"
        samples.mkdir()
        files = write_files(samples, opts.rows)

        seconds, report = ingest(root / "batch", *files)
        records, transforms = check(report)
        transform = report[0]["transform"]
        print(f"one `shoplake ingest` of {len(files)} files ({records:,} records, 4 datasets): {seconds:.1f} s wall")
        print(f"  transform runs: {transforms}; DAG {transform['state']}, {transform.get('seconds', 0):.1f} s of it")

        if opts.one_by_one:
            home = root / "one-by-one"
            total, runs = 0.0, 0
            for f in files:
                s, r = ingest(home, f)
                total += s
                runs += check(r)[1]
            print(f"the same {len(files)} files, one `shoplake ingest` each: {total:.1f} s wall, {runs} transform runs")
            print(f"  one call is {total / seconds:.1f}x faster")
    finally:
        if opts.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
