"""Recent executions of the review pipeline and how each ended, wherever they ran.

The warehouse only knows executions that published a file; rejected, failed and unchanged ones
live in Step Functions. ``shoplake runs`` and the dashboard read them from here:

* locally, the run records the local runtime writes under ``$SHOPLAKE_HOME/runs/``;
* in AWS, Step Functions itself (ListExecutions + DescribeExecution on the state machine).

Both give :class:`Execution` rows with the same outcome vocabulary: SUCCEEDED (published),
UNCHANGED (same content seen before), REJECTED (quarantined whole), FAILED, TIMED_OUT, ABORTED,
RUNNING.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class Execution:
    name: str
    started_at: datetime
    status: str
    source_uri: str
    seconds: float | None
    records_read: int | None = None
    processed: int | None = None
    quarantined: int | None = None
    duplicates: int | None = None
    detail: str = ""

    @property
    def dataset(self) -> str | None:
        """The dataset whose landing prefix the object is under (None for keys under none)."""
        from shoplake.datasets import dataset_for_key

        key = self.source_uri.removeprefix("s3://").partition("/")[2]
        ds = dataset_for_key(key)
        return ds.name if ds else None


class ExecutionSource(Protocol):
    description: str
    cache_key: str

    def recent(self, limit: int = 20) -> list[Execution]: ...


def outcome(status: str, output: dict[str, Any]) -> tuple[str, str]:
    """(status, detail) of an execution from Step Functions' status and the execution output.

    "Rejected" and "Unchanged" are Succeed states: the execution SUCCEEDED, its output tells which.
    """
    if status != "SUCCEEDED":
        return status, ""
    if output.get("rejection"):
        rejection = output["rejection"]
        return "REJECTED", rejection.get("reason") or rejection.get("error") or ""
    if output.get("unchanged"):
        return "UNCHANGED", "same content as a published version"
    return "SUCCEEDED", ""


class LocalRunRecords:
    """The run records of the local runtime (``$SHOPLAKE_HOME/runs/*.json``), newest first."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.description = f"run records in {directory}"
        self.cache_key = f"runs:{directory}"

    def records(self, limit: int = 20) -> list[dict[str, Any]]:
        if not self.directory.exists():
            return []
        files = sorted(self.directory.glob("*.json"), reverse=True)[:limit]
        return [json.loads(f.read_text()) for f in files]

    def recent(self, limit: int = 20) -> list[Execution]:
        out = []
        for r in self.records(limit):
            status = "UNCHANGED" if r["status"] == "SUCCEEDED" and r.get("unchanged") else r["status"]
            counts = r.get("counts") or {}
            problem = r.get("rejection") or r.get("error") or {}
            published = status == "SUCCEEDED"
            out.append(
                Execution(
                    name=r["execution"],
                    started_at=datetime.fromisoformat(r["started_at"]).astimezone(UTC),
                    status=status,
                    source_uri=r["source_uri"],
                    seconds=r.get("seconds"),
                    **{k: counts.get(k) if published else None for k in _COUNTS},
                    detail=problem.get("reason") or problem.get("error") or "",
                )
            )
        return out


_COUNTS = ("records_read", "processed", "quarantined", "duplicates")


class StepFunctionsExecutions:
    """The state machine's executions, from Step Functions (one DescribeExecution per row)."""

    def __init__(self, state_machine_arn: str, client: Any = None):
        self.state_machine_arn = state_machine_arn
        self._client = client
        self.description = f"Step Functions executions of {state_machine_arn.rsplit(':', 1)[-1]}"
        self.cache_key = state_machine_arn

    @property
    def client(self):
        if self._client is None:
            from shoplake.core.aws import stepfunctions

            self._client = stepfunctions()
        return self._client

    def recent(self, limit: int = 20) -> list[Execution]:
        listed = self.client.list_executions(stateMachineArn=self.state_machine_arn, maxResults=limit)["executions"]
        out = []
        for item in listed:
            desc = self.client.describe_execution(executionArn=item["executionArn"])
            inp = json.loads(desc.get("input") or "{}")
            output = json.loads(desc.get("output") or "{}")
            status, detail = outcome(desc["status"], output)
            if desc["status"] in ("FAILED", "TIMED_OUT", "ABORTED"):
                detail = desc.get("error") or ""
            started = desc["startDate"]
            stopped = desc.get("stopDate")
            # A published execution's output carries the refresh step's counts ($.refresh.counts).
            counts = (output.get("refresh") or {}).get("counts") or {} if status == "SUCCEEDED" else {}
            out.append(
                Execution(
                    name=desc["name"],
                    started_at=started.astimezone(UTC),
                    status=status,
                    source_uri=(inp.get("source") or {}).get("uri", ""),
                    seconds=round((stopped - started).total_seconds(), 3) if stopped else None,
                    **{k: counts.get(k) for k in _COUNTS},
                    detail=detail,
                )
            )
        return sorted(out, key=lambda e: e.started_at, reverse=True)
