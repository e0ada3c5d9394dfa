"""Extract changes: one batch of one operational table's changes into the raw zone.

Invoked per table by the CDC state machine's Map (statemachines/cdc_extraction.asl.yml), which
EventBridge Scheduler starts every few minutes; locally by ``shoplake cdc extract``. The batch
lands under ``cdc/<table>/``, where the raw bucket's events start the pipeline like any file.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from shoplake.core import aws
from shoplake.core.postgres import cdc
from shoplake.core.settings import ExtractChangesSettings, cold_start_cache
from shoplake.core.storage import get_store

logger = Logger()
tracer = Tracer()
metrics = Metrics()


class ExtractRequest(BaseModel):
    table: str


@cold_start_cache
def settings() -> ExtractChangesSettings:
    return ExtractChangesSettings.load()


def source_uri() -> str:
    """Read per run (one call every few minutes per table), so a rotated password is used at once."""
    secret = aws.secretsmanager().get_secret_value(SecretId=settings().source_secret_arn)
    return cdc.connection_uri(json.loads(secret["SecretString"]))


def watermarks(s: ExtractChangesSettings) -> cdc.WatermarkStore:
    if s.cdc_state_table:
        return cdc.DynamoWatermarks(s.cdc_state_table, aws.dynamodb())
    return cdc.LocalWatermarks(Path(s.cdc_state_dir or ""))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    request = ExtractRequest.model_validate(event)
    if request.table not in cdc.TABLES:
        raise ValueError(f"{request.table!r} is not a captured table (known: {', '.join(cdc.TABLES)})")
    s = settings()
    batch = cdc.extract(
        cdc.adbc_connector(source_uri()),
        get_store(s.storage_backend),
        s.raw_bucket,
        watermarks(s),
        request.table,
        lag=timedelta(seconds=s.cdc_lag_seconds),
        limit=s.cdc_batch_rows,
    )
    result = batch.summary()
    logger.info("changes extracted", extra=result)
    metrics.add_metric(name="ChangesCaptured", unit=MetricUnit.Count, value=batch.upserts + batch.deletes)
    return result
