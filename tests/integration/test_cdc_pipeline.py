"""Change capture end to end: four writers insert, update and delete in the real PostgreSQL while
the extractor function runs again and again (as the schedule would); then every batch goes
through the local pipeline (the state machine, Spark) and one transform builds silver. Afterwards
silver equals the source tables exactly, column for column, and no version reached the lake twice.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import duckdb
import psycopg
import pytest

from shoplake.core.postgres.cdc import TABLES
from shoplake.local.runtime import LocalCloud
from shoplake.tooling.simulate import simulate
from tests.integration.test_operational_db import fresh_database
from tests.integration.test_operational_db import server as server  # noqa: F401 - the module's server fixture

pytestmark = [pytest.mark.postgres, pytest.mark.spark]


def source_rows(uri: str, table: str) -> list[tuple]:
    columns = ", ".join(TABLES[table].column_names)
    with psycopg.connect(uri) as con:
        return sorted(con.execute(f"select {columns} from {table}").fetchall())  # noqa: S608 - the module's names


def normalised(row: tuple) -> tuple:
    """Source values as the warehouse holds them: timestamps in UTC without a zone."""
    return tuple(v.astimezone(UTC).replace(tzinfo=None) if isinstance(v, datetime) else v for v in row)


def test_silver_equals_the_source_after_concurrent_writers_and_captures(server, tmp_path, monkeypatch):  # noqa: F811
    uri = fresh_database(server)
    home = tmp_path / "home"
    monkeypatch.setenv("SHOPLAKE_HOME", str(home))
    batches: list[dict] = []
    with LocalCloud(home, cdc_lag_seconds=0.2, cdc_batch_rows=300) as cloud:
        # Given the order system's traffic from four connections
        done = threading.Event()
        result = {}

        def traffic() -> None:
            try:
                result["traffic"] = simulate(uri, rate=150, duration=3, writers=4, seed=5)
            finally:
                done.set()

        writers = threading.Thread(target=traffic)
        writers.start()
        # When the capture runs again and again meanwhile (first loads of 300 rows a chunk included)
        rounds = 0
        while not done.is_set() or rounds < 2:
            batches += [b for b in cloud.extract_changes(uri) if b["key"]]
            rounds += 1
            time.sleep(1.0)
        writers.join()
        assert result["traffic"].operations["delete"] > 0 and result["traffic"].operations["move"] > 0
        time.sleep(0.3)
        while written := [b for b in cloud.extract_changes(uri) if b["key"]]:
            batches += written
        # and every batch is taken through the pipeline, then one transform
        runs = [cloud.process(cloud.generated_object_event(b["key"]), file=b["key"], transform=False) for b in batches]
        assert {r.status for r in runs} == {"SUCCEEDED"}
        assert sum(r.counts["processed"] for r in runs) == sum(b["upserts"] + b["deletes"] for b in batches)
        summary = cloud.transform(runs)
        assert summary["state"] == "success", summary.get("failed")

    assert len({b["key"] for b in batches}) == len(batches)  # every batch once
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        for name, table in TABLES.items():
            columns = ", ".join(table.column_names)
            silver = sorted(con.execute(f"select {columns} from silver.{name}").fetchall())  # noqa: S608
            # Then silver is the source, exactly (microseconds, decimals, deletions)
            assert silver == [normalised(r) for r in source_rows(uri, name)], name
            # and no version of a row reached the lake twice, however often it was extracted
            versions = con.execute(
                f"select {table.key}, change_op, changed_at, count(*) from raw.cdc_{name} "  # noqa: S608
                "group by all having count(*) > 1"
            ).fetchall()
            assert versions == [], name
        deleted = con.execute("select count(*) from staging.stg_shop_db__fact_sales_changes "
                              "where change_op = 'delete'").fetchone()[0]  # fmt: skip
    with psycopg.connect(uri) as con:
        assert deleted == con.execute("select count(*) from deleted_rows where table_name = 'fact_sales'").fetchone()[0]
