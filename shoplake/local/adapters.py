"""Small, named bridges over the gaps of moto 5.2.5 (pinned), each with its own test.

moto is the local stand-in for AWS; its Step Functions backend executes our ASL file with a
port of LocalStack's interpreter. Where moto stops short of what the pipeline needs, one of
these adapters fills the gap — they do not interpret ASL themselves:

* :class:`InProcessLambda` — moto's Lambda without Docker (``LambdaSimpleBackend``) echoes the
  payload or returns canned results; this runs
  the project's handler function in-process with the function's configured environment, and
  reports an exception as Lambda does (``FunctionError`` + ``errorType``/``errorMessage``).
* :class:`InProcessGlue` — moto's Glue never runs a job script; this runs the job's script
  (``main(argv)``) on the warm local SparkSession when ``StartJobRun`` is called and records
  SUCCEEDED or FAILED (with ``ErrorMessage``) on the job run.
* :class:`GlueSyncIntegration` — ``glue:startJobRun.sync`` crashes in moto
  (``'NoneType' object has no attribute 'interrupt_all'``) and its output carries datetimes
  that break ``DescribeExecution``; this evaluates the sync pattern without the callback
  endpoint and renders times as epoch milliseconds, as Step Functions does.
* :class:`ContextStartTime` — moto puts a ``datetime`` in ``$$.Execution.StartTime``, which
  fails the first task that passes it on (``Object of type datetime is not JSON serializable``);
  Step Functions gives an ISO-8601 string, and so does this.
* :class:`RetryClock` — scales the interpreter's Retry waits (tests run them at 1/1000).
* :func:`deliver_event` — moto's EventBridge raises NotImplementedError for Lambda
  targets; this matches an event against the rules with moto's own pattern engine and
  invokes the matching Lambda targets.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_ENV_LOCK = threading.RLock()


@contextlib.contextmanager
def patched_environ(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of a call (a Lambda's or a Glue job's)."""
    with _ENV_LOCK:
        saved = {k: os.environ.get(k) for k in values}
        os.environ.update(values)
        try:
            yield
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def resolve_callable(dotted: str) -> Callable:
    """``handlers.validate.handler`` -> the function object."""
    module, _, attr = dotted.rpartition(".")
    return getattr(importlib.import_module(module), attr)


@dataclass
class LambdaContext:
    """The attributes of a Lambda context object that Powertools reads."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    timeout_seconds: int = 900

    def __post_init__(self):
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class FunctionLogs:
    """The CloudWatch Logs stand-in: what a function prints goes to ``<directory>/<function>.log``.

    Powertools' Logger binds ``sys.stdout`` when a handler module is imported; handlers are
    imported with stdout redirected to :data:`LAMBDA_STDOUT`, a process-wide stream that writes
    to the log file of the function being invoked (or nowhere, between invocations).
    """

    def __init__(self):
        self._local = threading.local()
        # The stdout in effect before a function's invocation redirected it: where the main
        # thread's prints go meanwhile (``redirect_stdout`` swaps ``sys.stdout`` for every thread).
        self.outer = None

    def begin(self, path: Path | None) -> FunctionLogs:
        """This thread runs a function now; its prints go to ``path`` (or nowhere)."""
        self._local.inside = True
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._local.file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed by end()
        return self

    def end(self) -> None:
        f = getattr(self._local, "file", None)
        if f is not None:
            f.close()
            self._local.file = None
        self._local.inside = False

    def write(self, text: str) -> int:
        f = getattr(self._local, "file", None)
        if f is not None:
            return f.write(text)
        if not getattr(self._local, "inside", False) and threading.current_thread() is threading.main_thread():
            # the program's own output (a CLI line, a benchmark's figures) while a function runs
            # in another thread: where it went before the redirect
            return (self.outer or sys.__stdout__).write(text)
        # a function's output outside its invocation (the Glue jobs' and the state machine's
        # threads log through loggers bound to this stream): nowhere, as before
        return len(text)

    def flush(self) -> None:
        f = getattr(self._local, "file", None)
        if f is not None:
            f.flush()


LAMBDA_STDOUT = FunctionLogs()


class InProcessLambda:
    """Run registered handlers in-process when moto's Lambda is invoked."""

    def __init__(self, log_dir: Path | None = None):
        self.handlers: dict[str, str] = {}  # function name -> dotted handler
        self.invocations: list[dict[str, Any]] = []
        self.log_dir = log_dir
        self._original = None

    def register(self, function_name: str, handler: str) -> None:
        self.handlers[function_name] = handler

    def install(self) -> None:
        from moto.awslambda_simple.models import LambdaSimpleBackend

        adapter = self
        self._original = LambdaSimpleBackend.invoke

        def invoke(backend, function_name, qualifier, body, headers, response_headers):
            fn = backend.get_function(function_name, qualifier)
            if fn.function_name not in adapter.handlers:
                return adapter._original(backend, function_name, qualifier, body, headers, response_headers)
            return adapter.invoke(fn, body, response_headers)

        LambdaSimpleBackend.invoke = invoke

    def uninstall(self) -> None:
        from moto.awslambda_simple.models import LambdaSimpleBackend

        if self._original is not None:
            LambdaSimpleBackend.invoke = self._original
            self._original = None

    def invoke(self, fn, body: str | bytes | None, response_headers: dict) -> bytes:
        event = json.loads(body) if body else {}
        context = LambdaContext(fn.function_name, fn.function_arn, timeout_seconds=int(fn.timeout or 900))
        record = {"function": fn.function_name, "started": time.time()}
        self.invocations.append(record)
        env = {str(k): str(v) for k, v in (fn.environment_vars or {}).items()}
        env["AWS_LAMBDA_FUNCTION_NAME"] = fn.function_name
        try:
            if sys.stdout is not LAMBDA_STDOUT:
                LAMBDA_STDOUT.outer = sys.stdout
            with patched_environ(env), contextlib.redirect_stdout(LAMBDA_STDOUT):
                LAMBDA_STDOUT.begin(self.log_dir / f"{fn.function_name}.log" if self.log_dir is not None else None)
                try:
                    # Imported under the function's environment, as in a Lambda sandbox.
                    handler = resolve_callable(self.handlers[fn.function_name])
                    result = handler(event, context)
                finally:
                    LAMBDA_STDOUT.end()
        except Exception as exc:  # reported to the caller exactly as Lambda reports it
            record.update(error=type(exc).__name__, seconds=time.time() - record["started"])
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(
                {
                    "errorMessage": str(exc),
                    "errorType": type(exc).__name__,
                    "requestId": context.aws_request_id,
                    "stackTrace": traceback.format_tb(exc.__traceback__),
                }
            ).encode()
        record.update(seconds=time.time() - record["started"])
        return json.dumps(result).encode()


class InProcessGlue:
    """Run a Glue job's script in-process when moto's Glue starts a job run."""

    def __init__(self):
        self.scripts: dict[str, Path] = {}  # job name -> local script path
        self.runs: list[dict[str, Any]] = []
        self._original = None
        self._original_as_dict = None
        self.fault: Callable[[str, dict], None] | None = None  # tests inject failures here

    def register(self, job_name: str, script: Path) -> None:
        self.scripts[job_name] = Path(script)

    def install(self) -> None:
        from moto.glue.models import FakeJob, FakeJobRun

        adapter = self
        self._original = FakeJob.start_job_run
        self._original_as_dict = FakeJobRun.as_dict

        def start_job_run(job, **kwargs):
            run_id = adapter._original(job, **kwargs)
            if job.name in adapter.scripts:
                adapter.run(job, job.get_job_run(run_id))
            return run_id

        def as_dict(run):
            out = adapter._original_as_dict(run)
            if getattr(run, "error_message", None):
                out["ErrorMessage"] = run.error_message
            if getattr(run, "execution_seconds", None) is not None:
                out["ExecutionTime"] = run.execution_seconds
            return out

        FakeJob.start_job_run = start_job_run
        FakeJobRun.as_dict = as_dict

    def uninstall(self) -> None:
        from moto.glue.models import FakeJob, FakeJobRun

        if self._original is not None:
            FakeJob.start_job_run = self._original
            FakeJobRun.as_dict = self._original_as_dict
            self._original = None

    def run(self, job, job_run) -> None:
        args = dict(job_run.arguments or {})
        argv = [str(self.scripts[job.name])]
        for k, v in args.items():
            argv += [k, str(v)]
        record = {"job": job.name, "run_id": job_run.job_run_id, "arguments": args, "started": time.time()}
        self.runs.append(record)
        try:
            if self.fault is not None:
                self.fault(job.name, args)
            module = _load_script(self.scripts[job.name])
            module.main(argv)
        except Exception as exc:
            job_run.status = "FAILED"
            job_run.error_message = f"{type(exc).__name__}: {exc}"
            record["error"] = job_run.error_message
        else:
            job_run.status = "SUCCEEDED"
        seconds = time.time() - record["started"]
        record["seconds"] = seconds
        job_run.execution_seconds = max(1, round(seconds))
        job_run.completed_on = datetime.now().astimezone()


def _load_script(path: Path):
    spec = importlib.util.spec_from_file_location(f"glue_job_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _epoch_millis(value: Any) -> Any:
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    if isinstance(value, dict):
        return {k: _epoch_millis(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_epoch_millis(v) for v in value]
    return value


class GlueSyncIntegration:
    """Evaluate ``glue:startJobRun.sync`` without moto's crashing callback-endpoint cleanup."""

    def __init__(self, poll_seconds: float = 0.05):
        self.poll_seconds = poll_seconds
        self._original = None

    def install(self) -> None:
        from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import (
            ResourceCondition,
        )
        from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_glue import (
            StateTaskServiceGlue,
        )

        adapter = self
        self._original = StateTaskServiceGlue._eval_integration_pattern

        def _eval_integration_pattern(task, env, resource_runtime_part, normalised_parameters, state_credentials):
            if task.resource.condition != ResourceCondition.Sync:
                return adapter._original(task, env, resource_runtime_part, normalised_parameters, state_credentials)
            # The StartJobRun output is on the stack, as the base implementation expects.
            resolver = task._build_sync_resolver(
                env=env,
                resource_runtime_part=resource_runtime_part,
                normalised_parameters=normalised_parameters,
                state_credentials=state_credentials,
            )
            outcome = None
            while env.is_running():
                outcome = resolver()  # raises the TaskFailed event on FAILED / TIMEOUT / ERROR
                if outcome:
                    break
                time.sleep(adapter.poll_seconds)
            env.stack.append(_epoch_millis(outcome))

        StateTaskServiceGlue._eval_integration_pattern = _eval_integration_pattern

    def uninstall(self) -> None:
        from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_glue import (
            StateTaskServiceGlue,
        )

        if self._original is not None:
            StateTaskServiceGlue._eval_integration_pattern = self._original
            self._original = None


class ContextStartTime:
    """Render ``$$.Execution.StartTime`` as the ISO-8601 string Step Functions gives."""

    def __init__(self):
        self._original = None

    def install(self) -> None:
        from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

        adapter = self
        self._original = ExecutionWorker._get_evaluation_environment

        def _get_evaluation_environment(worker):
            env = adapter._original(worker)
            execution = env.states.context_object.context_object_data["Execution"]
            if isinstance(execution["StartTime"], datetime):
                start = execution["StartTime"].astimezone(UTC)
                execution["StartTime"] = start.strftime("%Y-%m-%dT%H:%M:%S.") + f"{start.microsecond // 1000:03d}Z"
            return env

        ExecutionWorker._get_evaluation_environment = _get_evaluation_environment

    def uninstall(self) -> None:
        from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

        if self._original is not None:
            ExecutionWorker._get_evaluation_environment = self._original
            self._original = None


class RetryClock:
    """Scale the waits between Retry attempts (1.0 = real time)."""

    def __init__(self, scale: float = 1.0):
        self.scale = scale
        self._module = None
        self._original = None

    def install(self) -> None:
        from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

        clock = self

        class _Time:
            def __getattr__(self, name):
                return getattr(time, name)

            @staticmethod
            def sleep(seconds: float) -> None:
                time.sleep(seconds * clock.scale)

        self._module, self._original = retrier_decl, retrier_decl.time
        retrier_decl.time = _Time()

    def uninstall(self) -> None:
        if self._module is not None:
            self._module.time = self._original
            self._module = None


def deliver_event(
    lambda_client, event: dict[str, Any], *, account: str, region: str, bus: str = "default"
) -> list[dict]:
    """Deliver an event to the Lambda targets of every enabled rule on the bus whose pattern matches.

    Matching uses moto's own EventBridge pattern engine (its ``TestEventPattern`` API is not
    implemented in 5.2.5); delivery is a Lambda ``Invoke`` per target, as EventBridge does.
    """
    from moto.events.models import events_backends

    backend = events_backends[account][region]
    event_json = json.dumps(event)
    results = []
    for rule in list(backend.event_buses[bus].rules.values()):
        if rule.state != "ENABLED" or rule.event_pattern is None:
            continue
        if not rule.event_pattern.matches_event(event):
            continue
        for target in rule.targets:
            if ":function:" not in target["Arn"]:
                continue
            resp = lambda_client.invoke(FunctionName=target["Arn"], Payload=event_json.encode())
            payload = json.loads(resp["Payload"].read() or b"null")
            if resp.get("FunctionError"):
                raise RuntimeError(
                    f"rule {rule.name} -> {target['Arn']} failed: "
                    f"{payload.get('errorType')}: {payload.get('errorMessage')}"
                )
            results.append({"rule": rule.name, "target": target["Arn"], "response": payload})
    return results
