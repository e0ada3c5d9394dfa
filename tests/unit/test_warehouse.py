"""Warehouse adapters: DuckDB views over committed files; Snowflake refresh and registration check."""

from __future__ import annotations

import duckdb
import pytest

from shoplake.core import errors
from shoplake.core.warehouse.duckdb import view_sql
from shoplake.core.warehouse.snowflake import SnowflakeWarehouse, quote_ident
from shoplake.datasets.reviews.contract import REVIEWS

SID = "0123456789abcdef"
MANIFEST = {
    "source_id": SID,
    "source_uri": "s3://raw/reviews/a.jsonl",
    "run_id": "reviews-r2",
    "tables": {
        "reviews": [f"s3://processed/reviews/source={SID}/run=reviews-r2/review_year=2014/part-0.parquet"],
        "review_images": [],
        "reviews_quarantine": [f"s3://processed/reviews_quarantine/source={SID}/run=reviews-r2/part-0.parquet"],
    },
    "row_counts": {"reviews": 2, "review_images": 0, "reviews_quarantine": 1},
}


def test_empty_view_has_the_contract_schema():
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute(view_sql("raw", REVIEWS.table("reviews_quarantine"), []))
    assert con.execute("describe raw.reviews_quarantine").fetchall() == [
        ("source_uri", "VARCHAR", "YES", None, None, None),
        ("line_number", "BIGINT", "YES", None, None, None),
        ("reason", "VARCHAR", "YES", None, None, None),
        ("raw_record", "VARCHAR", "YES", None, None, None),
        ("run_id", "VARCHAR", "YES", None, None, None),
    ]
    assert con.execute("select count(*) from raw.reviews_quarantine").fetchone() == (0,)


def test_view_paths_are_quoted_as_literals():
    sql = view_sql("raw", REVIEWS.table("reviews_quarantine"), ["/lake/it's.parquet"])
    assert "['/lake/it''s.parquet']" in sql


class FakeCursor:
    """Answers like Snowflake: the refresh returns file rows, EXTERNAL_TABLE_FILES the registered names."""

    def __init__(self, registered: dict[str, list[str]]):
        self.registered = registered
        self.executed: list[tuple[str, tuple]] = []
        self._rows: list[tuple] = []

    def execute(self, sql, params=()):
        self.executed.append((sql, params))
        if sql.startswith("ALTER EXTERNAL TABLE"):
            self._rows = [("reviews/…", "REGISTERED_NEW", "File registered successfully.")]
        elif "EXTERNAL_TABLE_FILES" in sql:
            table = params[0].rsplit(".", 1)[1].lower().removesuffix("__sources")
            self._rows = [(name,) for name in self.registered[table] if name.startswith(params[1])]
        return self

    def fetchall(self):
        return self._rows


class FakeConnection:
    def __init__(self, cursor):
        self._cursor = cursor
        self.closed = False

    def cursor(self):
        return self._cursor

    def close(self):
        self.closed = True


def _keys(table):
    return [f.removeprefix("s3://processed/") for f in MANIFEST["tables"][table]]


@pytest.fixture
def lake(tmp_path):
    """A lake whose one source is MANIFEST's (the Snowflake views are re-created from its state)."""
    import json

    from shoplake.core import layout
    from shoplake.core.storage import LocalObjectStore

    store = LocalObjectStore(tmp_path / "lake")
    store.put_bytes(layout.source_manifest_uri("s3://processed", "reviews", SID), json.dumps(MANIFEST).encode())
    return store


CHECK = (
    'SELECT file_name FROM TABLE("SHOPLAKE".INFORMATION_SCHEMA.EXTERNAL_TABLE_FILES(TABLE_NAME => %s)) '
    "WHERE STARTSWITH(file_name, %s)"
)


def _view(table: str, sql: str) -> str:
    from shoplake.core.warehouse.snowflake import view_columns

    cols = ", ".join(f'"{c.upper()}"' for c in view_columns(REVIEWS.table(table)))
    return f'CREATE OR REPLACE VIEW "SHOPLAKE"."RAW"."{table.upper()}" COPY GRANTS AS ' + sql.format(cols=cols)


def test_snowflake_refresh_runs_one_refresh_per_table_and_checks_the_registered_files(lake):
    runs = ["_manifests/reviews/runs/reviews-r1.json", "_manifests/reviews/runs/reviews-r2.json"]
    cursor = FakeCursor({**{t: _keys(t) for t in MANIFEST["tables"]}, "pipeline_runs": runs})
    conn = FakeConnection(cursor)
    wh = SnowflakeWarehouse(lambda: conn, "SHOPLAKE", "RAW", lake)

    result = wh.refresh(REVIEWS, "s3://processed", MANIFEST)

    assert cursor.executed == [
        ('ALTER EXTERNAL TABLE "SHOPLAKE"."RAW"."REVIEWS__SOURCES" REFRESH %s', (f"reviews/source={SID}/",)),
        (CHECK, ("SHOPLAKE.RAW.REVIEWS__SOURCES", f"reviews/source={SID}/")),
        (
            'ALTER EXTERNAL TABLE "SHOPLAKE"."RAW"."REVIEW_IMAGES__SOURCES" REFRESH %s',
            (f"review_images/source={SID}/",),
        ),
        (CHECK, ("SHOPLAKE.RAW.REVIEW_IMAGES__SOURCES", f"review_images/source={SID}/")),
        (
            'ALTER EXTERNAL TABLE "SHOPLAKE"."RAW"."REVIEWS_QUARANTINE__SOURCES" REFRESH %s',
            (f"reviews_quarantine/source={SID}/",),
        ),
        (CHECK, ("SHOPLAKE.RAW.REVIEWS_QUARANTINE__SOURCES", f"reviews_quarantine/source={SID}/")),
        ('ALTER EXTERNAL TABLE "SHOPLAKE"."RAW"."PIPELINE_RUNS" REFRESH %s', ("_manifests/reviews/runs/",)),
        (CHECK, ("SHOPLAKE.RAW.PIPELINE_RUNS", "_manifests/reviews/runs/reviews-r2.json")),
        # no segment yet: each view reads every source's own files
        *[(_view(t, f'SELECT {{cols}} FROM "SHOPLAKE"."RAW"."{t.upper()}__SOURCES"'), ()) for t in MANIFEST["tables"]],
    ]
    assert result == {
        "reviews": {"files": 1, "rows": 2},
        "review_images": {"files": 0, "rows": 0},
        "reviews_quarantine": {"files": 1, "rows": 1},
    }
    assert conn.closed


def test_snowflake_views_read_each_source_from_its_segment_or_its_own_files(lake):
    import json

    from shoplake.core import compaction, layout

    # Given a live segment holding the first source, and a second source outside it
    tags = lake.list_tags(layout.source_manifests_prefix("s3://processed", "reviews"))
    segment_id = "20261204T013912598274Z-f548ed75"
    other = "fedcba9876543210"
    segment = {
        "segment_id": segment_id,
        "sources": {SID: {"tag": next(iter(tags.values())), "run_id": "reviews-r2"}},
        "tables": {},
        "row_counts": {"reviews": 2, "review_images": 0, "reviews_quarantine": 1},
    }
    lake.put_bytes(layout.segment_manifest_uri("s3://processed", "reviews", segment_id), json.dumps(segment).encode())
    lake.put_bytes(layout.source_manifest_uri("s3://processed", "reviews", other), json.dumps(MANIFEST).encode())
    state = compaction.lake_state(lake, "s3://processed", "reviews")

    sql, params = SnowflakeWarehouse(None, "SHOPLAKE", "RAW").view_statement(REVIEWS.table("reviews"), state)

    # Then the view reads the second source's files and the segment's, the ids bound as parameters
    assert sql == _view(
        "reviews",
        'SELECT {cols} FROM "SHOPLAKE"."RAW"."REVIEWS__SOURCES" WHERE SOURCE_ID IN (%s) UNION ALL '
        'SELECT {cols} FROM "SHOPLAKE"."RAW"."REVIEWS__SEGMENTS" WHERE SEGMENT_ID IN (%s)',
    )
    assert params == (other, segment_id)
    # and an id that is not one of ours never reaches SQL
    state.live[0]["segment_id"] = "x') OR 1=1 --"
    with pytest.raises(errors.ConfigurationError, match="not a segment id"):
        SnowflakeWarehouse(None, "SHOPLAKE", "RAW").view_statement(REVIEWS.table("reviews"), state)


def test_snowflake_refresh_fails_when_the_run_manifest_is_not_registered(lake):
    cursor = FakeCursor({**{t: _keys(t) for t in MANIFEST["tables"]}, "pipeline_runs": []})
    with pytest.raises(errors.WarehouseRefreshError, match="pipeline_runs: '_manifests/reviews/runs/reviews-r2.json'"):
        SnowflakeWarehouse(lambda: FakeConnection(cursor), "SHOPLAKE", "RAW", lake).refresh(
            REVIEWS, "s3://processed", MANIFEST
        )


def test_snowflake_refresh_is_not_trusted_blindly(lake):
    # the previous run's file is still registered (its deletion was not picked up)
    stale = f"reviews/source={SID}/run=reviews-r1/review_year=2014/part-0.parquet"
    cursor = FakeCursor({"reviews": [*_keys("reviews"), stale], "review_images": [], "reviews_quarantine": []})
    conn = FakeConnection(cursor)
    with pytest.raises(errors.WarehouseRefreshError, match="0 committed files are not registered and 1 registered"):
        SnowflakeWarehouse(lambda: conn, "SHOPLAKE", "RAW", lake).refresh(REVIEWS, "s3://processed", MANIFEST)
    assert conn.closed


@pytest.mark.parametrize("name", ['RAW"; DROP TABLE X; --', "raw.reviews", "", "1abc"])
def test_identifiers_are_checked_before_they_reach_sql(name):
    with pytest.raises(errors.ConfigurationError):
        quote_ident(name)


def test_empty_runs_view_has_the_contract_schema():
    from shoplake.core.contracts import PIPELINE_RUNS
    from shoplake.core.warehouse.duckdb import runs_view_sql

    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute(runs_view_sql("raw", []))
    described = [(name, typ) for name, typ, *_ in con.execute("describe raw.pipeline_runs").fetchall()]
    assert described == [
        (
            c.name,
            {"string": "VARCHAR", "bigint": "BIGINT", "timestamp": "TIMESTAMP", "double": "DOUBLE"}.get(
                c.type, "MAP(VARCHAR, BIGINT)"
            ),
        )
        for c in PIPELINE_RUNS.columns
    ]
    assert con.execute("select count(*) from raw.pipeline_runs").fetchone() == (0,)


def test_a_refresh_gives_raw_every_registered_datasets_tables(tmp_path):
    # Given a warehouse that has seen nothing yet
    from shoplake.core.storage import LocalObjectStore
    from shoplake.core.warehouse.duckdb import DuckDBWarehouse
    from shoplake.datasets import DATASETS

    warehouse = DuckDBWarehouse(tmp_path / "warehouse.duckdb", LocalObjectStore(tmp_path / "lake"))
    # When the first reviews file is refreshed
    warehouse.rebuild_views(REVIEWS, "s3://processed")
    # Then raw.* has every contract's tables (empty until their datasets publish), as Snowflake does
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        views = con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' order by 1"
        ).fetchall()
        counts = {name: con.execute(f'select count(*) from raw."{name}"').fetchone()[0] for (name,) in views}
    assert sorted(counts) == sorted([t.name for ds in DATASETS.values() for t in ds.tables] + ["pipeline_runs"])
    assert set(counts.values()) == {0}
