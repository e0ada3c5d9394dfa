"""What the transform DAG uses besides the assets and the selection: where the dbt project and
its manifest are, which target, how long a failed task waits to retry, and who hears of a failure.

Settings are read from the environment (at DAG parse time too: reading them is not work).
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shoplake.core.storage import shoplake_home
from shoplake.project import REPO_ROOT

logger = logging.getLogger(__name__)

DAGS_DIR = REPO_ROOT / "dags"
# Where the dbt project is: the repository's dbt/ here; in MWAA, wherever the deployment put it
# (e.g. /usr/local/airflow/dags/dbt) when shoplake is installed as a package.
DBT_PROJECT_DIR = Path(os.environ.get("SHOPLAKE_DBT_PROJECT_DIR") or REPO_ROOT / "dbt")
DBT_PROFILE = "shoplake"
TRANSFORM_DAG_ID = "shoplake_transform"
ANNOUNCEMENTS_DAG_ID = "warehouse_announcements"

ENV_DBT_TARGET = "SHOPLAKE_DBT_TARGET"  # local (default) | prod
ENV_DBT_MANIFEST = "SHOPLAKE_DBT_MANIFEST"  # default: dbt/target/manifest.json
ENV_EVENTS_QUEUE_URL = "SHOPLAKE_WAREHOUSE_EVENTS_QUEUE_URL"  # set in AWS: attaches the SQS watcher
ENV_RETRY_DELAY_SECONDS = "SHOPLAKE_TRANSFORM_RETRY_DELAY_SECONDS"  # default 300
# Airflow Variable (or env AIRFLOW_VAR_SHOPLAKE_NOTIFICATIONS_TOPIC_ARN) naming the SNS topic.
NOTIFICATIONS_TOPIC_VARIABLE = "shoplake_notifications_topic_arn"


class TransformRunError(RuntimeError):
    """A transform run could not be carried out (as opposed to a DAG run that failed)."""


# -- what the DAG file uses -------------------------------------------------------------------
def dbt_target() -> str:
    return os.environ.get(ENV_DBT_TARGET, "local")


def dbt_manifest_path() -> Path:
    return Path(os.environ.get(ENV_DBT_MANIFEST) or DBT_PROJECT_DIR / "target" / "manifest.json")


def retry_delay_seconds() -> float:
    return float(os.environ.get(ENV_RETRY_DELAY_SECONDS, "300"))


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


def notify_warning(context: dict[str, Any]) -> None:
    """A stale source or a test that warned: notify like a failure, without failing anything. The
    build task (shoplake.orchestration.build) calls it with the nodes that warned, as
    ``test_names`` and ``test_results``; nothing warned, nothing to say."""
    if not context.get("test_names"):
        return
    message = failure_message(context) | {
        "event": "transform_task_warned",
        "warnings": [
            {"test": name, "result": str(result)}
            for name, result in zip(context.get("test_names") or [], context.get("test_results") or [], strict=False)
        ],
    }
    deliver_notification(message, topic_arn=_notifications_topic_arn(), home=shoplake_home())


def deliver_notification(message: dict[str, Any], *, topic_arn: str | None, home: Path) -> None:
    what = "warned" if message.get("event") == "transform_task_warned" else "failed"
    if topic_arn:
        import boto3

        boto3.client("sns").publish(
            TopicArn=topic_arn,
            Subject=f"shoplake: {message['dag_id']}.{message['task_id']} {what}"[:100],
            Message=json.dumps(message),
        )
        logger.error("transform task %s; notified %s: %s", what, topic_arn, message)
        return
    home.mkdir(parents=True, exist_ok=True)
    with (home / "notifications.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(message) + "\n")
    logger.error("transform task %s: %s", what, message)


def _notifications_topic_arn() -> str | None:
    from airflow.sdk import Variable

    return Variable.get(NOTIFICATIONS_TOPIC_VARIABLE, default=None)


def events_queue_url() -> str | None:
    return os.environ.get(ENV_EVENTS_QUEUE_URL) or None


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
