"""Check cleaned batch: raise UndecodableObject when the clean job rejected the file as a whole."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from shoplake.core import pipeline
from shoplake.core.settings import CheckCleanSettings, cold_start_cache
from shoplake.core.storage import get_store

logger = Logger()
tracer = Tracer()


@cold_start_cache
def settings() -> CheckCleanSettings:
    return CheckCleanSettings.load()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@event_parser(model=pipeline.ExecutionInput)
def handler(event: pipeline.ExecutionInput, context: LambdaContext) -> dict:
    logger.append_keys(run_id=event.run_id, source_uri=event.source.uri)
    s = settings()
    return pipeline.check_clean(event, get_store(s.storage_backend), s.processed_bucket)
