"""Which dbt nodes a transform run builds: the models downstream of the raw tables that changed.

The transform DAG's build task (:mod:`shoplake.orchestration.build`) asks :func:`current_plan`
and hands dbt the plan as one selection; dbt runs each selected model's tests after it and skips
only what is below a failure, so a mart that joins several datasets is rebuilt when any of its
inputs changed, and a failed test stops everything below it and nothing else.

A run builds everything (``Plan.full``) when

* it was started by the schedule or by hand without tables, or asks for a full refresh;
* the dbt project is not the one the last complete build built (first run, a new dataset's
  models, a changed model): the Airflow Variable ``shoplake_transform_built`` holds that build's
  fingerprint, which the DAG's last task records after a complete successful build.

Otherwise it builds the descendants of the changed tables' dbt sources (``source:x+`` in dbt's
selection syntax), and runs the tests of the changed sources and of those descendants. Seeds
(generated from the contracts, a few rows) are always loaded.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from shoplake.orchestration.assets import table_of_asset, tables_of_announcements

logger = logging.getLogger(__name__)

BUILT_VARIABLE = "shoplake_transform_built"


@dataclass(frozen=True)
class Manifest:
    """What selection needs of dbt's manifest: the graph, node kinds, sources by table."""

    fingerprint: str
    children: Mapping[str, tuple[str, ...]]
    resource_types: Mapping[str, str]
    sources_by_table: Mapping[str, tuple[str, ...]]


@lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int) -> Manifest:
    data = json.loads(Path(path).read_text())
    nodes = {**data.get("nodes", {}), **data.get("sources", {})}
    checksums = sorted(
        (uid, (node.get("checksum") or {}).get("checksum", "")) for uid, node in data.get("nodes", {}).items()
    )
    fingerprint = hashlib.sha256(json.dumps([checksums, sorted(data.get("sources", {}))]).encode()).hexdigest()[:16]
    by_table: dict[str, list[str]] = {}
    for uid, source in data.get("sources", {}).items():
        by_table.setdefault(source["name"], []).append(uid)
    return Manifest(
        fingerprint=fingerprint,
        children={uid: tuple(kids) for uid, kids in data.get("child_map", {}).items()},
        resource_types={uid: node.get("resource_type", "") for uid, node in nodes.items()},
        sources_by_table={t: tuple(sorted(uids)) for t, uids in by_table.items()},
    )


def load_manifest(path: Path) -> Manifest:
    return _load(str(path), path.stat().st_mtime_ns)


@dataclass(frozen=True)
class Plan:
    """What one transform run builds."""

    full: bool
    reason: str
    tables: tuple[str, ...] = ()
    # the models, snapshots and seeds it builds, and the changed tables' dbt sources it builds from
    build: frozenset[str] = field(default_factory=frozenset)
    sources: tuple[str, ...] = ()

    def describe(self) -> dict[str, Any]:
        return {"full": self.full, "reason": self.reason, "tables": list(self.tables), "models": len(self.build)}


def descendants(manifest: Manifest, roots: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        uid = stack.pop()
        for child in manifest.children.get(uid, ()):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def plan(manifest: Manifest, tables: Iterable[str] | None, *, built: str | None, full_refresh: bool = False) -> Plan:
    """The plan for a run that saw ``tables`` change (None: no tables known)."""
    if full_refresh:
        return Plan(True, "full refresh requested")
    if built != manifest.fingerprint:
        why = "the dbt project was not built completely yet" if built is None else "the dbt project changed"
        return Plan(True, why)
    if tables is None:
        return Plan(True, "scheduled or started without tables")
    changed = tuple(tables)
    sources = [uid for t in changed for uid in manifest.sources_by_table.get(t, ())]
    below = descendants(manifest, sources)
    seeds = {uid for uid, kind in manifest.resource_types.items() if kind == "seed"}
    build = frozenset(uid for uid in below if manifest.resource_types.get(uid) in ("model", "snapshot")) | seeds
    return Plan(False, "the changed tables' descendants", changed, build, tuple(sources))


def changed_tables(context: Mapping[str, Any]) -> list[str] | None:
    """The raw tables a DAG run is about: its conf's ``tables`` (the local runtime), else its
    triggering asset events (Airflow's asset scheduling coalesces every event since the last run);
    None when it has neither (scheduled, or started by hand)."""
    dag_run = context.get("dag_run")
    conf = (getattr(dag_run, "conf", None) or {}) if dag_run is not None else {}
    if conf.get("tables") is not None:
        return list(conf["tables"])
    if conf.get("announcements"):
        return tables_of_announcements(conf["announcements"])
    events = context.get("triggering_asset_events") or {}
    tables = []
    for key in events:
        uri = getattr(key, "uri", None) or str(key)
        table = table_of_asset(uri)
        if table and table not in tables:
            tables.append(table)
    return tables or None


_PLANS: dict[str, Plan] = {}


def current_plan(context: Mapping[str, Any]) -> Plan:
    """The plan of the task's DAG run (worked out once per run and process)."""
    from airflow.sdk import Variable

    from shoplake.orchestration.airflow import dbt_manifest_path

    dag_run = context.get("dag_run")
    run_id = getattr(dag_run, "run_id", None) or "?"
    if run_id not in _PLANS:
        conf = (getattr(dag_run, "conf", None) or {}) if dag_run is not None else {}
        _PLANS[run_id] = plan(
            load_manifest(dbt_manifest_path()),
            changed_tables(context),
            built=Variable.get(BUILT_VARIABLE, default=None),
            full_refresh=bool(conf.get("full_refresh")),
        )
        logger.info("transform plan for %s: %s", run_id, _PLANS[run_id].describe())
    return _PLANS[run_id]


def record_complete_build(**context: Any) -> str:
    """The DAG's last task: after a run that built everything and succeeded, remember the dbt
    project it built (later runs may then build only what changed)."""
    from airflow.sdk import Variable

    from shoplake.orchestration.airflow import dbt_manifest_path

    chosen = current_plan(context)
    fingerprint = load_manifest(dbt_manifest_path()).fingerprint
    if chosen.full:
        Variable.set(BUILT_VARIABLE, fingerprint)
        return f"complete build of {fingerprint} recorded"
    return f"partial build ({', '.join(chosen.tables)}); complete build {fingerprint} stands"
