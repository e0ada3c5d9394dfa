"""Warehouse adapters: make published files visible as ``raw.<table>`` and check they are.

``duckdb`` is the local warehouse (views over the committed Parquet files); ``snowflake``
refreshes external tables. Which one runs is configuration (``WAREHOUSE``).
"""

from __future__ import annotations

import json
from typing import Any

from shoplake.core import errors, layout
from shoplake.core.contracts import PIPELINE_RUNS
from shoplake.core.storage import ObjectStore
from shoplake.datasets import get_dataset


def load_source_manifest(store: ObjectStore, processed_root: str, dataset: str, source_id: str) -> dict[str, Any]:
    uri = layout.source_manifest_uri(processed_root, dataset, source_id)
    if not store.exists(uri):
        raise errors.PublishedOutputMissing(f"no committed output for source {source_id}: {uri} is missing")
    return json.loads(store.get_bytes(uri))


def refresh_warehouse(settings, store: ObjectStore, *, dataset: str, source_id: str, run_id: str) -> dict[str, Any]:
    """Publish a committed source to the configured warehouse and verify it arrived."""
    processed_root = f"s3://{settings.processed_bucket}"
    manifest = load_source_manifest(store, processed_root, dataset, source_id)
    if manifest["run_id"] != run_id:
        # A later run of the same object committed meanwhile; publishing that one is its own job.
        raise errors.PublishedOutputMissing(
            f"source {source_id} is committed by run {manifest['run_id']}, not {run_id}"
        )
    ds = get_dataset(dataset)
    if settings.warehouse == "duckdb":
        from shoplake.core.warehouse.duckdb import DuckDBWarehouse

        tables = DuckDBWarehouse(settings.duckdb_path, store).refresh(ds, processed_root, manifest)
    else:
        from shoplake.core.warehouse.snowflake import SnowflakeWarehouse

        tables = SnowflakeWarehouse.from_settings(settings, store).refresh(ds, processed_root, manifest)
    return {"warehouse": settings.warehouse, "tables": tables, "counts": manifest["counts"]}


def compact_lake(settings, store: ObjectStore, *, dataset: str, policy=None) -> dict[str, Any]:
    """Compact one dataset's small sources if due (shoplake.core.compaction), switching the
    configured warehouse's readers to the new file set before retired segments' files go."""
    from shoplake.core import compaction

    processed_root = f"s3://{settings.processed_bucket}"
    ds = get_dataset(dataset)
    policy = policy or compaction.Policy()
    if settings.warehouse == "duckdb":
        from shoplake.core.warehouse.duckdb import DuckDBWarehouse

        return DuckDBWarehouse(settings.duckdb_path, store).compact(ds, processed_root, policy=policy)
    from shoplake.core.warehouse.snowflake import SnowflakeWarehouse

    snowflake = SnowflakeWarehouse.from_settings(settings, store)
    return compaction.compact(
        store,
        processed_root,
        ds,
        policy=policy,
        before_commit=lambda segment: snowflake.register_segment(ds, processed_root, segment),
        after_commit=lambda _segment: snowflake.replace_views(ds, processed_root),
        after_retire=lambda segments: snowflake.forget_segments(ds, processed_root, segments),
    )


# The transform DAG is scheduled on one Airflow asset per raw table; announcements of new data
# (the refresh step's messages) are events on their own asset, turned into the tables' events.
ANNOUNCEMENTS_ASSET_URI = "shoplake://warehouse/announcements"


def asset_uri(table: str) -> str:
    """The Airflow asset of a raw table: ``shoplake://warehouse/raw/<table>``."""
    return f"shoplake://warehouse/raw/{table}"


def new_data_message(dataset: str, manifest_run_id: str, source_uri: str, refreshed: dict[str, Any]) -> dict[str, Any]:
    """The "new data" announcement the refresh step sends: which run, and which raw tables (its
    dataset's and pipeline_runs) changed, as asset URIs."""
    tables = [*refreshed["tables"], PIPELINE_RUNS.name]
    return {
        "dataset": dataset,
        "run_id": manifest_run_id,
        "source_uri": source_uri,
        "assets": [asset_uri(t) for t in tables],
        "warehouse": refreshed["warehouse"],
        "tables": refreshed["tables"],
        "counts": refreshed["counts"],
    }


def announce_new_data(sqs, queue_url: str, message: dict[str, Any]) -> str:
    """Send the announcement; the run id deduplicates re-sent messages on the consumer side."""
    return sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(message))["MessageId"]
