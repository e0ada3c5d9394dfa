"""Warehouse adapters: make published files visible as ``raw.<table>`` and check they are.

``duckdb`` is the local warehouse (views over the committed Parquet files); ``snowflake``
refreshes external tables. Which one runs is configuration (``WAREHOUSE``).
"""

from __future__ import annotations

import json
from typing import Any

from shoplake import errors, layout
from shoplake.datasets import get_dataset
from shoplake.storage import ObjectStore


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
        from shoplake.warehouse.duckdb import DuckDBWarehouse

        tables = DuckDBWarehouse(settings.duckdb_path, store).refresh(ds, processed_root, manifest)
    else:
        from shoplake.warehouse.snowflake import SnowflakeWarehouse

        tables = SnowflakeWarehouse.from_settings(settings).refresh(ds, processed_root, manifest)
    return {"warehouse": settings.warehouse, "tables": tables, "counts": manifest["counts"]}
