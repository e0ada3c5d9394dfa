"""Generate cart events: on a schedule, write the last interval's cart events into the raw zone."""

from __future__ import annotations

from datetime import timedelta

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from shoplake.core.settings import GenerateCartEventsSettings, cold_start_cache
from shoplake.core.storage import get_store
from shoplake.datasets.cart_events import generator

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@cold_start_cache
def settings() -> GenerateCartEventsSettings:
    return GenerateCartEventsSettings.load()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=EventBridgeModel)
def handler(event: EventBridgeModel, context: LambdaContext) -> dict:
    s = settings()
    start, end = generator.window_ending(event.time, timedelta(seconds=s.cart_events_every_seconds))
    result = generator.write_batch(
        get_store(s.storage_backend),
        s.raw_bucket,
        start,
        end,
        seed=s.shop_seed,
        sessions_per_day=s.cart_sessions_per_day,
    )
    logger.info("cart events generated", extra=result)
    metrics.add_metric(name="CartEventsGenerated", unit=MetricUnit.Count, value=result["events"])
    return result
