"""What the transform tells the rest of the platform: a "Marts Rebuilt" event after each run.

The transform DAG's last task lists the models this run built *and* tested (a model whose tests
failed is not announced) and emits one event naming them:

    Source: shoplake.transform   DetailType: Marts Rebuilt
    Detail: {"dag_id": ..., "run_id": ..., "models": ["customer_promotions", ...]}

Consumers subscribe by model, never by asking the DAG: the promotions export is a rule matching
``customer_promotions`` (serverless.yml, resources/promotions.yml); another rule sends the same
event to the "promotions ready" SNS topic. In AWS the event goes to the custom bus named by
``SHOPLAKE_EVENT_BUS_NAME`` (the Airflow role needs resources/promotions.yml's
TransformEventsPolicy); without it (one machine) it is written to ``$SHOPLAKE_HOME/events/outbox/``
and the local runtime delivers it to the same rules after the run (shoplake.local.runtime).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shoplake.core.promotions import EVENT_DETAIL_TYPE, EVENT_SOURCE
from shoplake.core.storage import shoplake_home
from shoplake.orchestration.selection import Manifest, load_manifest

ENV_EVENT_BUS = "SHOPLAKE_EVENT_BUS_NAME"


def rebuilt_models(nodes: Mapping[str, str], manifest: Manifest) -> list[str]:
    """The models that were built and whose tests passed (or warned), by name, from the build's
    node statuses (unique id -> dbt status)."""
    out = []
    for uid, status in nodes.items():
        if manifest.resource_types.get(uid) != "model" or status != "success":
            continue
        tests = [c for c in manifest.children.get(uid, ()) if manifest.resource_types.get(c) == "test"]
        if all(nodes.get(t, "pass") in ("pass", "warn", "success") for t in tests):
            out.append(uid.rsplit(".", 1)[-1])
    return sorted(out)


def outbox(home: Path) -> Path:
    return Path(home) / "events" / "outbox"


def emit(detail: dict[str, Any], *, bus: str | None, home: Path) -> str:
    """Put the event on the bus (AWS), or into the local outbox; returns where it went."""
    if bus:
        import boto3

        response = boto3.client("events").put_events(
            Entries=[
                {
                    "Source": EVENT_SOURCE,
                    "DetailType": EVENT_DETAIL_TYPE,
                    "Detail": json.dumps(detail),
                    "EventBusName": bus,
                }
            ]  # fmt: skip
        )
        if response.get("FailedEntryCount"):
            raise RuntimeError(f"PutEvents to {bus} failed: {response['Entries']}")
        return f"bus {bus}"
    box = outbox(home)
    box.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
    partial = box / f".{name}.tmp"
    partial.write_text(json.dumps({"source": EVENT_SOURCE, "detail-type": EVENT_DETAIL_TYPE, "detail": detail}))
    os.replace(partial, box / f"{name}.json")
    return str(box / f"{name}.json")


def announce_rebuilt_models(**context: Any) -> dict[str, Any]:
    """The transform DAG's task: emit "Marts Rebuilt" for the models this run rebuilt (none: no event)."""
    from shoplake.orchestration.airflow import dbt_manifest_path
    from shoplake.orchestration.build import BUILD_TASK_ID, XCOM_KEY

    ti = context["ti"]
    dag_run = context["dag_run"]
    report = ti.xcom_pull(task_ids=BUILD_TASK_ID, key=XCOM_KEY) or {}
    models = rebuilt_models(report.get("nodes") or {}, load_manifest(dbt_manifest_path()))
    if not models:
        return {"models": [], "emitted": None}
    detail = {"dag_id": ti.dag_id, "run_id": dag_run.run_id, "models": models}
    where = emit(detail, bus=os.environ.get(ENV_EVENT_BUS) or None, home=shoplake_home())
    return {"models": models, "emitted": where}
