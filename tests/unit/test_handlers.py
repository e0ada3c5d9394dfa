"""Handlers with the sample events in tests/events: settings at cold start, exact responses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shoplake.core import errors
from shoplake.core.settings import (
    IntakeSettings,
    RefreshWarehouseSettings,
    ValidateSettings,
    reset_cold_start_caches,
)
from shoplake.local.adapters import LambdaContext

EVENTS = Path(__file__).resolve().parents[1] / "events"
CONTEXT = LambdaContext("shoplake-test-validate", "arn:aws:lambda:eu-west-1:123456789012:function:validate")


@pytest.fixture(autouse=True)
def cold_start():
    reset_cold_start_caches()
    yield
    reset_cold_start_caches()


def test_validate_handler_accepts_the_sample_input(monkeypatch):
    from handlers import validate

    monkeypatch.setenv("SHOPLAKE_STAGE", "test")
    monkeypatch.setenv("MAX_OBJECT_BYTES", "1048576")
    monkeypatch.setenv("SMALL_OBJECT_BYTES", "65536")
    event = json.loads((EVENTS / "validate_input.json").read_text())

    assert validate.handler(event, CONTEXT) == {
        "accepted": True,
        "dataset": "reviews",
        "suffix": ".jsonl.gz",
        "compression": "gzip",
        "small": event["source"]["size"] <= 65536,
    }


def test_validate_handler_without_its_setting_fails_at_cold_start_naming_it(monkeypatch):
    from handlers import validate

    monkeypatch.setenv("SHOPLAKE_STAGE", "test")
    monkeypatch.delenv("MAX_OBJECT_BYTES", raising=False)
    event = json.loads((EVENTS / "validate_input.json").read_text())

    with pytest.raises(
        errors.ConfigurationError, match=r"ValidateSettings is not configured: MAX_OBJECT_BYTES: Field required"
    ):
        validate.handler(event, CONTEXT)


def test_validate_handler_rejects_a_malformed_input():
    from aws_lambda_powertools.utilities.parser import ValidationError

    from handlers import validate

    with pytest.raises(ValidationError):
        validate.handler({"run_id": "x"}, CONTEXT)


def test_intake_rejects_an_event_that_is_not_an_s3_object_created_event(monkeypatch):
    from aws_lambda_powertools.utilities.parser import ValidationError

    from handlers import intake

    with pytest.raises(ValidationError):
        intake.handler({"detail-type": "Object Created", "detail": {}}, CONTEXT)


def test_settings_name_every_missing_variable(monkeypatch):
    for name in ("SHOPLAKE_STAGE", "STORAGE_BACKEND", "STATE_MACHINE_ARN", "IDEMPOTENCY_TABLE", "PROCESSED_BUCKET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIPELINE_VERSION", "1")
    with pytest.raises(errors.ConfigurationError) as caught:
        IntakeSettings.load()
    assert str(caught.value) == (
        "IntakeSettings is not configured: SHOPLAKE_STAGE: Field required; STORAGE_BACKEND: Field required; "
        "STATE_MACHINE_ARN: Field required; IDEMPOTENCY_TABLE: Field required; PROCESSED_BUCKET: Field required"
    )


def test_settings_reject_invalid_values(monkeypatch):
    monkeypatch.setenv("SHOPLAKE_STAGE", "dev")
    monkeypatch.setenv("MAX_OBJECT_BYTES", "-1")
    with pytest.raises(errors.ConfigurationError, match="MAX_OBJECT_BYTES: Input should be greater than 0"):
        ValidateSettings.load()


def test_snowflake_warehouse_needs_its_connection_settings(monkeypatch):
    monkeypatch.setenv("SHOPLAKE_STAGE", "prod")
    monkeypatch.setenv("STORAGE_BACKEND", "s3")
    monkeypatch.setenv("PROCESSED_BUCKET", "p")
    monkeypatch.setenv("WAREHOUSE", "snowflake")
    monkeypatch.setenv("SNOWFLAKE_DATABASE", "SHOPLAKE")
    monkeypatch.setenv("WAREHOUSE_EVENTS_QUEUE_URL", "https://sqs.eu-west-1.amazonaws.com/123456789012/q")
    with pytest.raises(errors.ConfigurationError) as caught:
        RefreshWarehouseSettings.load()
    assert "WAREHOUSE=snowflake needs SNOWFLAKE_SECRET_NAME, SNOWFLAKE_SCHEMA, SNOWFLAKE_STAGE" in str(caught.value)


def test_the_main_threads_output_is_not_lost_while_a_local_function_runs_in_another_thread(capsys):
    import contextlib
    import sys
    import threading

    from shoplake.local.adapters import LAMBDA_STDOUT

    started, finish = threading.Event(), threading.Event()

    def function():  # as InProcessLambda.invoke runs one, without a log directory
        with contextlib.redirect_stdout(LAMBDA_STDOUT):
            LAMBDA_STDOUT.begin(None)
            started.set()
            finish.wait(5)
            print("from the function")
            LAMBDA_STDOUT.end()

    LAMBDA_STDOUT.outer = sys.stdout
    thread = threading.Thread(target=function)
    thread.start()
    assert started.wait(5)
    print("from the main thread")  # sys.stdout is the functions' stream now, for every thread
    finish.set()
    thread.join(5)

    out = capsys.readouterr().out
    assert "from the main thread" in out
    assert "from the function" not in out
