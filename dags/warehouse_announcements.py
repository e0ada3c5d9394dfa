"""warehouse_announcements: turn the warehouse refresh's announcements into raw-table asset events.

In AWS the refresh Lambda sends one SQS message per published run, naming the raw tables it
changed (``assets``). The announcements asset watches that queue (an ``AssetWatcher`` with a
``MessageQueueTrigger``, when ``SHOPLAKE_WAREHOUSE_EVENTS_QUEUE_URL`` is set); this DAG runs for
the messages that arrived and records one event on each changed table's asset
(``shoplake://warehouse/raw/<table>``) through an asset alias, which is what ``shoplake_transform``
is scheduled on. Many messages become one run here, and their tables one run there.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import AssetAlias, dag, task

from shoplake.orchestration.airflow import ANNOUNCEMENTS_DAG_ID, events_queue_url, notify_failure
from shoplake.orchestration.assets import RAW_TABLES_ALIAS, announcements_asset


@dag(
    dag_id=ANNOUNCEMENTS_DAG_ID,
    description="announcements of new data → events on the changed raw tables' assets",
    schedule=[announcements_asset(events_queue_url())],
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "shoplake", "retries": 2, "on_failure_callback": notify_failure},
    tags=["shoplake", "transform"],
)
def warehouse_announcements():
    @task(outlets=[AssetAlias(RAW_TABLES_ALIAS)])
    def publish_table_events(*, triggering_asset_events=None, outlet_events=None) -> list[str]:
        from airflow.sdk import Asset

        from shoplake.core.warehouse import asset_uri
        from shoplake.orchestration.assets import tables_of_announcements

        extras = [event.extra for events in (triggering_asset_events or {}).values() for event in events]
        tables = tables_of_announcements(extras)
        for table in tables:
            outlet_events[AssetAlias(RAW_TABLES_ALIAS)].add(Asset(asset_uri(table)), extra={"table": table})
        return tables

    publish_table_events()


warehouse_announcements()
