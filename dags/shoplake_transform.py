"""shoplake_transform: build the dbt project's models downstream of the raw tables that changed.

Three tasks. ``dbt_build`` builds the run's plan with one ``dbt build`` in the worker
(``shoplake.orchestration.build``): dbt runs each model's tests right after it, so a model's
dependents start only once its tests passed, and a failure stops only what is below it. Before a
complete build ``dbt source freshness`` checks every source; a stale source or a test that warns
notifies without failing. The task publishes every node's dbt status (XCom ``dbt``).
``record_complete_build`` then remembers a complete build that succeeded, and
``announce_rebuilt_models``, whatever failed, emits one "Marts Rebuilt" event naming the models
that were built and whose tests passed, which the promotions export (and anyone else) subscribes
to (``shoplake.orchestration.events``).

Schedule: daily at 03:00 UTC (a complete build) **or** whenever a raw table changes — an event on
any table's asset ``shoplake://warehouse/raw/<table>`` (one per table of every dataset contract,
and ``pipeline_runs``). Airflow coalesces the events that arrive while a run is going into the
next run (``max_active_runs=1``); each run builds only the descendants of the tables whose events
triggered it (``shoplake.orchestration.selection``). In AWS the refresh Lambda's announcements
become those events through ``warehouse_announcements``; on one machine the local runtime runs
this DAG with ``dag.test()`` and the changed tables in the run conf (``shoplake.local.transform``).

Trigger with ``{"full_refresh": true}`` to rebuild the incremental models from scratch.

No work at import: the plan is read at run time from the dbt manifest that ``dbt parse`` wrote
(``dbt/target/manifest.json``; the deployment and the local runtime generate it).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, AssetAny, Param
from airflow.timetables.assets import AssetOrTimeSchedule
from airflow.timetables.trigger import CronTriggerTimetable

from shoplake.orchestration.airflow import TRANSFORM_DAG_ID, notify_failure, retry_delay_seconds
from shoplake.orchestration.assets import table_assets
from shoplake.orchestration.build import BUILD_TASK_ID, build
from shoplake.orchestration.events import announce_rebuilt_models
from shoplake.orchestration.selection import record_complete_build

DEFAULT_ARGS = {
    "owner": "shoplake",
    "retries": 2,
    "retry_delay": timedelta(seconds=retry_delay_seconds()),
    "retry_exponential_backoff": True,
    "on_failure_callback": notify_failure,
}

with DAG(
    dag_id=TRANSFORM_DAG_ID,
    description="dbt build of the models downstream of the raw tables that changed, or of everything daily",
    doc_md=__doc__,
    params={"full_refresh": Param(False, type="boolean", description="rebuild incremental models from scratch")},
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 3 * * *", timezone="UTC"),
        assets=AssetAny(*table_assets()),
    ),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    # One build at a time: incremental models and the DuckDB file both want that; events that
    # arrive meanwhile wait for the next run, together.
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=2),
    default_args=DEFAULT_ARGS,
    tags=["shoplake", "dbt", "transform"],
) as shoplake_transform:
    built = PythonOperator(task_id=BUILD_TASK_ID, python_callable=build)
    # After a complete build that succeeded, later runs may build only what changed.
    recorded = PythonOperator(task_id="record_complete_build", python_callable=record_complete_build)
    # Whatever failed, tell the consumers of the models that were rebuilt and tested
    # ("Marts Rebuilt": the promotions export subscribes to customer_promotions).
    announced = PythonOperator(
        task_id="announce_rebuilt_models", python_callable=announce_rebuilt_models, trigger_rule="all_done"
    )
    built >> [recorded, announced]
