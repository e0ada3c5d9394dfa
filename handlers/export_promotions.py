"""Export promotions: when a transform run rebuilt customer_promotions, write the day's files."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from shoplake.core import promotions
from shoplake.core.settings import ExportPromotionsSettings, cold_start_cache
from shoplake.core.storage import get_store

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@cold_start_cache
def settings() -> ExportPromotionsSettings:
    return ExportPromotionsSettings.load()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=promotions.MartsRebuiltEvent)
def handler(event: promotions.MartsRebuiltEvent, context: LambdaContext) -> dict:
    s = settings()
    logger.append_keys(transform_run_id=event.detail.run_id)
    with promotions.marts_connection(s) as connection:
        current = promotions.read_promotions(connection)
    result = promotions.export_promotions(
        get_store(s.storage_backend),
        f"s3://{s.consumption_bucket}",
        current,
        transform_run_id=event.detail.run_id,
    )
    logger.info("promotions exported", extra=result)
    metrics.add_metric(name="PromotionsExported", unit=MetricUnit.Count, value=result.get("rows", 0))
    return result
