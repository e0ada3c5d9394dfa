"""The Airflow side: the transform DAG imports cleanly and runs end to end on a local warehouse.

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

from shoplake import orchestration
from tests.fixture_warehouse import FILE_1, FILE_2, make_home

_DESCRIBE_DAG = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
def callbacks(value):
    return [f for f in (value if isinstance(value, list) else [value]) if f is not None]

bag = DagBag(dag_folder=sys.argv[1])
dag = bag.dags.get("reviews_transform")
out = {"import_errors": {k: str(v) for k, v in bag.import_errors.items()}, "dag_ids": sorted(bag.dags)}
if dag is not None:
    out.update(
        tags=sorted(dag.tags),
        catchup=dag.catchup,
        max_active_runs=dag.max_active_runs,
        timetable=type(dag.timetable).__name__,
        assets=sorted(asset.uri for _, asset in dag.timetable.asset_condition.iter_assets()),
        cron=dag.timetable.summary,
        params=sorted(dag.params.keys()),
        tasks={
            t.task_id: {
                "operator": type(t).__name__,
                "retries": t.retries,
                "callbacks": [f"{f.__module__}.{f.__name__}" for f in callbacks(t.on_failure_callback)],
                "upstream": sorted(t.upstream_task_ids),
                "full_refresh": getattr(t, "full_refresh", None),
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
        **orchestration.airflow_environment(root / "home"),
        orchestration.ENV_DBT_MANIFEST: str(manifest),
    }
    parse = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "from shoplake.orchestration import ensure_dbt_manifest; ensure_dbt_manifest()"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert parse.returncode == 0, parse.stdout[-3000:] + parse.stderr[-3000:]
    return env


def test_dagbag_imports_the_transform_dag(airflow_env):
    # When the DAG folder is parsed, without a metadata database
    proc = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _DESCRIBE_DAG, str(orchestration.DAGS_DIR)],
        env=airflow_env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    dag = json.loads(proc.stdout.strip().splitlines()[-1])

    # Then it imports without errors, with the house rules
    assert dag["import_errors"] == {}
    assert dag["dag_ids"] == ["reviews_transform"]
    assert dag["tags"] == ["dbt", "reviews", "shoplake", "transform"]
    assert dag["catchup"] is False
    assert dag["max_active_runs"] == 1
    assert dag["params"] == ["full_refresh"]
    # scheduled daily or on the raw.reviews asset, whichever comes first
    assert dag["timetable"] == "AssetOrTimeSchedule"
    assert dag["assets"] == [orchestration.REVIEWS_ASSET_URI] == ["shoplake://warehouse/raw/reviews"]
    assert all(t["retries"] >= 2 for t in dag["tasks"].values())
    assert all(t["callbacks"] == ["shoplake.orchestration.notify_failure"] for t in dag["tasks"].values())

    # one run task and one test task per model, the test right after its model
    manifest = json.loads(Path(airflow_env[orchestration.ENV_DBT_MANIFEST]).read_text())
    models = sorted(n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model")
    assert len(models) == 16
    tasks = dag["tasks"]
    for model in models:
        assert tasks[f"{model}.run"]["operator"] == "DbtRunLocalOperator"
        assert tasks[f"{model}.test"]["operator"] == "DbtTestLocalOperator"
        assert tasks[f"{model}.test"]["upstream"] == [f"{model}.run"]
    # the run conf / param decides on --full-refresh
    assert tasks["fct_reviews.run"]["full_refresh"] == "{{ params.full_refresh }}"
    # a mart starts only once its inputs' tests passed
    assert tasks["fct_reviews.run"]["upstream"] == ["stg_amazon__reviews.test"]
    assert tasks["product_rating_summary.run"]["upstream"] == ["fct_reviews.test"]
    # sources with freshness rules are checked first
    assert tasks["amazon_reviews.source"]["operator"] == "DbtSourceLocalOperator"
    assert tasks["stg_amazon__reviews.run"]["upstream"] == ["amazon_reviews.test"]
    # tests spanning several models run once all of them are built
    assert tasks["fct_reviews_has_every_published_review_test"]["upstream"] == [
        "fct_reviews.test",
        "stg_amazon__reviews.test",
    ]
    model_tasks = {f"{m}.{kind}" for m in models for kind in ("run", "test")}
    assert sorted(set(tasks) - model_tasks) == [
        # every source table with tests or freshness gets a freshness task and a test task
        *(f"amazon_{table}.{kind}" for table in ("review_images", "reviews", "reviews_quarantine")
          for kind in ("source", "test")),
        # tests spanning several models, once all of them are built
        "fct_reviews_has_every_published_review_test",
        "fct_reviews_has_only_published_reviews_test",
        "pipeline_runs_processed_matches_published_reviews_test",
        # the reason codes generated from the contracts
        "quarantine_reason_codes.seed",
        "quarantine_reason_codes.test",
        "quarantine_reasons_sum_to_the_runs_quarantined_test",
        "relationships_fct_quarantine_reasons_run_id__run_id__ref_fct_pipeline_runs__test",
        "relationships_fct_quarantined_records_run_id__run_id__ref_fct_pipeline_runs__test",
        "relationships_fct_review_images_review_id__review_id__ref_fct_reviews__test",
        "relationships_fct_reviews_product_id__product_id__ref_dim_products__test",
        "relationships_fct_reviews_reviewer_id__reviewer_id__ref_dim_reviewers__test",
        "relationships_product_rating_summary_product_id__product_id__ref_dim_products__test",
        "relationships_product_reviews_monthly_product_id__product_id__ref_dim_products__test",
        "relationships_reviewer_activity_reviewer_id__reviewer_id__ref_dim_reviewers__test",
        "shoplake_pipeline_runs.source",
        "shoplake_pipeline_runs.test",
    ]  # fmt: skip


def test_dag_run_builds_the_marts_on_the_local_warehouse(airflow_env, tmp_path, monkeypatch):
    # Given a local warehouse holding two files with repeated reviews
    home = make_home(tmp_path / "home", FILE_1, FILE_2)
    monkeypatch.setenv(orchestration.ENV_DBT_MANIFEST, airflow_env[orchestration.ENV_DBT_MANIFEST])

    # When the local runtime runs the transform DAG (dag.test() in a temporary AIRFLOW_HOME)
    summary = orchestration.run_reviews_transform(home, announcements=[{"run_id": "run-2"}])

    # Then every task succeeded and the marts are there
    assert summary["state"] == "success", summary
    assert summary["dag_id"] == "reviews_transform"
    assert set(summary["tasks"].values()) == {"success"}
    assert len(summary["tasks"]) == 54
    assert Path(summary["log"]).is_file() and Path(summary["log"]).parent == home / "airflow" / "logs"
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*), count(distinct review_id) from marts.fct_reviews").fetchall() == [(7, 7)]
        assert con.execute("select count(*) from marts.product_rating_summary").fetchall() == [(3,)]
    assert not (home / "notifications.jsonl").exists()
    # the metadata database was migrated in the home and is reused
    assert (home / "airflow" / "airflow.db").is_file() and (home / "airflow" / ".migrated").is_file()


def test_failed_source_tests_stop_the_marts_and_notify(airflow_env, tmp_path, monkeypatch):
    # Given a warehouse in which one review has a rating of 7
    broken = {
        **FILE_1,
        "reviews": [*FILE_1["reviews"][:4], {**FILE_1["reviews"][4], "rating": 7}],
    }
    home = make_home(tmp_path / "home", broken)
    monkeypatch.setenv(orchestration.ENV_DBT_MANIFEST, airflow_env[orchestration.ENV_DBT_MANIFEST])

    # When the DAG runs
    summary = orchestration.run_reviews_transform(home)

    # Then the source test fails (after its retries), nothing downstream of it runs, and it notified
    assert summary["state"] == "failed"
    assert summary["tasks"]["amazon_reviews.test"] == "failed"
    assert summary["tasks"]["stg_amazon__reviews.run"] == "upstream_failed"
    assert summary["tasks"]["fct_reviews.run"] == "upstream_failed"
    notifications = [json.loads(line) for line in (home / "notifications.jsonl").read_text().splitlines()]
    assert [(n["event"], n["dag_id"], n["task_id"], n["try_number"]) for n in notifications] == [
        ("transform_task_failed", "reviews_transform", "amazon_reviews.test", 3)
    ]
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        marts = con.execute("select table_name from information_schema.tables where table_schema = 'marts'").fetchall()
    # pipeline health (and the quarantined lines) do not depend on the reviews, and still report
    assert sorted(marts) == [
        ("fct_pipeline_runs",), ("fct_quarantine_reasons",), ("fct_quarantined_records",), ("pipeline_health_daily",)
    ]  # fmt: skip


def test_failure_message_and_its_delivery(tmp_path, monkeypatch):
    class TaskInstance:
        dag_id, task_id, run_id, try_number = "reviews_transform", "fct_reviews.run", "manual__1", 3

    context = {"ti": TaskInstance(), "exception": ValueError("boom")}
    message = orchestration.failure_message(context)
    assert {k: v for k, v in message.items() if k != "at"} == {
        "event": "transform_task_failed",
        "dag_id": "reviews_transform",
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
    assert envelope["Subject"] == "shoplake: reviews_transform.fct_reviews.run failed"
    assert json.loads(envelope["Message"]) == message
