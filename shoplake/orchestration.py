"""Orchestration: the transform DAG's asset, its failure notifications, and the local DAG run.

The warehouse refresh step announces new data for a dataset; Airflow turns the announcement
into an event on the dataset's asset (``shoplake://warehouse/raw/<dataset>``) and the transform
DAG (``dags/reviews_transform.py``) runs on that event or on its daily schedule, whichever
comes first. In AWS the announcement is an SQS message that an ``AssetWatcher`` consumes
(``dags/README.md``); on this machine ``run_reviews_transform`` runs the same DAG with
``dag.test()`` after a successful execution.

Nothing here imports Airflow at module level: the CLI imports this module, and importing Airflow
configures its settings and logging for the whole process. The local DAG run therefore happens
in a child process (``python -m shoplake.orchestration``) with its own ``AIRFLOW_HOME``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shoplake.core.storage import shoplake_home
from shoplake.core.warehouse import asset_uri
from shoplake.project import REPO_ROOT

logger = logging.getLogger(__name__)

DAGS_DIR = REPO_ROOT / "dags"
# Where the dbt project is: the repository's dbt/ here; in MWAA, wherever the deployment put it
# (e.g. /usr/local/airflow/dags/dbt) when shoplake is installed as a package.
DBT_PROJECT_DIR = Path(os.environ.get("SHOPLAKE_DBT_PROJECT_DIR") or REPO_ROOT / "dbt")
DBT_PROFILE = "shoplake"
TRANSFORM_DAG_ID = "reviews_transform"

# The asset the refresh step updates and the transform DAG is scheduled on.
REVIEWS_ASSET_URI = asset_uri("reviews")
REVIEWS_ASSET_NAME = "warehouse_raw_reviews"

# Settings read from the environment (DAG parse time too: reading them is not work).
ENV_DBT_TARGET = "SHOPLAKE_DBT_TARGET"  # local (default) | prod
ENV_DBT_MANIFEST = "SHOPLAKE_DBT_MANIFEST"  # default: dbt/target/manifest.json
ENV_EVENTS_QUEUE_URL = "SHOPLAKE_WAREHOUSE_EVENTS_QUEUE_URL"  # set in AWS: attaches the SQS watcher
ENV_RETRY_DELAY_SECONDS = "SHOPLAKE_TRANSFORM_RETRY_DELAY_SECONDS"  # default 300
# Airflow Variable (or env AIRFLOW_VAR_SHOPLAKE_NOTIFICATIONS_TOPIC_ARN) naming the SNS topic.
NOTIFICATIONS_TOPIC_VARIABLE = "shoplake_notifications_topic_arn"


class TransformRunError(RuntimeError):
    """The local DAG run could not be carried out (as opposed to a DAG run that failed)."""


# -- what the DAG file uses -------------------------------------------------------------------
def dbt_target() -> str:
    return os.environ.get(ENV_DBT_TARGET, "local")


def dbt_manifest_path() -> Path:
    return Path(os.environ.get(ENV_DBT_MANIFEST) or DBT_PROJECT_DIR / "target" / "manifest.json")


def retry_delay_seconds() -> float:
    return float(os.environ.get(ENV_RETRY_DELAY_SECONDS, "300"))


def reviews_asset():
    """The ``raw.reviews`` asset; with an events queue configured, watched on that SQS queue."""
    from airflow.sdk import Asset

    queue_url = os.environ.get(ENV_EVENTS_QUEUE_URL)
    if not queue_url:
        return Asset(name=REVIEWS_ASSET_NAME, uri=REVIEWS_ASSET_URI, group="shoplake")
    # Only where the queue exists (MWAA with apache-airflow-providers-amazon and
    # apache-airflow-providers-common-messaging): the triggerer polls the queue, deletes each
    # message it receives and records an asset event carrying the message.
    from airflow.providers.common.messaging.triggers.msg_queue import MessageQueueTrigger
    from airflow.sdk import AssetWatcher

    trigger = MessageQueueTrigger(scheme="sqs", sqs_queue=queue_url)
    return Asset(
        name=REVIEWS_ASSET_NAME,
        uri=REVIEWS_ASSET_URI,
        group="shoplake",
        watchers=[AssetWatcher(name="warehouse_events_queue", trigger=trigger)],
    )


def failure_message(context: dict[str, Any]) -> dict[str, Any]:
    """What a failed task tells: which DAG run, which task, which try, what went wrong."""
    ti = context.get("ti") or context.get("task_instance")
    dag_run = context.get("dag_run")
    exception = context.get("exception")
    return {
        "event": "transform_task_failed",
        "dag_id": getattr(ti, "dag_id", None),
        "task_id": getattr(ti, "task_id", None),
        "run_id": getattr(dag_run, "run_id", None) or getattr(ti, "run_id", None),
        "try_number": getattr(ti, "try_number", None),
        "error": f"{type(exception).__name__}: {exception}"[:2000] if exception is not None else None,
        "at": datetime.now(UTC).isoformat(),
    }


def notify_failure(context: dict[str, Any]) -> None:
    """Task failure callback: publish to the pipeline's SNS topic, or write to the local log.

    In AWS the topic ARN comes from the Airflow Variable ``shoplake_notifications_topic_arn``
    (or ``AIRFLOW_VAR_SHOPLAKE_NOTIFICATIONS_TOPIC_ARN``); without it, the notification is logged
    and appended to ``$SHOPLAKE_HOME/notifications.jsonl``.
    """
    deliver_notification(failure_message(context), topic_arn=_notifications_topic_arn(), home=shoplake_home())


def deliver_notification(message: dict[str, Any], *, topic_arn: str | None, home: Path) -> None:
    if topic_arn:
        import boto3

        boto3.client("sns").publish(
            TopicArn=topic_arn,
            Subject=f"shoplake: {message['dag_id']}.{message['task_id']} failed"[:100],
            Message=json.dumps(message),
        )
        logger.error("transform task failed; notified %s: %s", topic_arn, message)
        return
    home.mkdir(parents=True, exist_ok=True)
    with (home / "notifications.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(message) + "\n")
    logger.error("transform task failed: %s", message)


def _notifications_topic_arn() -> str | None:
    from airflow.sdk import Variable

    return Variable.get(NOTIFICATIONS_TOPIC_VARIABLE, default=None)


# -- the local run ----------------------------------------------------------------------------
def airflow_environment(home: Path) -> dict[str, str]:
    """The child process's environment: Airflow on sqlite in ``$SHOPLAKE_HOME/airflow``, quiet."""
    airflow_home = home / "airflow"
    return {
        "SHOPLAKE_HOME": str(home),
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(airflow_home / "logs"),
        "AIRFLOW__COSMOS__CACHE_DIR": str(airflow_home / "cosmos"),
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        ENV_DBT_TARGET: "local",
        # A failed local task is retried at once: nobody waits five minutes on a laptop.
        ENV_RETRY_DELAY_SECONDS: "0",
    }


def run_reviews_transform(
    home: Path, *, full_refresh: bool = False, announcements: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Run the transform DAG once on the local warehouse (``dag.test()``) and summarise it.

    Returns ``{"dag_id", "run_id", "state", "tasks": {task_id: state}, "seconds", "log"}``; the
    state is ``success`` or ``failed``. Airflow's own output goes to
    ``$SHOPLAKE_HOME/airflow/logs/reviews_transform-<time>.log``, never to the caller's terminal.
    Raises ``TransformRunError`` when the run could not happen at all.
    """
    home = Path(home).resolve()
    log_dir = home / "airflow" / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    log_path = log_dir / f"{TRANSFORM_DAG_ID}-{stamp}.log"
    summary_path = log_dir / f"{TRANSFORM_DAG_ID}-{stamp}.json"
    conf = {"full_refresh": full_refresh, "announcements": announcements or []}
    cmd = [sys.executable, "-m", "shoplake.orchestration", "--summary", str(summary_path), "--conf", json.dumps(conf)]
    env = {**os.environ, **airflow_environment(home)}
    started = time.perf_counter()
    with log_path.open("w", encoding="utf-8") as log:
        proc = subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT, check=False)  # noqa: S603
    if not summary_path.exists():
        raise TransformRunError(f"the transform DAG did not run (exit {proc.returncode}); see {log_path}")
    summary = json.loads(summary_path.read_text())
    summary_path.unlink()
    summary["seconds"] = round(time.perf_counter() - started, 3)
    summary["log"] = str(log_path)
    return summary


# -- the child process ------------------------------------------------------------------------
def _migrate_once(airflow_home: Path) -> None:
    """Create or upgrade the sqlite metadata DB once per Airflow version (~3 s), then reuse it."""
    from airflow import __version__ as airflow_version
    from airflow.utils.db import upgradedb

    marker = airflow_home / ".migrated"
    if marker.exists() and marker.read_text() == airflow_version:
        return
    upgradedb()
    marker.write_text(airflow_version)


def ensure_dbt_manifest(manifest: Path | None = None) -> Path:
    """``dbt parse`` when the manifest the DAG renders from is missing or older than the project."""
    manifest = manifest or dbt_manifest_path()
    sources = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    for folder in ("models", "macros", "tests"):
        sources.extend(p for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file())
    newest = max(p.stat().st_mtime for p in sources)
    if manifest.exists() and manifest.stat().st_mtime >= newest:
        return manifest
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(
        [
            "parse",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(manifest.parent),
            "--quiet",
        ]
    )
    if not result.success:
        raise TransformRunError(f"dbt parse failed: {result.exception}")
    return manifest


def _run_dag(conf: dict[str, Any]) -> dict[str, Any]:
    from airflow.dag_processing.dagbag import DagBag

    _migrate_once(Path(os.environ["AIRFLOW_HOME"]))
    ensure_dbt_manifest()
    bag = DagBag(dag_folder=str(DAGS_DIR / f"{TRANSFORM_DAG_ID}.py"))
    if bag.import_errors:
        raise TransformRunError(f"DAG import errors: {bag.import_errors}")
    dag = bag.dags[TRANSFORM_DAG_ID]
    dag_run = dag.test(run_conf=conf)
    tasks = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    return {"dag_id": dag.dag_id, "run_id": dag_run.run_id, "state": str(dag_run.state), "tasks": tasks}


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the transform DAG once (the local runtime's child process).")
    parser.add_argument("--summary", required=True, type=Path)
    parser.add_argument("--conf", default="{}")
    args = parser.parse_args(argv)
    summary = _run_dag(json.loads(args.conf))
    args.summary.write_text(json.dumps(summary))
    return 0 if summary["state"] == "success" else 1


if __name__ == "__main__":
    sys.exit(_main())
