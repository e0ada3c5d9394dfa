"""reviews_transform: build the dbt project (staging, then marts) when new reviews land.

One Airflow task per dbt model and, right after each, one task running that model's tests
(astronomer-cosmos, ``TestBehavior.AFTER_EACH``): a model's dependents start only once its tests
passed. Tests that span several models (relationships, the reconciliation tests in
``dbt/tests/``) run in their own task once all their models are built. Sources with a freshness
rule get a freshness task first.

Schedule: daily at 03:00 UTC **or** whenever the warehouse refresh announces new reviews — an
event on the asset ``shoplake://warehouse/raw/reviews``. In AWS the refresh Lambda sends an SQS
message that an ``AssetWatcher`` turns into that event (see ``dags/README.md``); on one machine
the local runtime runs this DAG with ``dag.test()`` after each successful execution
(``shoplake.orchestration.run_reviews_transform``).

Trigger with ``{"full_refresh": true}`` to rebuild the incremental models from scratch.

No work at import: the graph is read from the dbt manifest that ``dbt parse`` wrote
(``dbt/target/manifest.json``; the deployment and ``run_reviews_transform`` generate it), no
``dbt ls``, no database.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Param
from airflow.timetables.assets import AssetOrTimeSchedule
from airflow.timetables.trigger import CronTriggerTimetable
from cosmos import DbtDag, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, SourceRenderingBehavior, TestBehavior

from shoplake.orchestration import (
    DBT_PROFILE,
    DBT_PROJECT_DIR,
    TRANSFORM_DAG_ID,
    dbt_manifest_path,
    dbt_target,
    notify_failure,
    retry_delay_seconds,
    reviews_asset,
)

reviews_transform = DbtDag(
    dag_id=TRANSFORM_DAG_ID,
    description="dbt build of the reviews marts, on new data or daily",
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
    },
    params={"full_refresh": Param(False, type="boolean", description="rebuild incremental models from scratch")},
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 3 * * *", timezone="UTC"),
        assets=[reviews_asset()],
    ),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    # One build at a time: incremental models and the DuckDB file both want that.
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=2),
    default_args={
        "owner": "shoplake",
        "retries": 2,
        "retry_delay": timedelta(seconds=retry_delay_seconds()),
        "retry_exponential_backoff": True,
        "on_failure_callback": notify_failure,
    },
    tags=["shoplake", "reviews", "dbt", "transform"],
)
