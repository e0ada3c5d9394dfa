"""One test per moto gap the local runtime bridges (moto 5.2.5 is pinned).

Each ``test_gap_*`` asserts that the gap still exists: when a moto upgrade closes it, that test
fails and says which adapter can go. Each ``test_adapter_*`` asserts the bridge works.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import time
import zipfile

import boto3
import pytest
from moto import mock_aws

from shoplake.local import adapters

REGION = "us-east-1"
MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}


def echo_handler(event, context):
    return {"echo": event, "function": context.function_name}


class Boom(Exception):
    pass


def failing_handler(event, context):
    raise Boom("it broke")


@pytest.fixture
def aws(monkeypatch):
    for k, v in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(k, v)
    with mock_aws(config=MOTO_CONFIG):
        yield


def _role():
    return boto3.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]


def _function(name: str, role: str) -> str:
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as zf:
        zf.writestr("x.py", "")
    return boto3.client("lambda").create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="x.h", Code={"ZipFile": code.getvalue()}
    )["FunctionArn"]


@contextlib.contextmanager
def installed(*bridges):
    """The adapters installed for the duration of the block, uninstalled in reverse order."""
    for b in bridges:
        b.install()
    try:
        yield
    finally:
        for b in reversed(bridges):
            b.uninstall()


def _glue_run_of(script_text: str, tmp_path) -> dict:
    """Run GLUE_SYNC_MACHINE with the job bound to a script, through both Glue bridges."""
    role = _role()
    _glue_job(role)
    script = tmp_path / "job.py"
    script.write_text(script_text)
    glue = adapters.InProcessGlue()
    glue.register("job", script)
    with installed(glue, adapters.GlueSyncIntegration()):
        return _run(GLUE_SYNC_MACHINE, role)


def _run(definition: dict, role: str) -> dict:
    sfn = boto3.client("stepfunctions")
    arn = sfn.create_state_machine(name="m", definition=json.dumps(definition), roleArn=role)["stateMachineArn"]
    ex = sfn.start_execution(stateMachineArn=arn, name="e1", input="{}")["executionArn"]
    for _ in range(200):
        desc = sfn.describe_execution(executionArn=ex)
        if desc["status"] != "RUNNING":
            return desc
        time.sleep(0.05)
    raise AssertionError("execution did not finish")


def test_gap_lambda_without_docker_does_not_run_the_handler(aws):
    _function("f", _role())
    resp = boto3.client("lambda").invoke(FunctionName="f", Payload=b'{"a": 1}')
    assert resp["Payload"].read() == b'{"a": 1}'  # moto echoes the payload


def test_adapter_in_process_lambda_runs_the_handler_and_reports_errors_like_lambda(aws):
    role = _role()
    _function("ok", role)
    _function("bad", role)
    bridge = adapters.InProcessLambda()
    bridge.register("ok", f"{__name__}.echo_handler")
    bridge.register("bad", f"{__name__}.failing_handler")
    with installed(bridge):
        lam = boto3.client("lambda")
        ok = lam.invoke(FunctionName="ok", Payload=b'{"a": 1}')
        bad = lam.invoke(FunctionName="bad", Payload=b"{}")
    assert json.loads(ok["Payload"].read()) == {"echo": {"a": 1}, "function": "ok"}
    assert "FunctionError" not in ok
    error = json.loads(bad["Payload"].read())
    assert bad["FunctionError"] == "Unhandled"
    assert (error["errorType"], error["errorMessage"]) == ("Boom", "it broke")


GLUE_SYNC_MACHINE = {
    "StartAt": "Run job",
    "States": {
        "Run job": {
            "Type": "Task",
            "Resource": "arn:aws:states:::glue:startJobRun.sync",
            "Parameters": {"JobName": "job", "Arguments": {"--x": "1"}},
            "ResultSelector": {"state.$": "$.JobRunState", "started.$": "$.StartedOn"},
            "End": True,
        }
    },
}


def _glue_job(role: str) -> None:
    boto3.client("glue").create_job(
        Name="job", Role=role, Command={"Name": "glueetl", "ScriptLocation": "s3://b/job.py"}
    )


def test_gap_glue_sync_integration_crashes(aws):
    role = _role()
    _glue_job(role)
    desc = _run(GLUE_SYNC_MACHINE, role)
    assert desc["status"] == "FAILED"
    assert "interrupt_all" in desc.get("cause", "") + desc.get("error", "")


def test_adapter_glue_runs_the_script_and_the_sync_task_reports_its_end(aws, tmp_path):
    desc = _glue_run_of(
        "import json, pathlib, sys\n"
        f"def main(argv):\n    pathlib.Path({str(tmp_path / 'ran.json')!r}).write_text(json.dumps(argv[1:]))\n",
        tmp_path,
    )
    assert desc["status"] == "SUCCEEDED"
    output = json.loads(desc["output"])
    assert output["state"] == "SUCCEEDED"
    assert isinstance(output["started"], int)  # epoch milliseconds, as Step Functions renders them
    assert json.loads((tmp_path / "ran.json").read_text()) == ["--x", "1"]


def test_adapter_glue_records_a_failed_run_with_its_error(aws, tmp_path):
    desc = _glue_run_of("def main(argv):\n    raise ValueError('bad input path')\n", tmp_path)
    assert (desc["status"], desc["error"]) == ("FAILED", "States.TaskFailed")
    assert json.loads(desc["cause"])["ErrorMessage"] == "ValueError: bad input path"


def test_gap_eventbridge_rules_cannot_deliver_to_lambda(aws):
    arn = _function("intake", _role())
    bridge = adapters.InProcessLambda()
    bridge.register("intake", f"{__name__}.echo_handler")
    with installed(bridge):
        events = boto3.client("events")
        events.put_rule(Name="r", EventPattern=json.dumps({"source": ["aws.s3"]}))
        events.put_targets(Rule="r", Targets=[{"Id": "1", "Arn": arn}])
        # moto 5.2.5 does not implement Lambda targets: PutEvents raises instead of invoking.
        with pytest.raises(NotImplementedError, match="Expr not defined"):
            events.put_events(Entries=[{"Source": "aws.s3", "DetailType": "Object Created", "Detail": "{}"}])
    assert bridge.invocations == []


def test_adapter_deliver_event_invokes_matching_lambda_targets_only(aws):
    arn = _function("intake", _role())
    bridge = adapters.InProcessLambda()
    bridge.register("intake", f"{__name__}.echo_handler")
    with installed(bridge):
        events = boto3.client("events")
        events.put_rule(Name="r", EventPattern=json.dumps({"source": ["aws.s3"], "detail": {"k": [{"prefix": "a/"}]}}))
        events.put_targets(Rule="r", Targets=[{"Id": "1", "Arn": arn}])
        hit = adapters.deliver_event(
            boto3.client("lambda"), {"source": "aws.s3", "detail": {"k": "a/1"}}, account="123456789012", region=REGION
        )
        miss = adapters.deliver_event(
            boto3.client("lambda"), {"source": "aws.s3", "detail": {"k": "b/1"}}, account="123456789012", region=REGION
        )
    assert hit == [
        {
            "rule": "r",
            "target": arn,
            "response": {"echo": {"source": "aws.s3", "detail": {"k": "a/1"}}, "function": "intake"},
        }
    ]
    assert miss == []


def test_adapter_retry_clock_scales_the_interpreters_retry_waits(aws):
    role = _role()
    _function("bad", role)
    bridge, clock = adapters.InProcessLambda(), adapters.RetryClock(scale=0.0)
    bridge.register("bad", f"{__name__}.failing_handler")
    waits = []
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

    with installed(bridge, clock):
        real_sleep = retrier_decl.time.sleep
        retrier_decl.time.sleep = lambda s: (waits.append(s), real_sleep(s))
        desc = _run(
            {
                "StartAt": "Call",
                "States": {
                    "Call": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::lambda:invoke",
                        "Parameters": {"FunctionName": "bad", "Payload": {}},
                        "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 30, "BackoffRate": 2, "MaxAttempts": 2}],
                        "End": True,
                    }
                },
            },
            role,
        )
    assert (desc["status"], desc["error"]) == ("FAILED", "Boom")
    assert waits == [30, 60]  # the interpreter asked for the ASL's waits; the clock slept none of them
    assert [i["function"] for i in bridge.invocations] == ["bad", "bad", "bad"]


START_TIME_MACHINE = {
    "StartAt": "Pass it on",
    "States": {"Pass it on": {"Type": "Pass", "Parameters": {"started.$": "$$.Execution.StartTime"}, "End": True}},
}


def test_gap_context_start_time_is_a_datetime(aws):
    # (in a Task's parameters it fails the task; here DescribeExecution cannot render the output)
    with pytest.raises(TypeError, match="Object of type datetime is not JSON serializable"):
        _run(START_TIME_MACHINE, _role())


def test_adapter_context_start_time_is_an_iso_string(aws):
    with installed(adapters.ContextStartTime()):
        desc = _run(START_TIME_MACHINE, _role())
    started = json.loads(desc["output"])["started"]
    assert desc["status"] == "SUCCEEDED"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", started), started
