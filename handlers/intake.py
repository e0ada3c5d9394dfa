"""Intake: an S3 "Object Created" event (via EventBridge) -> one state machine execution.

Idempotent per object version: a re-delivered event returns the first delivery's result
(Powertools Idempotency on DynamoDB) and the deterministic execution name stops a second
execution even if the idempotency record has expired.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import S3EventNotificationEventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from shoplake.core import aws, pipeline
from shoplake.core.settings import IntakeSettings, cold_start_cache
from shoplake.core.storage import get_store

logger = Logger()
tracer = Tracer()
metrics = Metrics()

# One object version = one execution. The sequencer covers unversioned buckets.
IDEMPOTENCY_KEY = '[detail.bucket.name, detail.object.key, detail.object."version-id", detail.object.sequencer]'


@cold_start_cache
def settings() -> IntakeSettings:
    return IntakeSettings.load()


@cold_start_cache
def _idempotent_start():
    s = settings()
    config = IdempotencyConfig(
        event_key_jmespath=IDEMPOTENCY_KEY,
        expires_after_seconds=s.idempotency_ttl_seconds,
        raise_on_no_idempotency_key=True,
    )
    persistence = DynamoDBPersistenceLayer(table_name=s.idempotency_table)

    @idempotent_function(data_keyword_argument="event", config=config, persistence_store=persistence)
    def start(event: dict) -> dict:
        parsed = parse(event=event, model=S3EventNotificationEventBridgeModel)
        obj = parsed.detail.object
        execution_input = pipeline.build_execution_input(
            bucket=parsed.detail.bucket.name,
            key=obj.key,
            size=int(obj.size or 0),
            etag=obj.etag,
            version_id=obj.version_id,
            sequencer=obj.sequencer,
            event_id=parsed.id,
            event_time=parsed.time,
            pipeline_version=s.pipeline_version,
            store=get_store(s.storage_backend),
            processed_bucket=s.processed_bucket,
        )
        result = pipeline.start_execution(aws.stepfunctions(), s.state_machine_arn, execution_input)
        logger.info("execution handed over", extra=result)
        metrics.add_metric(name="ExecutionsStarted", unit=MetricUnit.Count, value=int(result["started"]))
        return result

    return start, config


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    # Parse at the edge: a malformed event fails here, before anything is remembered.
    parse(event=event, model=S3EventNotificationEventBridgeModel)
    start, config = _idempotent_start()
    config.register_lambda_context(context)
    return start(event=event)
