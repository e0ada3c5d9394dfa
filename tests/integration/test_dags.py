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


def test_every_dbt_task_asks_the_plan_and_tolerates_skipped_inputs(dags, airflow_env):
    tasks = dags["dags"]["shoplake_transform"]["tasks"]
    manifest = json.loads(Path(airflow_env[orchestration.ENV_DBT_MANIFEST]).read_text())
    models = sorted(n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model")
    for model in models:
        assert tasks[f"{model}.run"]["operator"] == "DbtRunLocalOperator"
        assert tasks[f"{model}.test"]["operator"] == "DbtTestLocalOperator"
        assert tasks[f"{model}.test"]["upstream"] == [f"{model}.run"]
    last = ("record_complete_build", "announce_rebuilt_models")
    dbt_tasks = {k: t for k, t in tasks.items() if k not in last}
    assert {t["pre_execute"] for t in dbt_tasks.values()} == {"shoplake.orchestration.selection.skip_unless_selected"}
    assert {t["trigger_rule"] for t in dbt_tasks.values()} == {"none_failed"}
    # the run conf / param decides on --full-refresh
    assert tasks["fct_reviews.run"]["full_refresh"] == "{{ params.full_refresh }}"
    # a mart starts only once its inputs' tests passed; sources are checked first
    assert tasks["fct_reviews.run"]["upstream"] == ["stg_amazon__reviews.test"]
    assert tasks["amazon_reviews.source"]["operator"] == "DbtSourceLocalOperator"
    # a stale source warns (never fails) and notifies
    assert tasks["amazon_reviews.source"]["on_warning"] == "shoplake.orchestration.airflow.notify_warning"
    assert tasks["stg_amazon__reviews.run"]["upstream"] == ["amazon_reviews.test"]
    # tests spanning several models run once all of them are built
    assert tasks["fct_reviews_has_every_published_review_test"]["upstream"] == [
        "fct_reviews.test",
        "stg_amazon__reviews.test",
    ]
    # the complete build is recorded last, after every other task, and whatever failed, the
    # models that were rebuilt are announced then too
    leaves = sorted(k for k, t in dbt_tasks.items() if t["downstream"] == list(sorted(last)))
    assert tasks["record_complete_build"]["upstream"] == leaves
    assert tasks["announce_rebuilt_models"]["upstream"] == leaves
    assert tasks["announce_rebuilt_models"]["trigger_rule"] == "all_done"
    assert all(t["downstream"] for t in dbt_tasks.values())


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
    assert [(n["event"], n["task_id"], [w["test"] for w in n["warnings"]]) for n in notified] == [
        ("transform_task_warned", "dq_checks__pipeline.test", ["dq_status_is_not_dq_checks__pipeline_True__warn"])
    ]
    # the metadata database was migrated in the home and is reused
    assert (home / "airflow" / "airflow.db").is_file() and (home / "airflow" / ".migrated").is_file()
    # and the run announced every model it built and tested, for the consumers (the promotions
    # export subscribes to customer_promotions), in the local outbox of the custom bus
    [announced] = _outbox(home)
    assert announced["source"] == "shoplake.transform" and announced["detail-type"] == "Marts Rebuilt"
    assert announced["detail"]["run_id"] == first["run_id"]
    assert announced["detail"]["models"] == sorted(k.removesuffix(".run") for k in first["tasks"] if k.endswith(".run"))

    # When only pipeline_runs changed (say, a re-landed file whose content was unchanged)
    second = local.run_dag(home, announcements=[{"assets": ["shoplake://warehouse/raw/pipeline_runs"]}])

    # Then only the pipeline-health models (and the seed) run; the review models are skipped
    assert second["state"] == "success", second
    assert second["plan"]["full"] is False and second["plan"]["tables"] == ["pipeline_runs"]
    ran = sorted(k for k, v in second["tasks"].items() if v == "success")
    assert ran == [
        "announce_rebuilt_models",
        "dq_check_results.run", "dq_check_results.test", "dq_checks__pipeline.run", "dq_checks__pipeline.test",
        "fct_pipeline_runs.run", "fct_pipeline_runs.test",
        "fct_quarantine_reasons.run", "fct_quarantine_reasons.test",
        "fct_quarantined_records.run", "fct_quarantined_records.test",
        "pipeline_health_daily.run", "pipeline_health_daily.test",
        "pipeline_runs_processed_matches_published_reviews_test",
        "quarantine_reason_codes.seed", "quarantine_reason_codes.test",
        "quarantine_reasons_sum_to_the_runs_quarantined_test",
        "relationships_fct_quarantine_reasons_run_id__run_id__ref_fct_pipeline_runs__test",
        "relationships_fct_quarantined_records_run_id__run_id__ref_fct_pipeline_runs__test",
        "rfm_segments.seed", "rfm_segments.test",
        "shoplake_pipeline_runs.source", "shoplake_pipeline_runs.test",
        "stg_shoplake__pipeline_runs.run", "stg_shoplake__pipeline_runs.test",
        "stg_shoplake__quarantine_reasons.run", "stg_shoplake__quarantine_reasons.test",
    ]  # fmt: skip
    assert set(_states(second, "stg_amazon__", "fct_reviews", "dim_", "product_", "reviewer_").values()) == {"skipped"}
    assert second["tasks"]["record_complete_build"] == "skipped"
    # the second announcement names the models of the second run only
    assert _outbox(home)[-1]["detail"]["models"] == sorted(k.removesuffix(".run") for k in ran if k.endswith(".run"))


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

    # Then the source test fails (after its retries), nothing downstream of it runs, and it notified
    assert summary["state"] == "failed"
    assert summary["tasks"]["amazon_reviews.test"] == "failed"
    assert summary["tasks"]["stg_amazon__reviews.run"] == "upstream_failed"
    assert summary["tasks"]["fct_reviews.run"] == "upstream_failed"
    assert summary["tasks"]["record_complete_build"] == "upstream_failed"
    notifications = [json.loads(line) for line in (home / "notifications.jsonl").read_text().splitlines()]
    assert sorted((n["event"], n["dag_id"], n["task_id"], n["try_number"]) for n in notifications) == [
        ("transform_task_failed", "shoplake_transform", "amazon_reviews.test", 3),
        # (and the duplicates of file 1: 1 of its 7 records)
        ("transform_task_warned", "shoplake_transform", "dq_checks__pipeline.test", 1),
    ]
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
        dag_id, task_id, run_id, try_number = "shoplake_transform", "fct_reviews.run", "manual__1", 3

    context = {"ti": TaskInstance(), "exception": ValueError("boom")}
    message = orchestration.failure_message(context)
    assert {k: v for k, v in message.items() if k != "at"} == {
        "event": "transform_task_failed",
        "dag_id": "shoplake_transform",
        "task_id": "fct_reviews.run",
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
    assert envelope["Subject"] == "shoplake: shoplake_transform.fct_reviews.run failed"
    assert json.loads(envelope["Message"]) == message


def test_a_stale_source_warns_and_notifies_without_failing(tmp_path, monkeypatch):
    class TaskInstance:
        dag_id, task_id, run_id, try_number = "shoplake_transform", "amazon_reviews.source", "scheduled__1", 1

    monkeypatch.setenv("SHOPLAKE_HOME", str(tmp_path))
    monkeypatch.setattr(orchestration, "_notifications_topic_arn", lambda: None)
    # cosmos calls the callback after every freshness run: nothing warned, nothing is sent
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
