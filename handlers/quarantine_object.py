"""Quarantine object: copy a rejected object to the quarantine zone with its reason."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer, single_metric
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from shoplake.core import pipeline
from shoplake.core.settings import QuarantineSettings, cold_start_cache
from shoplake.core.storage import get_store

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@cold_start_cache
def settings() -> QuarantineSettings:
    return QuarantineSettings.load()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=pipeline.ExecutionInput)
def handler(event: pipeline.ExecutionInput, context: LambdaContext) -> dict:
    s = settings()
    result = pipeline.quarantine_object(event, get_store(s.storage_backend), s.quarantine_bucket)
    logger.warning(
        "object rejected",
        extra={"source_uri": event.source.uri, "reason": result["reason"], "detail": result["message"]},
    )
    # One metric per reason: a dimension on the shared Metrics object would stick to later metrics.
    with single_metric(name="ObjectsRejected", unit=MetricUnit.Count, value=1) as metric:
        metric.add_dimension(name="reason", value=result["reason"])
    return result
