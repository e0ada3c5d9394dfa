"""Validate: decide from the event alone (no download) whether an object enters the pipeline."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from shoplake.core import pipeline
from shoplake.core.settings import ValidateSettings, cold_start_cache

logger = Logger()
tracer = Tracer()


@cold_start_cache
def settings() -> ValidateSettings:
    return ValidateSettings.load()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@event_parser(model=pipeline.ExecutionInput)
def handler(event: pipeline.ExecutionInput, context: LambdaContext) -> dict:
    logger.append_keys(run_id=event.run_id, source_uri=event.source.uri)
    return pipeline.validate_object(event, settings().max_object_bytes, settings().small_object_bytes)
