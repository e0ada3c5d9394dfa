"""The dashboard's parts that need no Streamlit: formatting, configuration, readers, executions."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import duckdb
import pytest

from shoplake.core.errors import ConfigurationError
from shoplake.reporting.dashboard import formatting as fmt
from shoplake.reporting.dashboard import queries as q
from shoplake.reporting.dashboard.launch import app_overrides, streamlit_command
from shoplake.reporting.dashboard.marts import (
    DashboardSettings,
    DuckDBMarts,
    SnowflakeMarts,
    WarehouseUnavailable,
    executions_from_settings,
    marts_from_settings,
)
from shoplake.reporting.executions import Execution, LocalRunRecords, StepFunctionsExecutions, outcome


# -- formatting -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "–"), (0, "0"), (12_345, "12,345"), (999_999, "999,999"), (1_234_567, "1.23 M"), (48_500_000, "48.5 M")],
)
def test_count(value, text):
    assert fmt.count(value) == text


def test_rating_share_seconds_and_names():
    assert [fmt.rating(4.2167), fmt.rating(None)] == ["4.22 ★", "–"]
    assert [fmt.share(0.3751), fmt.share(0.19047, 2), fmt.share(None)] == ["37.5%", "19.05%", "–"]
    assert [fmt.seconds(0.8), fmt.seconds(75), fmt.seconds(3600), fmt.seconds(None)] == [
        "0.8 s",
        "1 min 15 s",
        "60 min 00 s",
        "–",
    ]
    assert fmt.file_name("s3://raw/reviews/2024/dump.jsonl.gz") == "dump.jsonl.gz"
    assert fmt.timestamp(datetime(2026, 11, 23, 10, 41, 59)) == "2026-11-23 10:41 UTC"
    paris_winter = timezone(timedelta(hours=1))
    assert fmt.timestamp(datetime(2026, 11, 23, 12, 41, tzinfo=paris_winter)) == "2026-11-23 11:41 UTC"


def test_ago():
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    moments = [now - timedelta(seconds=s) for s in (30, 60 * 19 + 5, 3 * 3600, 47 * 3600, 5 * 86400)]
    assert [fmt.ago(m, now) for m in moments] == ["just now", "19 min ago", "3 h ago", "47 h ago", "5 days ago"]
    assert fmt.ago(datetime(2026, 11, 23, 11, 0), now) == "1 h ago"  # naive = UTC


# -- configuration ----------------------------------------------------------------------------
def test_local_is_the_default(tmp_path, monkeypatch):
    monkeypatch.delenv("DASHBOARD_WAREHOUSE", raising=False)
    monkeypatch.setenv("SHOPLAKE_HOME", str(tmp_path))
    settings = DashboardSettings.load()
    marts = marts_from_settings(settings)
    assert isinstance(marts, DuckDBMarts)
    assert marts.path == tmp_path / "warehouse.duckdb"
    runs = executions_from_settings(settings)
    assert isinstance(runs, LocalRunRecords) and runs.directory == tmp_path / "runs"


def test_snowflake_connection_comes_from_the_environment(monkeypatch):
    import snowflake.connector

    env = {
        "DASHBOARD_WAREHOUSE": "snowflake",
        "SNOWFLAKE_ACCOUNT": "xy12345.eu-west-1",
        "SNOWFLAKE_USER": "reporter",
        "SNOWFLAKE_PASSWORD": "from-the-environment",
        "SNOWFLAKE_ROLE": "SHOPLAKE_REPORTER",
        "SNOWFLAKE_WAREHOUSE": "SHOPLAKE_WH",
        "SNOWFLAKE_DATABASE": "SHOPLAKE",
        "STATE_MACHINE_ARN": "arn:aws:states:eu-west-1:123456789012:stateMachine:shoplake-prod-review-pipeline",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    for k in ("SNOWFLAKE_PRIVATE_KEY_PATH", "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE", "SNOWFLAKE_AUTHENTICATOR"):
        monkeypatch.delenv(k, raising=False)
    seen = {}
    monkeypatch.setattr(snowflake.connector, "connect", lambda **kw: seen.update(kw) or FakeConnection([]))

    settings = DashboardSettings.load()
    marts = marts_from_settings(settings)
    marts.query("select 1")

    assert isinstance(marts, SnowflakeMarts) and marts.description == "Snowflake · SHOPLAKE.MARTS"
    assert seen == {
        "account": "xy12345.eu-west-1",
        "user": "reporter",
        "password": "from-the-environment",
        "role": "SHOPLAKE_REPORTER",
        "application": "shoplake",
        "session_parameters": {"QUERY_TAG": "shoplake dashboard"},
        "database": "SHOPLAKE",
        "warehouse": "SHOPLAKE_WH",
        "paramstyle": "qmark",
        "client_session_keep_alive": True,
    }
    assert marts.cache_key == "snowflake:xy12345.eu-west-1/reporter/SHOPLAKE_REPORTER/SHOPLAKE/SHOPLAKE_WH"
    runs = executions_from_settings(settings)
    assert isinstance(runs, StepFunctionsExecutions)
    assert runs.description == "Step Functions executions of shoplake-prod-review-pipeline"


def test_the_launchers_arguments_win_over_the_environment(tmp_path, monkeypatch):
    # Streamlit copies root-level keys of .streamlit/secrets.toml into the environment at start;
    # what `shoplake dashboard` passes after `--` must still decide.
    monkeypatch.setenv("DASHBOARD_WAREHOUSE", "snowflake")
    monkeypatch.setenv("SHOPLAKE_HOME", "/somewhere/else")
    command = streamlit_command(port=8502, home=tmp_path, warehouse="duckdb")
    app_args = command[command.index("--") + 1 :]
    assert app_args == ["--home", str(tmp_path), "--warehouse", "duckdb"]

    settings = DashboardSettings.load(**app_overrides(app_args))

    assert (settings.dashboard_warehouse, settings.shoplake_home) == ("duckdb", tmp_path)
    assert app_overrides(["-q", "tests/x.py", "-k", "name"]) == {}  # e.g. pytest's argv under AppTest


def test_snowflake_needs_database_and_warehouse(monkeypatch):
    monkeypatch.setenv("DASHBOARD_WAREHOUSE", "snowflake")
    monkeypatch.setenv("SNOWFLAKE_DATABASE", "SHOPLAKE")
    monkeypatch.delenv("SNOWFLAKE_WAREHOUSE", raising=False)
    with pytest.raises(ConfigurationError, match="^DASHBOARD_WAREHOUSE=snowflake needs SNOWFLAKE_WAREHOUSE$"):
        DashboardSettings.load()
    monkeypatch.setenv("DASHBOARD_WAREHOUSE", "postgres")
    with pytest.raises(ConfigurationError, match="DASHBOARD_WAREHOUSE"):
        DashboardSettings.load()


# -- readers ----------------------------------------------------------------------------------
class FakeCursor:
    def __init__(self, log):
        self.log = log
        self.description = [("PRODUCT_ID",), ("REVIEW_COUNT",)]

    def execute(self, sql, params):
        self.log.append((sql, params))

    def fetchall(self):
        return [("P1", 3), ("P2", 1)]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class FakeConnection:
    def __init__(self, log):
        self.log = log
        self.closed = False

    def cursor(self):
        return FakeCursor(self.log)

    def is_closed(self):
        return self.closed


class BrokenCursor(FakeCursor):
    def execute(self, sql, params):
        from snowflake.connector.errors import ProgrammingError

        raise ProgrammingError(msg="Session no longer exists.", errno=390111)


class BrokenConnection(FakeConnection):
    def cursor(self):
        return BrokenCursor(self.log)

    def close(self):
        self.closed = True


def test_snowflake_reader_reconnects_once_then_reports_the_warehouse_unavailable():
    log = []
    connections = [BrokenConnection(log), FakeConnection(log)]
    marts = SnowflakeMarts(lambda: connections.pop(0), "SHOPLAKE")
    # an expired session: the query is retried on a new connection
    assert marts.query("select 1").to_dict("records")[0] == {"product_id": "P1", "review_count": 3}
    assert connections == []

    always_broken = SnowflakeMarts(lambda: BrokenConnection([]), "SHOPLAKE")
    with pytest.raises(WarehouseUnavailable, match="^Snowflake could not answer: .*Session no longer exists"):
        always_broken.query("select 1")


def test_snowflake_reader_binds_parameters_and_lowercases_columns():
    log, connects = [], []
    marts = SnowflakeMarts(lambda: connects.append(1) or FakeConnection(log), "SHOPLAKE")
    df = marts.query("select product_id, review_count from marts.product_rating_summary where review_count >= ?", [2])
    marts.query("select 1")
    assert df.to_dict("records") == [{"product_id": "P1", "review_count": 3}, {"product_id": "P2", "review_count": 1}]
    assert log[0] == ("select product_id, review_count from marts.product_rating_summary where review_count >= ?", [2])
    assert len(connects) == 1  # one connection, reused


def test_duckdb_reader_reports_a_missing_or_unbuilt_warehouse(tmp_path):
    with pytest.raises(WarehouseUnavailable, match="no local warehouse at .*: run `make demo`"):
        DuckDBMarts(tmp_path / "warehouse.duckdb").query("select 1")
    duckdb.connect(str(tmp_path / "warehouse.duckdb")).close()
    with pytest.raises(WarehouseUnavailable, match="the marts are not built"):
        DuckDBMarts(tmp_path / "warehouse.duckdb").query("select * from marts.fct_reviews")


def test_duckdb_reader_waits_for_a_writer_then_says_busy(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create table marts.t as select 1 as x")
        # Another process holds the file for writing (dbt): DuckDB's lock is per process, so
        # the reader runs in a child process.
        import subprocess
        import sys

        code = (
            "import sys; from pathlib import Path; from shoplake.reporting.dashboard.marts import DuckDBMarts, "
            "WarehouseUnavailable\n"
            "try:\n"
            f"    DuckDBMarts(Path({str(path)!r}), busy_timeout=1).query('select x from marts.t')\n"
            "except WarehouseUnavailable as e:\n"
            "    print(str(e).split(':')[0]); sys.exit(3)\n"
        )
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)  # noqa: S603
    assert (proc.returncode, proc.stdout.strip()) == (
        3,
        "the local warehouse is being written (a transform is running); try again shortly",
    )
    assert DuckDBMarts(path).query("select x from marts.t").to_dict("records") == [{"x": 1}]


# -- executions -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "output", "expected"),
    [
        ("SUCCEEDED", {"counts": {}}, ("SUCCEEDED", "")),
        ("SUCCEEDED", {"rejection": {"reason": "empty_object"}}, ("REJECTED", "empty_object")),
        ("SUCCEEDED", {"unchanged": True}, ("UNCHANGED", "same content as a published version")),
        ("FAILED", {}, ("FAILED", "")),
        ("RUNNING", {}, ("RUNNING", "")),
    ],
)
def test_outcome(status, output, expected):
    assert outcome(status, output) == expected


class FakeStepFunctions:
    """ListExecutions / DescribeExecution answers of three executions, as Step Functions gives them."""

    START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __init__(self):
        src = {"source": {"uri": "s3://raw/reviews/a.jsonl"}}
        counts = {"records_read": 7, "processed": 5, "quarantined": 1, "duplicates": 1}
        self.executions = {
            "pub": ("SUCCEEDED", src, {**src, "refresh": {"counts": counts}}, 0, 41.5),
            "same": ("SUCCEEDED", src, {**src, "unchanged": True}, 60, 0.5),
            "bad": ("FAILED", src, None, 120, 75.0),
        }

    def list_executions(self, stateMachineArn, maxResults):
        assert (stateMachineArn, maxResults) == ("arn:aws:states:eu-west-1:1:stateMachine:sm", 20)
        return {"executions": [{"executionArn": f"arn:{name}"} for name in self.executions]}

    def describe_execution(self, executionArn):
        name = executionArn.removeprefix("arn:")
        status, inp, out, offset, seconds = self.executions[name]
        started = self.START + timedelta(minutes=offset)
        desc = {"name": name, "status": status, "input": json.dumps(inp), "startDate": started}
        desc["stopDate"] = started + timedelta(seconds=seconds)
        if out is not None:
            desc["output"] = json.dumps(out)
        if status == "FAILED":
            desc["error"] = "States.TaskFailed"
        return desc


def test_step_functions_executions_with_their_outcomes_and_counts():
    source = StepFunctionsExecutions("arn:aws:states:eu-west-1:1:stateMachine:sm", client=FakeStepFunctions())
    uri, start = "s3://raw/reviews/a.jsonl", FakeStepFunctions.START
    assert source.recent() == [
        Execution("bad", start + timedelta(minutes=120), "FAILED", uri, 75.0, detail="States.TaskFailed"),
        Execution(
            "same", start + timedelta(minutes=60), "UNCHANGED", uri, 0.5, detail="same content as a published version"
        ),
        Execution("pub", start, "SUCCEEDED", uri, 41.5, 7, 5, 1, 1),
    ]
    assert source.cache_key == "arn:aws:states:eu-west-1:1:stateMachine:sm"


def test_row_limits_are_validated_integers():
    assert q._limit(10) == "10"
    for bad in (0, -1, 100_001, "10; drop table x", 2.5, True):
        with pytest.raises(ValueError, match="row limit must be an integer"):
            q._limit(bad)


def test_local_run_records_newest_first(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    base = {"quarantine_reasons": {}, "steps": [], "notifications": [], "announcements": [], "transform": None}
    records = {
        "20261123T090000-a": {
            **base, "file": "x", "status": "SUCCEEDED", "execution": "a", "source_uri": "s3://raw/reviews/a.jsonl",
            "counts": {"records_read": 3, "processed": 2, "quarantined": 1, "duplicates": 0}, "unchanged": False,
            "rejection": None, "error": None, "started_at": "2026-11-23T09:00:00+00:00", "seconds": 12.5,
        },
        "20261123T100000-b": {
            **base, "file": "y", "status": "SUCCEEDED", "execution": "b", "source_uri": "s3://raw/reviews/a.jsonl",
            "counts": {"records_read": 0, "processed": 0, "quarantined": 0, "duplicates": 0}, "unchanged": True,
            "rejection": None, "error": None, "started_at": "2026-11-23T10:00:00+00:00", "seconds": 0.5,
        },
    }  # fmt: skip
    for name, r in records.items():
        (runs / f"{name}.json").write_text(json.dumps(r))

    assert LocalRunRecords(runs).recent() == [
        Execution("b", datetime(2026, 11, 23, 10, tzinfo=UTC), "UNCHANGED", "s3://raw/reviews/a.jsonl", 0.5),
        Execution(
            "a", datetime(2026, 11, 23, 9, tzinfo=UTC), "SUCCEEDED", "s3://raw/reviews/a.jsonl", 12.5, 3, 2, 1, 0
        ),
    ]
    assert LocalRunRecords(runs).recent(limit=1)[0].name == "b"
    assert LocalRunRecords(tmp_path / "nothing").recent() == []
