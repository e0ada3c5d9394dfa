"""The transform DAG's build task: what it asks dbt for, when it fails, and when it tells of warnings."""

from __future__ import annotations

from types import SimpleNamespace

from shoplake.orchestration import build
from shoplake.orchestration.selection import Plan

PARTIAL = Plan(False, "the changed tables' descendants", ("reviews",), frozenset(), ("source.shoplake.amazon.reviews",))


class TaskInstance:
    def __init__(self, try_number: int):
        self.try_number = try_number
        self.pushed: dict = {}

    def xcom_push(self, key, value):
        self.pushed[key] = value


def run_task(monkeypatch, report: dict, *, try_number=1, full_refresh=False):
    """Run the task with the plan and dbt's report given; (its XCom, the warnings sent, the
    full_refresh dbt was asked for, the exception raised)."""
    asked, warned = {}, []
    monkeypatch.setattr(build, "current_plan", lambda context: PARTIAL)
    monkeypatch.setattr(
        build, "run_plan", lambda plan, *, full_refresh: asked.update(full_refresh=full_refresh) or report
    )
    monkeypatch.setattr(build, "notify_warning", lambda context: warned.append(context["test_names"]))
    ti = TaskInstance(try_number)
    context = {"ti": ti, "task": SimpleNamespace(retries=2), "params": {"full_refresh": full_refresh}}
    raised = None
    try:
        build.build(**context)
    except build.BuildFailed as exc:
        raised = str(exc)
    return ti.pushed, warned, asked["full_refresh"], raised


def report(*, failed=(), warned=(), skipped=0) -> dict:
    nodes = {uid: "fail" for uid in failed} | {uid: "warn" for uid in warned}
    return {"plan": PARTIAL.describe(), "nodes": nodes, "failed": list(failed), "warned": list(warned),
            "skipped": skipped, "errors": [], "seconds": {"build": 1.0}}  # fmt: skip


def test_a_build_with_a_warning_succeeds_tells_of_it_once_and_publishes_its_report(monkeypatch):
    done = report(warned=["test.shoplake.dq_gate__reviews_warn"])
    pushed, warned, full_refresh, raised = run_task(monkeypatch, done)
    assert raised is None
    assert pushed == {"dbt": done}
    assert warned == [["test.shoplake.dq_gate__reviews_warn"]]
    assert full_refresh is False


def test_a_failed_build_fails_the_task_and_tells_of_warnings_only_from_its_last_try(monkeypatch):
    done = report(failed=["test.shoplake.not_null_x"], warned=["test.shoplake.w"], skipped=3)
    first = run_task(monkeypatch, done, try_number=1)
    last = run_task(monkeypatch, done, try_number=3)
    message = "dbt: 1 node(s) failed (test.shoplake.not_null_x); 3 skipped below them"
    assert (first[1], first[3]) == ([], message)
    assert (last[1], last[3]) == ([["test.shoplake.w"]], message)
    # the report is published before the task fails: the last task announces what was rebuilt
    assert first[0] == {"dbt": done}


def test_the_full_refresh_param_reaches_dbt(monkeypatch):
    assert run_task(monkeypatch, report(), full_refresh=True)[2] is True
    args = build.dbt_args(["build"], select=["source:amazon.reviews+", "resource_type:seed"], full_refresh=True)
    assert args[0] == "build" and args[-4:] == [
        "--select",
        "source:amazon.reviews+",
        "resource_type:seed",
        "--full-refresh",
    ]
    assert "--full-refresh" not in build.dbt_args(["build"])
    assert "--select" not in build.dbt_args(["build"], select=build.selectors(Plan(True, "complete")))
