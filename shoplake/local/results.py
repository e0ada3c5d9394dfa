"""What a landed file's journey produced, as ``shoplake ingest``, ``shoplake runs`` and the
dashboard report it, read from the state machine's execution history."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC
from typing import Any


@dataclass
class RunResult:
    """One landed file's journey, as ``shoplake ingest`` and ``shoplake runs`` report it."""

    file: str
    status: str  # SUCCEEDED | REJECTED | FAILED
    execution: str
    source_uri: str
    counts: dict[str, int]
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    unchanged: bool = False
    rejection: dict[str, str] | None = None
    error: dict[str, str] | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)
    started_at: str = ""
    seconds: float = 0.0
    notifications: list[dict[str, Any]] = field(default_factory=list)
    # "New data" announcements the refresh step sent (what Airflow's asset watcher consumes).
    announcements: list[dict[str, Any]] = field(default_factory=list)
    # The transform DAG run those announcements triggered (state, tasks, seconds), if any.
    transform: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


ZERO_COUNTS = {"records_read": 0, "processed": 0, "quarantined": 0, "duplicates": 0}


def step_timings(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per state: name, start, seconds, and how it ended — from the execution history."""
    steps: list[dict[str, Any]] = []
    open_steps: dict[str, dict[str, Any]] = {}
    for ev in history:
        typ = ev["type"]
        if typ.endswith("StateEntered"):
            name = ev["stateEnteredEventDetails"]["name"]
            step = {"state": name, "started": ev["timestamp"], "seconds": 0.0, "attempts": 0}
            open_steps[name] = step
            steps.append(step)
        elif typ.endswith("StateExited"):
            name = ev["stateExitedEventDetails"]["name"]
            if name in open_steps:
                step = open_steps.pop(name)
                step["seconds"] = round((ev["timestamp"] - step["started"]).total_seconds(), 3)
        elif typ == "TaskScheduled" and steps:
            steps[-1]["attempts"] += 1
    for step in steps:
        step["started"] = step["started"].astimezone(UTC).isoformat()
    return steps


def failure_of(history: list[dict[str, Any]]) -> dict[str, str] | None:
    """The first task failure's error and cause (what made the execution fail)."""
    for ev in history:
        details = ev.get("taskFailedEventDetails") or ev.get("lambdaFunctionFailedEventDetails")
        if details:
            return {"error": details.get("error", ""), "cause": details.get("cause", "")[:2000]}
    for ev in reversed(history):
        if ev["type"] == "ExecutionFailed":
            d = ev.get("executionFailedEventDetails", {})
            return {"error": d.get("error", ""), "cause": d.get("cause", "")}
    return None
