"""Change capture throughput: the first load of a large fact_sales, then a small incremental batch.

Starts a throw-away embedded PostgreSQL, fills fact_sales with ``--rows`` orders (generated in
the server), then captures them in batches of ``--batch`` rows (ADBC: binary COPY into Arrow,
Parquet into a local raw bucket) and prints rows/s; then changes ``--changes`` orders and times
the incremental batch from commit to file. Compare: ConnectorX's published ~300k rows/s
(PostgreSQL → Arrow on one machine), a row-by-row SQLAlchemy path ~20–50k rows/s.

    python bench/cdc_load.py [--rows 1000000] [--batch 200000] [--changes 500] [--keep]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=200_000)
    parser.add_argument("--changes", type=int, default=500)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--no-compare", dest="compare", action="store_false",
                        help="Skip the references: ConnectorX and a row-by-row read of the same rows.")  # fmt: skip
    opts = parser.parse_args(argv)

    import adbc_driver_postgresql.dbapi as adbc
    import psycopg

    from shoplake.core.postgres import cdc
    from shoplake.core.storage import LocalObjectStore
    from shoplake.local.postgres import LocalPostgres
    from shoplake.tooling.simulate import seed_dimensions

    home = Path(tempfile.mkdtemp(prefix="shoplake-bench-cdc-"))
    pg = LocalPostgres(home)
    try:
        uri = pg.start().uri
        with psycopg.connect(uri) as con:
            seed_dimensions(con)
            started = time.perf_counter()
            con.execute(
                """
                insert into fact_sales (user_id, product_id, quantity, total_amount, status)
                select 1 + i %% 400, 'SKU-' || lpad((1 + i %% 120)::text, 5, '0'), 1 + i %% 3, (1 + i %% 3) * 19.99,
                       (array['PENDING', 'SHIPPED', 'DELIVERED', 'CANCELLED'])[1 + i %% 4]
                from generate_series(1, %s) as i
                """,
                (opts.rows,),
            )
            con.commit()
            print(f"source: {opts.rows:,} fact_sales rows written in {time.perf_counter() - started:.1f} s")
        store = LocalObjectStore(home / "lake")
        marks = cdc.LocalWatermarks(home / "state")

        def connect():
            return adbc.connect(uri)

        started = time.perf_counter()
        captured = batches = 0
        while (b := cdc.extract(connect, store, "raw", marks, "fact_sales", limit=opts.batch)).key is not None:
            captured += b.upserts
            batches += 1
        seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in (home / "lake").rglob("*.parquet"))
        rate = captured / seconds
        print(f"first load: {captured:,} rows in {batches} batches in {seconds:.1f} s = {rate:,.0f} rows/s "
              f"({size / 1e6:.1f} MB of Parquet)")  # fmt: skip
        if opts.compare:
            compare(uri, captured, rate)
        with psycopg.connect(uri) as con:
            con.execute("update fact_sales set status = 'DELIVERED' where sale_id <= %s", (opts.changes,))
            con.commit()
            committed = time.perf_counter()
        b = cdc.extract(connect, store, "raw", marks, "fact_sales")
        print(f"incremental: {b.upserts:,} changed rows committed → in raw in {time.perf_counter() - committed:.3f} s")
    finally:
        pg.stop()
        if not opts.keep:
            shutil.rmtree(home, ignore_errors=True)
    return 0


COLUMNS = "sale_id, user_id, product_id, quantity, total_amount::text, status, created_at, updated_at"


def compare(uri: str, rows: int, ours: float) -> None:
    """The same rows read by the references the issue names, side by side with ours (all three
    end in an Arrow table in memory; ours also writes Parquet batches)."""
    import adbc_driver_postgresql.dbapi as adbc
    import pyarrow as pa

    query = f"select {COLUMNS} from fact_sales"  # noqa: S608 - constants
    started = time.perf_counter()
    with adbc.connect(uri) as con, con.cursor() as cur:
        cur.execute(query)
        table = cur.fetch_arrow_table()
    seconds = time.perf_counter() - started
    print(f"  of which reading alone (ADBC, the same query into Arrow): {table.num_rows:,} rows in {seconds:.1f} s = "
          f"{table.num_rows / seconds:,.0f} rows/s")  # fmt: skip
    try:
        import connectorx as cx
    except ImportError:
        print("ConnectorX: not installed (pip install connectorx==0.4.3)")
    else:
        from urllib.parse import parse_qs, urlparse

        parts = urlparse(uri)  # the embedded server listens on a Unix socket
        socket = parse_qs(parts.query)["host"][0]
        started = time.perf_counter()
        table = cx.read_sql(f"postgresql://{parts.username}@localhost{parts.path}?host={socket}", query,
                            return_type="arrow")  # fmt: skip
        seconds = time.perf_counter() - started
        print(f"reference, ConnectorX 0.4.3 (one connection): {table.num_rows:,} rows in {seconds:.1f} s = "
              f"{table.num_rows / seconds:,.0f} rows/s")  # fmt: skip
    import sqlalchemy as sa

    engine = sa.create_engine(uri.replace("postgresql://", "postgresql+psycopg://", 1))
    started = time.perf_counter()
    with engine.connect() as con:
        records = [dict(r._mapping) for r in con.execute(sa.text(query))]
    table = pa.Table.from_pylist(records)
    seconds = time.perf_counter() - started
    print(f"reference, row by row (SQLAlchemy {sa.__version__} rows → dicts → Arrow): {table.num_rows:,} rows in "
          f"{seconds:.1f} s = {table.num_rows / seconds:,.0f} rows/s; ours {ours:,.0f} rows/s = "
          f"{ours / (table.num_rows / seconds):.1f}×")  # fmt: skip
    engine.dispose()
    assert table.num_rows == rows


if __name__ == "__main__":
    sys.exit(main())
