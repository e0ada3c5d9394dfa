"""The transform DAG's build task: one ``dbt build`` of the run's plan, and what it reports.

Each run of ``shoplake_transform`` builds its plan (:mod:`shoplake.orchestration.selection`: the
descendants of the raw tables that changed, or everything) with **one** dbt invocation, in the
worker's process (``dbtRunner``): dbt orders the models, runs each model's tests right after it,
skips what is downstream of a failed model or test, and goes on with every branch that does not
depend on it — so one dataset's bad batch never stops the others' marts. Before a complete build
``dbt source freshness`` checks every source (a source that went quiet sends no event; in a run
for the tables that changed, those sources have just been loaded and are fresh by definition).

What the task reports, as its XCom ``dbt`` (read by ``announce_rebuilt_models`` and the local
runtime's summary): the plan, every node's dbt status by unique id, the nodes that failed or
warned, and the seconds each dbt command took. A warning (a stale source, a test that warns)
notifies without failing; a failed node fails the task, which Airflow retries (the same
selection again: models are idempotent, incremental ones merge only what is new) and, when the
retries are spent, notifies with the failed nodes named.

Why one task and not one per model (astronomer-cosmos, as before): the per-model DAG cost about
0.8 s of orchestration per dbt node and 50 ms per skipped node — 80 s for a run that dbt does in
6 s — and a file dropped into the lake waited for it (docs/scaling.md).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from shoplake.orchestration.airflow import DBT_PROJECT_DIR, dbt_manifest_path, dbt_target, notify_warning
from shoplake.orchestration.selection import Plan, current_plan

logger = logging.getLogger(__name__)

BUILD_TASK_ID = "dbt_build"
XCOM_KEY = "dbt"
ENV_DBT_TARGET_PATH = "SHOPLAKE_DBT_TARGET_PATH"  # default: next to the manifest

# dbt's node statuses (RunStatus, TestStatus, FreshnessStatus values)
FAILED = frozenset({"error", "fail", "runtime error"})
WARNED = frozenset({"warn"})


class BuildFailed(RuntimeError):
    """dbt reported failed nodes (or could not run): the task fails, and is retried."""


def target_path() -> Path:
    """Where dbt writes its compiled SQL and reads its partial-parse state: next to the manifest
    the DAG's plan is read from (``dbt parse`` left its state there), unless told otherwise."""
    return Path(os.environ.get(ENV_DBT_TARGET_PATH) or dbt_manifest_path().parent)


def selectors(plan: Plan) -> list[str]:
    """dbt's ``--select`` for a plan: nothing for a complete build (everything), else each changed
    table's source and everything downstream (``source:amazon.reviews+``), and the seeds.

    dbt's default (eager) indirect selection then runs every test touching a selected node."""
    if plan.full:
        return []
    # source.<project>.<source name>.<table> -> source:<source name>.<table>+
    return [f"source:{uid.split('.', 2)[2]}+" for uid in plan.sources] + ["resource_type:seed"]


def dbt_args(command: list[str], *, select: Iterable[str] = (), full_refresh: bool = False) -> list[str]:
    target = target_path()
    args = [
        *command,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target",
        dbt_target(),
        "--target-path",
        str(target),
        "--log-path",
        str(target / "logs"),
        # run_results.json and manifest.json: the task's XCom carries the results, and the
        # manifest the plan is read from stays the one `dbt parse` wrote
        "--no-write-json",
    ]
    select = list(select)
    if select:
        args += ["--select", *select]
    if full_refresh:
        args.append("--full-refresh")
    return args


def node_statuses(result: Any) -> dict[str, str]:
    """unique_id -> dbt status of an invocation's results (none when dbt did not get to run)."""
    out: dict[str, str] = {}
    for r in getattr(getattr(result, "result", None), "results", None) or []:
        status = getattr(r.status, "value", r.status)
        out[r.node.unique_id] = str(status)
    return out


def invoke(args: list[str]) -> tuple[dict[str, str], float, BaseException | None]:
    """Run one dbt command in this process; its node statuses, seconds, and exception if any."""
    from dbt.cli.main import dbtRunner

    started = time.perf_counter()
    result = dbtRunner().invoke(args)
    seconds = round(time.perf_counter() - started, 3)
    return node_statuses(result), seconds, result.exception


def run_plan(plan: Plan, *, full_refresh: bool) -> dict[str, Any]:
    """Freshness (complete builds) and the build of a plan; the report the task publishes."""
    nodes: dict[str, str] = {}
    seconds: dict[str, float] = {}
    errors: list[str] = []
    if plan.full:
        fresh, seconds["freshness"], exc = invoke(dbt_args(["source", "freshness"]))
        nodes.update(fresh)
        if exc is not None:
            errors.append(f"dbt source freshness could not run: {exc}")
    built, seconds["build"], exc = invoke(dbt_args(["build"], select=selectors(plan), full_refresh=full_refresh))
    nodes.update(built)
    if exc is not None:
        errors.append(f"dbt build could not run: {exc}")
    return {
        "plan": plan.describe(),
        "nodes": nodes,
        "failed": sorted(uid for uid, status in nodes.items() if status in FAILED),
        "warned": sorted(uid for uid, status in nodes.items() if status in WARNED),
        "skipped": sum(status == "skipped" for status in nodes.values()),
        "errors": errors,
        "seconds": seconds,
    }


def failure_summary(report: Mapping[str, Any]) -> str | None:
    """Why the task fails (None: it does not)."""
    if report["errors"]:
        return "; ".join(report["errors"])
    if report["failed"]:
        names = ", ".join(report["failed"][:20]) + (", …" if len(report["failed"]) > 20 else "")
        return f"dbt: {len(report['failed'])} node(s) failed ({names}); {report['skipped']} skipped below them"
    return None


def build(**context: Any) -> None:
    """The DAG's ``dbt_build`` task (what it reports is its XCom ``dbt``, pushed even when it fails)."""
    chosen = current_plan(context)
    full_refresh = bool((context.get("params") or {}).get("full_refresh"))
    report = run_plan(chosen, full_refresh=full_refresh)
    ti = context["ti"]
    # pushed before any failure is raised: the run's last task announces what did get rebuilt
    ti.xcom_push(key=XCOM_KEY, value=report)
    logger.info(
        "dbt: %d nodes, %d failed, %d warned, %d skipped (%s)",
        len(report["nodes"]),
        len(report["failed"]),
        len(report["warned"]),
        report["skipped"],
        report["seconds"],
    )
    why = failure_summary(report)
    # a failed try is retried with the same selection: tell of warnings once, from the last try
    last_try = not why or ti.try_number > getattr(context.get("task"), "retries", 0)
    if report["warned"] and last_try:
        notify_warning(
            {
                **context,
                "test_names": report["warned"],
                "test_results": [report["nodes"][uid] for uid in report["warned"]],
            }
        )
    if why:
        raise BuildFailed(why)
