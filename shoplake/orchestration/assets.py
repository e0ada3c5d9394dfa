"""The assets the transform DAG is scheduled on: one per raw table, derived from the contracts.

The warehouse refresh step announces each published run (an SQS message in AWS, see
``dags/README.md``); every raw table the run changed — the dataset's tables and
``pipeline_runs`` — is an asset event. In Airflow, ``dags/warehouse_announcements.py`` turns each
announcement into events on the tables' assets (an ``AssetAlias``); locally the runtime hands the
tables to the transform run directly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from shoplake.core.contracts import PIPELINE_RUNS
from shoplake.core.warehouse import ANNOUNCEMENTS_ASSET_URI, asset_uri
from shoplake.datasets import DATASETS

ASSET_GROUP = "shoplake"
RAW_TABLES_ALIAS = "shoplake_raw_tables"
ANNOUNCEMENTS_ASSET_NAME = "warehouse_announcements"


def raw_tables() -> list[str]:
    """Every raw table a publication can change: each dataset's tables, then pipeline_runs."""
    return [*(t.name for ds in DATASETS.values() for t in ds.tables), PIPELINE_RUNS.name]


def table_of_asset(uri: str) -> str | None:
    """``shoplake://warehouse/raw/reviews`` → ``reviews`` (None for any other URI)."""
    prefix = asset_uri("")
    return uri[len(prefix) :] if uri.startswith(prefix) and uri[len(prefix) :] in raw_tables() else None


def tables_of_announcements(messages: Iterable[Mapping[str, Any] | str]) -> list[str]:
    """The raw tables a batch of announcements changed, in registry order.

    A message is the refresh step's JSON (``shoplake.core.warehouse.new_data_message``), as a dict
    or as its text, or wrapped the way a message-queue trigger hands it over (under ``payload``,
    ``message`` or ``body``).
    """
    changed: set[str] = set()
    for message in messages:
        for body in _bodies(message):
            for uri in body.get("assets") or []:
                table = table_of_asset(uri)
                if table:
                    changed.add(table)
    return [t for t in raw_tables() if t in changed]


def _bodies(message: Any) -> Iterable[dict[str, Any]]:
    if isinstance(message, str | bytes):
        try:
            message = json.loads(message)
        except ValueError:
            return
    if not isinstance(message, Mapping):
        return
    if "assets" in message:
        yield dict(message)
    for key in ("payload", "message", "body", "Body"):
        if key in message:
            yield from _bodies(message[key])


def table_assets():
    """``Asset`` objects of every raw table (Airflow imported here, not at module level)."""
    from airflow.sdk import Asset

    return [Asset(name=f"warehouse_raw_{t}", uri=asset_uri(t), group=ASSET_GROUP) for t in raw_tables()]


def announcements_asset(queue_url: str | None):
    """The announcements asset; with a queue URL, watched on that SQS queue (AWS)."""
    from airflow.sdk import Asset

    if not queue_url:
        return Asset(name=ANNOUNCEMENTS_ASSET_NAME, uri=ANNOUNCEMENTS_ASSET_URI, group=ASSET_GROUP)
    # Only where the queue exists (MWAA with apache-airflow-providers-amazon and
    # apache-airflow-providers-common-messaging): the triggerer polls the queue, deletes each
    # message it receives and records an asset event carrying the message.
    from airflow.providers.common.messaging.triggers.msg_queue import MessageQueueTrigger
    from airflow.sdk import AssetWatcher

    trigger = MessageQueueTrigger(scheme="sqs", sqs_queue=queue_url)
    return Asset(
        name=ANNOUNCEMENTS_ASSET_NAME,
        uri=ANNOUNCEMENTS_ASSET_URI,
        group=ASSET_GROUP,
        watchers=[AssetWatcher(name="warehouse_events_queue", trigger=trigger)],
    )
