"""shoplake_transform: build the dbt project's models downstream of the raw tables that changed.

One Airflow task per dbt model and, right after each, one task running that model's tests
(astronomer-cosmos, ``TestBehavior.AFTER_EACH``): a model's dependents start only once its tests
passed. Tests that span several models (relationships, the reconciliation tests in
``dbt/tests/``) run in their own task once all their models are built. Sources with tests or a
freshness rule get their tasks first.

Schedule: daily at 03:00 UTC (a complete build) **or** whenever a raw table changes — an event on
any table's asset ``shoplake://warehouse/raw/<table>`` (one per table of every dataset contract,
and ``pipeline_runs``). Airflow coalesces the events that arrive while a run is going into the
next run (``max_active_runs=1``); each run builds only the descendants of the tables whose events
triggered it (``shoplake.orchestration.selection``: every task's pre-execute hook skips the nodes
outside the plan, and ``none_failed`` lets a mart that joins several datasets run when any of its
inputs changed). In AWS the refresh Lambda's announcements become those events through
``warehouse_announcements``; on one machine the local runtime runs this DAG with ``dag.test()``
and the changed tables in the run conf (``shoplake.local.transform``).

Trigger with ``{"full_refresh": true}`` to rebuild the incremental models from scratch.

Each run ends with ``announce_rebuilt_models``: one "Marts Rebuilt" event naming the models it
built and tested, which the promotions export (and anyone else) subscribes to
(``shoplake.orchestration.events``).

No work at import: the graph is read from the dbt manifest that ``dbt parse`` wrote
(``dbt/target/manifest.json``; the deployment and the local runtime generate it), no ``dbt ls``,
no database.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import AssetAny, Param
from airflow.timetables.assets import AssetOrTimeSchedule
from airflow.timetables.trigger import CronTriggerTimetable
from cosmos import DbtDag, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, SourceRenderingBehavior, TestBehavior

from shoplake.orchestration.airflow import (
    DBT_PROFILE,
    DBT_PROJECT_DIR,
    TRANSFORM_DAG_ID,
    dbt_manifest_path,
    dbt_target,
    notify_failure,
    notify_warning,
    retry_delay_seconds,
)
from shoplake.orchestration.assets import table_assets
from shoplake.orchestration.events import announce_rebuilt_models
from shoplake.orchestration.selection import record_complete_build, skip_unless_selected

DEFAULT_ARGS = {
    "owner": "shoplake",
    "retries": 2,
    "retry_delay": timedelta(seconds=retry_delay_seconds()),
    "retry_exponential_backoff": True,
    "on_failure_callback": notify_failure,
}

shoplake_transform = DbtDag(
    dag_id=TRANSFORM_DAG_ID,
    description="dbt build of the models downstream of the raw tables that changed, or of everything daily",
    doc_md=__doc__,
    project_config=ProjectConfig(
        dbt_project_path=DBT_PROJECT_DIR,
        manifest_path=dbt_manifest_path(),
    ),
    profile_config=ProfileConfig(
        profile_name=DBT_PROFILE,
        target_name=dbt_target(),
        profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml",
    ),
    execution_config=ExecutionConfig(
        execution_mode=ExecutionMode.LOCAL,
        # dbt in the worker's process: no interpreter start and dbt import per task
        # (measured on this project: see dbt/README.md).
        invocation_mode=InvocationMode.DBT_RUNNER,
    ),
    render_config=RenderConfig(
        load_method=LoadMode.DBT_MANIFEST,
        test_behavior=TestBehavior.AFTER_EACH,
        should_detach_multiple_parents_tests=True,
        source_rendering_behavior=SourceRenderingBehavior.WITH_TESTS_OR_FRESHNESS,
    ),
    operator_args={
        "install_deps": False,
        "full_refresh": "{{ params.full_refresh }}",
        # Each task's dbt writes into a throw-away copy of the project: skip manifest.json and
        # run_results.json there (a quarter of a task's time on small models).
        "dbt_cmd_flags": ["--no-write-json"],
        # No asset per model: nothing schedules on single models (and cosmos's OpenLineage-style
        # URIs are not valid Airflow 3 asset URIs).
        "emit_datasets": False,
        # Build what changed: a node outside the run's plan is skipped, and a skipped input does
        # not stop a task (a failed one does).
        "pre_execute": skip_unless_selected,
        "trigger_rule": "none_failed",
    },
    # A stale source (dbt freshness warns, never errors) or a warning test notifies.
    on_warning_callback=notify_warning,
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
)

with shoplake_transform:
    leaves = [task for task in shoplake_transform.tasks if not task.downstream_task_ids]
    # After a complete build that succeeded, later runs may build only what changed.
    recorded = PythonOperator(task_id="record_complete_build", python_callable=record_complete_build)
    # Whatever else failed, tell the consumers of the models that were rebuilt and tested
    # ("Marts Rebuilt": the promotions export subscribes to customer_promotions).
    announced = PythonOperator(
        task_id="announce_rebuilt_models", python_callable=announce_rebuilt_models, trigger_rule="all_done"
    )
    for task in leaves:
        task >> [recorded, announced]
