"""Refresh warehouse: make the committed files visible (Snowflake external tables or local DuckDB) and verify."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from shoplake.core import aws, pipeline
from shoplake.core.settings import RefreshWarehouseSettings, cold_start_cache
from shoplake.core.storage import get_store
from shoplake.core.warehouse import announce_new_data, new_data_message, refresh_warehouse

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@cold_start_cache
def settings() -> RefreshWarehouseSettings:
    return RefreshWarehouseSettings.load()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=pipeline.ExecutionInput)
def handler(event: pipeline.ExecutionInput, context: LambdaContext) -> dict:
    s = settings()
    result = refresh_warehouse(
        s, get_store(s.storage_backend), dataset=event.dataset, source_id=event.source_id, run_id=event.run_id
    )
    announce_new_data(
        aws.sqs(),
        s.warehouse_events_queue_url,
        new_data_message(event.dataset, event.run_id, event.source.uri, result),
    )
    logger.info("warehouse refreshed", extra={"run_id": event.run_id, **result})
    metrics.add_metric(name="RecordsPublished", unit=MetricUnit.Count, value=result["counts"]["processed"])
    return result
