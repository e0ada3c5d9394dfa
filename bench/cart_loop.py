"""Landing to promotions: wall time from a generated cart-events file landing in the raw zone to
the promotions file written in the consumption zone, on one machine.

Sets up a shop that is already running (two weeks of cart events and a month of orders landed
and transformed once, a complete build), then runs the scheduled generator ``--runs`` times at
consecutive simulated slots. Each run times, from the moment its file is in the raw bucket: the
event-driven pipeline (intake, validate, Glue clean and flatten on the warm SparkSession,
warehouse refresh), the transform DAG (``dag.test()``: the models downstream of cart_events),
and the export the DAG's "Marts Rebuilt" event starts. Prints each run and the median.

    python bench/cart_loop.py [--runs 3] [--every 3600] [--sessions-per-day 1440] [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--every", type=int, default=3600, help="the generator's interval, seconds")
    parser.add_argument("--sessions-per-day", type=int, default=1440)
    parser.add_argument("--keep", action="store_true", help="keep the temporary SHOPLAKE_HOME")
    opts = parser.parse_args(argv)

    home = Path(tempfile.mkdtemp(prefix="shoplake-bench-cart-"))
    os.environ["SHOPLAKE_HOME"] = str(home)
    from shoplake.datasets.cart_events.sample import write_sample as write_cart_events
    from shoplake.datasets.transactions.sample import write_sample as write_orders
    from shoplake.local.runtime import LocalCloud

    day = date(2026, 12, 1)
    samples = home / "samples"
    carts, orders = samples / "cart-events.csv", samples / "orders.csv"
    write_cart_events(carts, None, day=day - timedelta(days=14), until=day - timedelta(days=1))
    write_orders(orders, None, day=day - timedelta(days=30), until=day)
    print(f"SHOPLAKE_HOME={home}")
    times = []
    try:
        with LocalCloud(
            home, cart_events_every_seconds=opts.every, cart_sessions_per_day=opts.sessions_per_day
        ) as cloud:
            started = time.perf_counter()
            cloud.ingest_batch([(carts, "cart_events", str(day)), (orders, "transactions", str(day))])
            print(f"setup: history landed and a complete build in {time.perf_counter() - started:.1f} s")
            slot = datetime(2026, 12, 1, 1, tzinfo=UTC)
            for n in range(1, opts.runs + 1):
                slot += timedelta(seconds=opts.every)
                made = cloud.generate_cart_events(slot)
                if made["key"] is None:
                    print(f"run {n}: a quiet window, no file")
                    continue
                landed = time.perf_counter()  # the object is in the raw bucket
                result = cloud.process(cloud.generated_object_event(made["key"]), file=made["key"], transform=False)
                published = time.perf_counter()
                summary = cloud.transform([result])
                done = time.perf_counter()
                exported = [d["result"] for d in summary["deliveries"] if d["result"].get("exported")]
                if result.status != "SUCCEEDED" or summary["state"] != "success" or not exported:
                    print(f"run {n}: FAILED ({result.status}, transform {summary['state']}, exports {exported})")
                    return 1
                ran = sum(v in ("success", "pass", "warn") for v in summary["nodes"].values())
                times.append(done - landed)
                print(
                    f"run {n}: {made['events']} events → promotions/date={exported[0]['date']} "
                    f"({exported[0]['rows']} rows): {done - landed:.1f} s from landing "
                    f"(pipeline {published - landed:.1f} s, transform DAG {summary['seconds']:.1f} s, {ran} dbt nodes, "
                    f"export and delivery {done - published - summary['seconds']:.1f} s)"
                )
    finally:
        if not opts.keep:
            shutil.rmtree(home, ignore_errors=True)
    if times:
        print(f"landing → promotions file: median {statistics.median(times):.1f} s over {len(times)} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
