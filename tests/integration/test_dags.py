"""The Airflow side: the DAGs import cleanly, and the transform DAG runs on a local warehouse,
building everything at first and afterwards only what the changed tables feed.

Airflow is imported in child processes only (as the local runtime does): importing it sets up
its configuration and logging for the whole interpreter, which the rest of the suite must not
inherit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import boto3
import duckdb
import pytest
from moto import mock_aws

from shoplake.datasets import DATASETS
from shoplake.local import transform as local
from shoplake.orchestration import airflow as orchestration
from shoplake.orchestration.assets import raw_tables
from tests.fixture_warehouse import FILE_1, FILE_2, make_home

_DESCRIBE_DAGS = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
def callbacks(value):
    return [f for f in (value if isinstance(value, list) else [value]) if f is not None]

def assets_of(cond):
    if cond is None:
        return []
    if hasattr(cond, "iter_assets"):
        return [a.uri for _, a in cond.iter_assets()]
    if hasattr(cond, "objects"):
        return [u for o in cond.objects for u in assets_of(o)]
    return [cond.uri] if hasattr(cond, "uri") else []

def hook(task):
    f = getattr(task, "_pre_execute_hook", None)
    return f"{f.__module__}.{f.__name__}" if f else None

bag = DagBag(dag_folder=sys.argv[1])
out = {"import_errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": {}}
for dag_id, dag in bag.dags.items():
    asset_condition = getattr(dag.timetable, "asset_condition", None)
    out["dags"][dag_id] = dict(
        tags=sorted(dag.tags),
        catchup=dag.catchup,
        max_active_runs=dag.max_active_runs,
        timetable=type(dag.timetable).__name__,
        assets=sorted(assets_of(asset_condition)),
        params=sorted(dag.params.keys()),
        tasks={
            t.task_id: {
                "operator": type(t).__name__,
                "retries": t.retries,
                "callbacks": [f"{f.__module__}.{f.__name__}" for f in callbacks(t.on_failure_callback)],
                "upstream": sorted(t.upstream_task_ids),
                "downstream": sorted(t.downstream_task_ids),
                "trigger_rule": getattr(t.trigger_rule, "value", t.trigger_rule),
                "pre_execute": hook(t),
                "on_warning": (lambda f: f"{f.__module__}.{f.__name__}" if f else None)(
                    getattr(t, "on_warning_callback", None)
                ),
                "full_refresh": getattr(t, "full_refresh", None),
                "outlets": [type(o).__name__ + ":" + getattr(o, "name", "") for o in t.outlets],
            }
            for t in dag.tasks
        },
    )
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory) -> dict[str, str]:
    """An environment for Airflow in a temporary AIRFLOW_HOME, with a freshly parsed dbt manifest."""
    root = tmp_path_factory.mktemp("airflow")
    manifest = root / "dbt-target" / "manifest.json"
    env = {
        **os.environ,
        **local.airflow_environment(root / "home"),
        orchestration.ENV_DBT_MANIFEST: str(manifest),
    }
    parse = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "from shoplake.orchestration.airflow import ensure_dbt_manifest; ensure_dbt_manifest()"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert parse.returncode == 0, parse.stdout[-3000:] + parse.stderr[-3000:]
    return env


@pytest.fixture(scope="module")
def dags(airflow_env) -> dict:
    proc = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _DESCRIBE_DAGS, str(orchestration.DAGS_DIR)],
        env=airflow_env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_dag_folder_imports_both_dags_with_the_house_rules(dags):
    assert dags["import_errors"] == {}
    assert sorted(dags["dags"]) == ["shoplake_transform", "warehouse_announcements"]
    for dag in dags["dags"].values():
        assert dag["catchup"] is False
        assert dag["max_active_runs"] == 1
        assert "shoplake" in dag["tags"]
        assert all(t["retries"] >= 2 for t in dag["tasks"].values())
        assert all(t["callbacks"] == ["shoplake.orchestration.airflow.notify_failure"] for t in dag["tasks"].values())


def test_the_transform_is_scheduled_daily_or_on_any_raw_tables_asset(dags):
    dag = dags["dags"]["shoplake_transform"]
    assert dag["tags"] == ["dbt", "shoplake", "transform"]
    assert dag["params"] == ["full_refresh"]
    assert dag["timetable"] == "AssetOrTimeSchedule"
    # one asset per table of every contract, and pipeline_runs
    tables = [t.name for ds in DATASETS.values() for t in ds.tables] + ["pipeline_runs"]
    assert dag["assets"] == sorted(f"shoplake://warehouse/raw/{t}" for t in tables)
    assert raw_tables() == tables


def test_the_transform_builds_with_one_dbt_task_then_records_and_announces(dags):
    tasks = dags["dags"]["shoplake_transform"]["tasks"]
    assert sorted(tasks) == ["announce_rebuilt_models", "dbt_build", "record_complete_build"]
    assert {t["operator"] for t in tasks.values()} == {"PythonOperator"}
    # the complete build is recorded only after the build succeeded; whatever failed, the
    # models that were rebuilt are announced
    assert tasks["dbt_build"]["downstream"] == ["announce_rebuilt_models", "record_complete_build"]
    assert tasks["record_complete_build"]["upstream"] == ["dbt_build"]
    assert tasks["record_complete_build"]["trigger_rule"] == "all_success"
    assert tasks["announce_rebuilt_models"]["upstream"] == ["dbt_build"]
    assert tasks["announce_rebuilt_models"]["trigger_rule"] == "all_done"


def test_the_announcements_dag_turns_messages_into_table_asset_events(dags):
    dag = dags["dags"]["warehouse_announcements"]
    assert dag["assets"] == ["shoplake://warehouse/announcements"]
    assert dag["tasks"]["publish_table_events"]["outlets"] == ["AssetAlias:shoplake_raw_tables"]


def _outbox(home: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((home / "events" / "outbox").glob("*.json"))]


def _states(summary: dict, *prefixes: str) -> dict[str, str]:
    return {k: v for k, v in summary["tasks"].items() if k.startswith(prefixes)}


def test_a_complete_build_first_then_only_what_the_changed_tables_feed(airflow_env, tmp_path, monkeypatch):
    # Given a local warehouse holding two files with repeated reviews, never transformed
    home = make_home(tmp_path / "home", FILE_1, FILE_2)
    monkeypatch.setenv(orchestration.ENV_DBT_MANIFEST, airflow_env[orchestration.ENV_DBT_MANIFEST])

    # When the local runtime runs the transform DAG for a reviews file
    announcement = {"run_id": "run-2", "assets": ["shoplake://warehouse/raw/reviews"]}
    first = local.run_dag(home, announcements=[announcement])

    # Then, the project never having been built, everything is built, and that is recorded
    assert first["state"] == "success", first
    assert first["dag_id"] == "shoplake_transform"
    assert first["plan"] == {"full": True, "reason": "the dbt project was not built completely yet", "tables": [],
                             "models": 0}  # fmt: skip
    assert set(first["tasks"].values()) == {"success"}
    assert Path(first["log"]).is_file() and Path(first["log"]).parent == home / "airflow" / "logs"
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*), count(distinct review_id) from marts.fct_reviews").fetchall() == [(7, 7)]
        assert con.execute("select count(*) from marts.product_rating_summary").fetchall() == [(3,)]
    # the only notification: file 2 repeated 1 of its 13 records, over the 5 % the checks allow
    notified = [json.loads(line) for line in (home / "notifications.jsonl").read_text().splitlines()]
    assert [(n["event"], n["task_id"], [w["test"].split(".")[2] for w in n["warnings"]]) for n in notified] == [
        ("transform_task_warned", "dbt_build", ["dq_status_is_not_dq_checks__pipeline_True__warn"])
    ]
    # every node of the project was built or tested, and every source with a freshness rule checked
    manifest = json.loads(Path(airflow_env[orchestration.ENV_DBT_MANIFEST]).read_text())
    fresh = [
        uid
        for uid, src in manifest["sources"].items()
        if ((src.get("freshness") or {}).get("warn_after") or {}).get("count")
    ]
    assert sorted(first["nodes"]) == sorted([*manifest["nodes"], *manifest["unit_tests"], *fresh])
    assert len(fresh) == 9 and Counter(uid.split(".")[0] for uid in first["nodes"])["model"] > 70
    assert set(first["nodes"].values()) == {"success", "pass", "warn"}
    # the metadata database was migrated in the home and is reused
    assert (home / "airflow" / "airflow.db").is_file() and (home / "airflow" / ".migrated").is_file()
    # and the run announced every model it built and tested, for the consumers (the promotions
    # export subscribes to customer_promotions), in the local outbox of the custom bus
    [announced] = _outbox(home)
    assert announced["source"] == "shoplake.transform" and announced["detail-type"] == "Marts Rebuilt"
    assert announced["detail"]["run_id"] == first["run_id"]
    assert announced["detail"]["models"] == sorted(_names(first, "model"))

    # When only pipeline_runs changed (say, a re-landed file whose content was unchanged)
    second = local.run_dag(home, announcements=[{"assets": ["shoplake://warehouse/raw/pipeline_runs"]}])

    # Then only the pipeline-health models (and the seeds) are built, with their tests
    assert second["state"] == "success", second
    assert second["plan"]["full"] is False and second["plan"]["tables"] == ["pipeline_runs"]
    assert set(second["tasks"].values()) == {"success"} and second["tasks"]["record_complete_build"] == "success"
    assert sorted(_names(second, "model")) == [
        "dq_check_results", "dq_checks__pipeline", "fct_pipeline_runs", "fct_quarantine_reasons",
        "fct_quarantined_records", "pipeline_health_daily", "stg_shoplake__pipeline_runs",
        "stg_shoplake__quarantine_reasons",
    ]  # fmt: skip
    assert sorted(_names(second, "seed")) == ["quarantine_reason_codes", "rfm_segments"]
    # no freshness in a run for changed tables: they were just loaded
    assert _names(second, "source") == []
    # the tests that span the pipeline models and the reviews run too, and every node passed
    assert {
        "pipeline_runs_processed_matches_published_reviews",
        "quarantine_reasons_sum_to_the_runs_quarantined",
        "relationships_fct_quarantine_reasons_run_id__run_id__ref_fct_pipeline_runs_",
        "relationships_fct_quarantined_records_run_id__run_id__ref_fct_pipeline_runs_",
        "source_not_null_shoplake_pipeline_runs_run_id",
    } <= set(_names(second, "test"))
    assert "model.shoplake.fct_reviews" not in second["nodes"]
    assert not [n for n in _names(second, "test") if n.startswith("source_") and "amazon" in n]
    assert set(second["nodes"].values()) <= {"success", "pass", "warn"}
    # the second announcement names the models of the second run only
    assert _outbox(home)[-1]["detail"]["models"] == sorted(_names(second, "model"))


def _names(summary: dict, kind: str) -> list[str]:
    """The names of a run's dbt nodes of one kind (``model.shoplake.fct_reviews`` -> fct_reviews)."""
    return [uid.split(".")[2 if kind != "source" else 3] for uid in summary["nodes"] if uid.startswith(kind + ".")]


def test_a_warm_worker_runs_the_same_dag_and_a_dead_one_is_replaced_by_a_new_process(
    airflow_env, tmp_path, monkeypatch
):
    # Given a local warehouse with two review files, and a warm transform worker (shoplake up's)
    home = make_home(tmp_path / "home", FILE_1, FILE_2)
    monkeypatch.setenv(orchestration.ENV_DBT_MANIFEST, airflow_env[orchestration.ENV_DBT_MANIFEST])
    reviews = {"assets": ["shoplake://warehouse/raw/reviews", "shoplake://warehouse/raw/pipeline_runs"]}
    with local.TransformWorker(home) as worker:
        # When two runs go to the worker
        first = local.run_dag(home, announcements=[reviews])
        second = local.run_dag(home, announcements=[reviews])
        # the worker let go of the warehouse between runs: another writer can open it
        with duckdb.connect(str(home / "warehouse.duckdb")) as con:
            assert con.execute("select count(*) from marts.fct_reviews").fetchall() == [(7,)]
        # and then the worker dies, and a third run comes
        worker.proc.kill()
        worker.proc.wait()
        third = local.run_dag(home, announcements=[reviews])

    # Then the worker ran the first two, each with a log of its own, and a new process the third
    assert [(s["state"], s["warm"]) for s in (first, second, third)] == [
        ("success", True), ("success", True), ("success", False)
    ]  # fmt: skip
    assert first["plan"]["full"] is True and second["plan"] == third["plan"]
    assert second["plan"]["full"] is False and second["plan"]["tables"] == ["reviews", "pipeline_runs"]
    assert len({s["log"] for s in (first, second, third)}) == 3
    assert all("dbt_build" in Path(s["log"]).read_text() for s in (first, second, third))
    assert second["nodes"] == third["nodes"] and second["nodes"]["model.shoplake.fct_reviews"] == "success"
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*), count(distinct review_id) from marts.fct_reviews").fetchall() == [(7, 7)]
    assert local._WORKERS == {}


def test_failed_source_tests_stop_the_marts_and_notify(airflow_env, tmp_path, monkeypatch):
    # Given a warehouse in which one review has a rating of 7
    broken = {
        **FILE_1,
        "reviews": [*FILE_1["reviews"][:4], {**FILE_1["reviews"][4], "rating": 7}],
    }
    home = make_home(tmp_path / "home", broken)
    monkeypatch.setenv(orchestration.ENV_DBT_MANIFEST, airflow_env[orchestration.ENV_DBT_MANIFEST])

    # When the DAG runs
    summary = local.run_dag(home)

    # Then the source test fails (after its retries), nothing downstream of it is built, and it notified
    assert summary["state"] == "failed"
    assert summary["tasks"] == {
        "dbt_build": "failed",
        "record_complete_build": "upstream_failed",
        "announce_rebuilt_models": "success",
    }
    nodes = summary["nodes"]
    [failed] = [uid for uid, status in nodes.items() if status == "fail"]
    assert failed.startswith("test.shoplake.source_accepted_values_amazon_reviews_rating")
    assert nodes["model.shoplake.stg_amazon__reviews"] == "skipped"
    assert nodes["model.shoplake.fct_reviews"] == "skipped"
    notifications = [json.loads(line) for line in (home / "notifications.jsonl").read_text().splitlines()]
    assert sorted((n["event"], n["dag_id"], n["task_id"], n["try_number"]) for n in notifications) == [
        ("transform_task_failed", "shoplake_transform", "dbt_build", 3),
        # (and the duplicates of file 1: 1 of its 7 records), told once, from the last try
        ("transform_task_warned", "shoplake_transform", "dbt_build", 3),
    ]
    [failure] = [n for n in notifications if n["event"] == "transform_task_failed"]
    assert failed in failure["error"]
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        marts = con.execute("select table_name from information_schema.tables where table_schema = 'marts'").fetchall()
    # pipeline health (and the quarantined lines), the other datasets' marts and their checks do
    # not depend on the reviews, and are still built; what needs the products' categories (from
    # dim_products, which counts reviewed products) or the reviews waits
    assert sorted(marts) == sorted([
        ("capture_freshness",), ("cart_abandonment_daily",), ("city_sales_daily",), ("customer_cohorts",),
        ("customer_lifetime_value",), ("customer_promotions",),
        ("customer_segments",), ("dim_products_history",), ("dim_users_history",), ("dq_checks__cart_events",),
        ("dq_checks__cdc_dim_products",), ("dq_checks__cdc_dim_users",), ("dq_checks__cdc_fact_sales",),
        ("dq_checks__clickstream",), ("dq_checks__pipeline",), ("dq_checks__transactions",),
        ("fct_cart_events",), ("fct_cart_lines",), ("fct_carts",), ("fct_order_status_history",),
        ("fct_clickstream_events",), ("fct_order_lines",), ("fct_pipeline_runs",), ("fct_quarantine_reasons",),
        ("fct_quarantined_records",), ("funnel_daily",), ("pipeline_health_daily",), ("product_abandonment",),
        ("order_status_daily",), ("products_bought_together",), ("products_viewed_together",), ("revenue_daily",),
        ("revenue_monthly",), ("sessions",),
    ])  # fmt: skip


def test_failure_message_and_its_delivery(tmp_path, monkeypatch):
    class TaskInstance:
        dag_id, task_id, run_id, try_number = "shoplake_transform", "dbt_build", "manual__1", 3

    context = {"ti": TaskInstance(), "exception": ValueError("boom")}
    message = orchestration.failure_message(context)
    assert {k: v for k, v in message.items() if k != "at"} == {
        "event": "transform_task_failed",
        "dag_id": "shoplake_transform",
        "task_id": "dbt_build",
        "run_id": "manual__1",
        "try_number": 3,
        "error": "ValueError: boom",
    }

    # locally: appended to $SHOPLAKE_HOME/notifications.jsonl
    orchestration.deliver_notification(message, topic_arn=None, home=tmp_path)
    assert [json.loads(line) for line in (tmp_path / "notifications.jsonl").read_text().splitlines()] == [message]

    # in AWS: published to the pipeline's SNS topic
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        sns, sqs = boto3.client("sns"), boto3.client("sqs")
        topic = sns.create_topic(Name="shoplake-prod-pipeline-notifications")["TopicArn"]
        queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        orchestration.deliver_notification(message, topic_arn=topic, home=tmp_path)
        (received,) = sqs.receive_message(QueueUrl=queue)["Messages"]
        envelope = json.loads(received["Body"])
    assert envelope["Subject"] == "shoplake: shoplake_transform.dbt_build failed"
    assert json.loads(envelope["Message"]) == message


def test_a_stale_source_warns_and_notifies_without_failing(tmp_path, monkeypatch):
    class TaskInstance:
        dag_id, task_id, run_id, try_number = "shoplake_transform", "amazon_reviews.source", "scheduled__1", 1

    monkeypatch.setenv("SHOPLAKE_HOME", str(tmp_path))
    monkeypatch.setattr(orchestration, "_notifications_topic_arn", lambda: None)
    # nothing warned: nothing is sent
    orchestration.notify_warning({"ti": TaskInstance(), "test_names": [], "test_results": []})
    assert not (tmp_path / "notifications.jsonl").exists()
    # a stale source is one notification naming it
    orchestration.notify_warning(
        {"ti": TaskInstance(), "test_names": ["source.shoplake.amazon.reviews"], "test_results": ["warn"]}
    )
    (message,) = [json.loads(line) for line in (tmp_path / "notifications.jsonl").read_text().splitlines()]
    assert {k: v for k, v in message.items() if k != "at"} == {
        "event": "transform_task_warned",
        "dag_id": "shoplake_transform",
        "task_id": "amazon_reviews.source",
        "run_id": "scheduled__1",
        "try_number": 1,
        "error": None,
        "warnings": [{"test": "source.shoplake.amazon.reviews", "result": "warn"}],
    }
