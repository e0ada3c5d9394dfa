"""The embedded default: the project's cloud definition, run in one process with no cloud.

``LocalCloud`` provisions, inside moto, what ``serverless.yml`` deploys — the idempotency
table, the notification topic, the Lambda functions (bound to the project's handlers), the two
Glue jobs (bound to ``glue/*.py``), the EventBridge rule and the state machine created from
``statemachines/review_pipeline.asl.yml`` — and runs S3 "Object Created" events through it.
S3 itself is a directory tree (``$SHOPLAKE_HOME/lake/<bucket>/<key>``), the warehouse is DuckDB
(``$SHOPLAKE_HOME/warehouse.duckdb``). After a batch of files, one transform run builds what they
changed (``shoplake.local.transform``, the stand-in for Airflow's asset scheduling).
"""

from __future__ import annotations

import io
import json
import logging
import os
import time
import uuid
import zipfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import yaml

from shoplake.core import layout
from shoplake.core.pipeline import PIPELINE_VERSION
from shoplake.core.promotions import EVENT_DETAIL_TYPE, EVENT_SOURCE, MODEL
from shoplake.core.settings import reset_cold_start_caches
from shoplake.core.storage import LocalObjectStore
from shoplake.core.transform import DEFAULT_CURRENCY
from shoplake.datasets import get_dataset
from shoplake.local import adapters
from shoplake.local.events import object_created_event, object_created_pattern
from shoplake.local.results import ZERO_COUNTS, RunResult, failure_of, step_timings
from shoplake.local.stack import (
    ACCOUNT,
    FUNCTIONS,
    GLUE_JOBS,
    GLUE_VERSION,
    REGION,
    SERVICE,
    SMALL_OBJECT_BYTES,
    STAGE,
    STATE_MACHINE_FILE,
    bucket_name,
)
from shoplake.project import REPO_ROOT


class LocalCloud:
    """moto-backed stand-in for the deployed stack. Use as a context manager."""

    def __init__(
        self,
        home: Path | str | None = None,
        *,
        retry_time_scale: float = 1.0,
        max_object_bytes: int = 5 * 1024**3,
        log_level: str = "INFO",
        run_transforms: bool = True,
        cart_events_every_seconds: int = 900,
        cart_sessions_per_day: int = 1440,
        cdc_lag_seconds: float = 5.0,
        cdc_batch_rows: int = 500_000,
        small_object_bytes: int = SMALL_OBJECT_BYTES,
    ):
        self.home = Path(home or os.environ.get("SHOPLAKE_HOME", ".shoplake")).resolve()
        self.retry_time_scale = retry_time_scale
        self.max_object_bytes = max_object_bytes
        self.log_level = log_level
        # Locally, Airflow's asset watcher is this: each "new data" announcement runs the DAG.
        self.run_transforms = run_transforms
        # The cart-event generator's schedule and traffic (serverless params cartEventsEverySeconds
        # and cartSessionsPerDay in the cloud).
        self.cart_events_every_seconds = cart_events_every_seconds
        self.cart_sessions_per_day = cart_sessions_per_day
        # The change capture's safety lag and batch size (serverless params cdcLagSeconds, cdcBatchRows).
        self.cdc_lag_seconds = cdc_lag_seconds
        self.cdc_batch_rows = cdc_batch_rows
        # The review pipeline's param smallObjectBytes: up to it, one Glue run cleans and flattens.
        self.small_object_bytes = small_object_bytes
        self.store = LocalObjectStore(self.home / "lake")
        self.lambdas = adapters.InProcessLambda(log_dir=self.home / "logs")
        self.glue = adapters.InProcessGlue()
        self._adapters = [
            self.lambdas,
            self.glue,
            adapters.GlueSyncIntegration(),
            adapters.ContextStartTime(),
            adapters.RetryClock(retry_time_scale),
        ]
        self._mock = None
        self._saved_env: dict[str, str | None] = {}
        self.refs: dict[str, str] = {}

    # -- life cycle ---------------------------------------------------------------------------
    def __enter__(self) -> LocalCloud:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        from moto import mock_aws

        self.home.mkdir(parents=True, exist_ok=True)
        # The interpreter logs every Fail state as an error; our RunResult reports failures.
        logging.getLogger("moto").setLevel(logging.CRITICAL)
        process_env = {
            "SHOPLAKE_HOME": str(self.home),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",  # noqa: S105 - moto's fake credentials
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }
        for k, v in process_env.items():
            self._saved_env.setdefault(k, os.environ.get(k))
            os.environ[k] = v
        self._mock = mock_aws(
            config={"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
        )
        self._mock.start()
        for adapter in self._adapters:
            adapter.install()
        # A new local cloud is a cold start for every function.
        reset_cold_start_caches()
        self._provision()

    def stop(self) -> None:
        if self._mock is not None and "ReviewPipeline" in self.refs:
            # An execution still running in moto's worker thread would outlive the adapters and
            # publish into whatever moto state comes next: let in-flight work finish first.
            self._drain_executions()
        for adapter in reversed(self._adapters):
            adapter.uninstall()
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        for k, v in self._saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        self._saved_env.clear()
        reset_cold_start_caches()

    def _drain_executions(self, timeout: float = 120) -> None:
        sfn = self.client("stepfunctions")
        deadline = time.monotonic() + timeout
        running = sfn.list_executions(stateMachineArn=self.refs["ReviewPipeline"], statusFilter="RUNNING")
        for ex in running["executions"]:
            while sfn.describe_execution(executionArn=ex["executionArn"])["status"] == "RUNNING":
                if time.monotonic() > deadline:
                    return
                time.sleep(0.05)

    # -- provisioning (what serverless.yml deploys) -------------------------------------------
    def client(self, service: str):
        return boto3.client(service, region_name=REGION)

    def function_environment(self, name: str) -> dict[str, str]:
        common = {
            "SHOPLAKE_STAGE": STAGE,
            "STORAGE_BACKEND": "local",
            "SHOPLAKE_HOME": str(self.home),
            "POWERTOOLS_SERVICE_NAME": SERVICE,
            "POWERTOOLS_METRICS_NAMESPACE": SERVICE,
            "POWERTOOLS_LOG_LEVEL": self.log_level,
            # No X-Ray daemon and no CloudWatch here: traces and EMF metrics are cloud features.
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
        specific = {
            "intake": {
                "STATE_MACHINE_ARN": self.refs.get("ReviewPipeline", ""),
                "IDEMPOTENCY_TABLE": self.refs["IdempotencyTable"],
                "PROCESSED_BUCKET": bucket_name("processed"),
                "PIPELINE_VERSION": PIPELINE_VERSION,
            },
            "validate": {
                "MAX_OBJECT_BYTES": str(self.max_object_bytes),
                "SMALL_OBJECT_BYTES": str(self.small_object_bytes),
            },
            "checkClean": {"PROCESSED_BUCKET": bucket_name("processed")},
            "quarantineObject": {"QUARANTINE_BUCKET": bucket_name("quarantine")},
            "refreshWarehouse": {
                "PROCESSED_BUCKET": bucket_name("processed"),
                "WAREHOUSE": "duckdb",
                "DUCKDB_PATH": str(self.home / "warehouse.duckdb"),
                "WAREHOUSE_EVENTS_QUEUE_URL": self._events_queue_url,
            },
            "generateCartEvents": {
                "RAW_BUCKET": bucket_name("raw"),
                "CART_EVENTS_EVERY_SECONDS": str(self.cart_events_every_seconds),
                "CART_SESSIONS_PER_DAY": str(self.cart_sessions_per_day),
                "SHOP_SEED": "2026",
            },
            "exportPromotions": {
                "CONSUMPTION_BUCKET": bucket_name("consumption"),
                "WAREHOUSE": "duckdb",
                "DUCKDB_PATH": str(self.home / "warehouse.duckdb"),
            },
            "extractChanges": {
                "RAW_BUCKET": bucket_name("raw"),
                "SOURCE_SECRET_ARN": self.refs.get("SourceDatabaseSecret", ""),
                # Locally the watermarks outlive the local cloud: $SHOPLAKE_HOME/cdc/state/.
                "CDC_STATE_DIR": str(self.home / "cdc" / "state"),
                "CDC_LAG_SECONDS": str(self.cdc_lag_seconds),
                "CDC_BATCH_ROWS": str(self.cdc_batch_rows),
            },
            "compactLake": {
                "PROCESSED_BUCKET": bucket_name("processed"),
                "WAREHOUSE": "duckdb",
                "DUCKDB_PATH": str(self.home / "warehouse.duckdb"),
                # the views switch under the warehouse's writer lock before retired files go
                "COMPACTION_RETIRE_AFTER_SECONDS": "0",
            },
        }[name]
        return {**common, **specific}

    def _provision(self) -> None:
        iam = self.client("iam")
        role_arn = iam.create_role(
            RoleName="shoplake-local-role",
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
        )["Role"]["Arn"]

        table = f"{SERVICE}-{STAGE}-idempotency"
        self.client("dynamodb").create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        self.refs["IdempotencyTable"] = table

        sns, sqs = self.client("sns"), self.client("sqs")
        topic_arn = sns.create_topic(Name=f"{SERVICE}-{STAGE}-pipeline-notifications")["TopicArn"]
        queue_url = sqs.create_queue(QueueName=f"{SERVICE}-{STAGE}-notifications-inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
        self.refs["PipelineNotificationsTopic"] = topic_arn
        self._queue_url = queue_url
        self._events_queue_url = sqs.create_queue(QueueName=f"{SERVICE}-{STAGE}-warehouse-events")["QueueUrl"]

        glue = self.client("glue")
        for logical_id, stem in GLUE_JOBS.items():
            job_name = f"{SERVICE}-{STAGE}-{stem}"
            glue.create_job(
                Name=job_name,
                Role=role_arn,
                GlueVersion=GLUE_VERSION,
                Command={
                    "Name": "glueetl",
                    "ScriptLocation": f"s3://{bucket_name('glue-artifacts')}/glue/{stem}.py",
                    "PythonVersion": "3",
                },
                DefaultArguments={
                    "--processed_root": f"s3://{bucket_name('processed')}",
                    "--storage_backend": "local",
                    "--pipeline_version": PIPELINE_VERSION,
                    "--default_currency": os.environ.get("SHOPLAKE_DEFAULT_CURRENCY") or DEFAULT_CURRENCY,
                },
                ExecutionProperty={"MaxConcurrentRuns": 4},
            )
            self.glue.register(job_name, REPO_ROOT / "glue" / f"{stem}.py")
            self.refs[logical_id] = job_name

        # The operational database's connection, as RDS keeps it in Secrets Manager; locally the
        # embedded server's socket URI, set when a capture runs (shoplake source start).
        self.refs["SourceDatabaseSecret"] = self.client("secretsmanager").create_secret(
            Name=f"{SERVICE}/{STAGE}/source-database", SecretString=json.dumps({"uri": ""})
        )["ARN"]

        lam = self.client("lambda")
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as zf:
            zf.writestr("README.txt", "runs in-process: see shoplake.local.adapters.InProcessLambda")
        # The state machine needs the function ARNs and intake needs the state machine ARN:
        # create the functions, then the state machine, then give intake its environment.
        for name, handler in FUNCTIONS.items():
            fn_name = f"{SERVICE}-{STAGE}-{name}"
            arn = lam.create_function(
                FunctionName=fn_name,
                Runtime="python3.12",
                Role=role_arn,
                Handler=handler,
                Code={"ZipFile": code.getvalue()},
                Timeout=900,
                Environment={"Variables": {}},
            )["FunctionArn"]
            self.lambdas.register(fn_name, handler)
            self.refs[f"{name}.Arn"] = arn

        sfn = self.client("stepfunctions")
        definition = resolve_intrinsics(yaml.safe_load(STATE_MACHINE_FILE.read_text()), self.refs)
        self.refs["ReviewPipeline"] = sfn.create_state_machine(
            name=f"{SERVICE}-{STAGE}-review-pipeline", definition=json.dumps(definition), roleArn=role_arn
        )["stateMachineArn"]
        for name in FUNCTIONS:
            lam.update_function_configuration(
                FunctionName=f"{SERVICE}-{STAGE}-{name}",
                Environment={"Variables": self.function_environment(name)},
            )

        events = self.client("events")
        events.put_rule(
            Name=f"{SERVICE}-{STAGE}-raw-object-created",
            EventPattern=json.dumps(object_created_pattern(bucket_name("raw"))),
            State="ENABLED",
        )
        events.put_targets(
            Rule=f"{SERVICE}-{STAGE}-raw-object-created",
            Targets=[{"Id": "intake", "Arn": self.refs["intake.Arn"]}],
        )
        # The transform's custom bus and the promotions export's rule on it.
        self.refs["EventBus"] = events.create_event_bus(Name=EVENT_BUS)["EventBusArn"]
        events.put_rule(
            Name=f"{SERVICE}-{STAGE}-promotions-rebuilt",
            EventBusName=EVENT_BUS,
            EventPattern=json.dumps(promotions_rebuilt_pattern()),
            State="ENABLED",
        )
        events.put_targets(
            Rule=f"{SERVICE}-{STAGE}-promotions-rebuilt",
            EventBusName=EVENT_BUS,
            Targets=[{"Id": "exportPromotions", "Arn": self.refs["exportPromotions.Arn"]}],
        )

    # -- the data plane -----------------------------------------------------------------------
    def land(
        self, src: Path, *, dataset: str = "reviews", name: str | None = None, date: str | None = None
    ) -> dict[str, Any]:
        """Put a file into the raw bucket under the dataset's prefix (and a ``date=YYYY-MM-DD/``
        partition when given); return the S3 event AWS would send."""
        ds = get_dataset(dataset)
        key = ds.prefix + (f"date={date}/" if date else "") + (name or Path(src).name)
        uri = f"s3://{bucket_name('raw')}/{key}"
        self.store.put_file(uri, Path(src))
        return object_created_event(bucket_name("raw"), key, self.store.path(uri))

    def put_raw(self, key: str, data: bytes) -> dict[str, Any]:
        """Put bytes at any raw key (tests use it for folder markers and odd keys)."""
        uri = f"s3://{bucket_name('raw')}/{key}"
        path = self.store.path(uri)
        if key.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            return object_created_event(bucket_name("raw"), key, None)
        self.store.put_bytes(uri, data)
        return object_created_event(bucket_name("raw"), key, path)

    def deliver(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        """EventBridge: hand the event to the matching rules' targets (the intake function)."""
        return adapters.deliver_event(self.client("lambda"), event, account=ACCOUNT, region=REGION)

    def process(
        self,
        event: dict[str, Any],
        *,
        file: str | None = None,
        timeout: float = 3600,
        on_state=None,
        transform: bool = True,
    ) -> RunResult:
        """Deliver an event, follow the execution it started to its end, and (``transform``) run
        the transform for what it published."""
        deliveries = self.deliver(event)
        if len(deliveries) != 1:
            raise RuntimeError(f"expected one intake delivery for {event['detail']['object']['key']}, got {deliveries}")
        handover = deliveries[0]["response"]
        result = self.wait(handover["execution_arn"], timeout=timeout, on_state=on_state)
        result.file = file or event["detail"]["object"]["key"]
        if transform:
            self.transform([result], on_state=on_state)
        self.record(result)
        return result

    def transform(self, results: Iterable[RunResult], *, on_state=None, full_refresh: bool = False):
        """One transform run for everything these executions published (coalesced with whatever
        other processes queued meanwhile); its summary is set on each result that published.

        This is the local stand-in for Airflow's asset scheduling: the announcements the refresh
        step sent are the asset events. Returns the summary, or None when nothing was published
        (or transforms are off)."""
        results = list(results)
        announcements = [a for r in results for a in r.announcements]
        if not self.run_transforms or not announcements:
            return None
        from shoplake.local.transform import transform

        if on_state is not None:
            on_state("Transform (dbt via Airflow)")
        waiting = (lambda: on_state("waiting for another transform to finish")) if on_state is not None else None
        summary = transform(self.home, announcements, full_refresh=full_refresh, on_wait=waiting)
        summary["deliveries"] = self.deliver_transform_events(on_state=on_state)
        for r in results:
            if r.announcements:
                r.transform = summary
        return summary

    def compact_scheduled(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """One run of the compaction function, called as its schedule would: every dataset
        compacted where due, one report each."""
        event = scheduled_event(
            now or datetime.now(UTC), f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{SERVICE}-{STAGE}-compaction-schedule"
        )
        response = self.client("lambda").invoke(
            FunctionName=f"{SERVICE}-{STAGE}-compactLake", Payload=json.dumps(event).encode()
        )
        payload = json.loads(response["Payload"].read() or b"null")
        if response.get("FunctionError"):
            raise RuntimeError(f"compactLake failed: {payload.get('errorType')}: {payload.get('errorMessage')}")
        return payload["datasets"]

    def deliver_transform_events(self, *, on_state=None) -> list[dict[str, Any]]:
        """EventBridge for the transform's custom bus: deliver the events transform runs left in
        the outbox (``shoplake.orchestration.events``) to the matching rules' functions (the
        promotions export). Each event is claimed by a rename first, so two processes never
        deliver the same one."""
        from shoplake.orchestration.events import outbox

        box = outbox(self.home)
        delivered = box.parent / "delivered"
        out = []
        for path in sorted(box.glob("*.json")):
            claimed = delivered / path.name
            claimed.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.replace(path, claimed)
            except FileNotFoundError:
                continue  # another process took it
            event = bus_event(json.loads(claimed.read_text()), self.refs["EventBus"])
            if on_state is not None:
                on_state(f"Deliver {event['detail-type']} ({len(event['detail']['models'])} models)")
            for d in adapters.deliver_event(
                self.client("lambda"), event, account=ACCOUNT, region=REGION, bus=EVENT_BUS
            ):
                out.append({"rule": d["rule"], "function": d["target"].rsplit(":", 1)[-1], "result": d["response"]})
        return out

    def generate_cart_events(self, now: datetime) -> dict[str, Any]:
        """One run of the scheduled generator at ``now`` (the function, called as EventBridge
        Scheduler would): the file it wrote into the raw zone, or ``key: None`` for a quiet window."""
        event = scheduled_event(now, f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{SERVICE}-{STAGE}-generate-cart-events")
        response = self.client("lambda").invoke(
            FunctionName=f"{SERVICE}-{STAGE}-generateCartEvents", Payload=json.dumps(event).encode()
        )
        payload = json.loads(response["Payload"].read() or b"null")
        if response.get("FunctionError"):
            raise RuntimeError(f"generateCartEvents failed: {payload.get('errorType')}: {payload.get('errorMessage')}")
        return payload

    def extract_changes(self, source_uri: str, tables: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """One run of the change capture: the extractor function once per table, as the CDC state
        machine's Map calls it, against the database at ``source_uri``. Returns each table's
        batch summary (``key`` None: nothing changed); the batches wait in the raw zone for
        :meth:`process` (S3's events)."""
        from shoplake.core.postgres.cdc import TABLES

        self.client("secretsmanager").put_secret_value(
            SecretId=self.refs["SourceDatabaseSecret"], SecretString=json.dumps({"uri": source_uri})
        )
        out = []
        for table in tables or TABLES:
            response = self.client("lambda").invoke(
                FunctionName=f"{SERVICE}-{STAGE}-extractChanges", Payload=json.dumps({"table": table}).encode()
            )
            payload = json.loads(response["Payload"].read() or b"null")
            if response.get("FunctionError"):
                raise RuntimeError(f"extractChanges({table}) failed: {payload.get('errorType')}: "
                                   f"{payload.get('errorMessage')}")  # fmt: skip
            out.append(payload)
        return out

    def generated_object_event(self, key: str) -> dict[str, Any]:
        """The "Object Created" event S3 sends for an object a function wrote into the raw bucket."""
        uri = f"s3://{bucket_name('raw')}/{key}"
        return object_created_event(bucket_name("raw"), key, self.store.path(uri))

    def ingest(
        self, src: Path, *, dataset: str = "reviews", date: str | None = None, timeout: float = 3600, on_state=None
    ) -> RunResult:
        """Land a file and run it through the pipeline; ``on_state(name)`` hears each state entered."""
        event = self.land(src, dataset=dataset, date=date)
        return self.process(event, file=str(src), timeout=timeout, on_state=on_state)

    def ingest_batch(
        self, files: Iterable[tuple[Path, str, str | None]], *, on_file: Callable | None = None, on_state=None
    ) -> list[RunResult]:
        """Land and process each (file, dataset, date), then run one transform for all of them.

        ``on_file(path)`` is called before each file (progress); ``on_state`` as for ``ingest``.
        """
        results = []
        for path, dataset, date in files:
            if on_file is not None:
                on_file(path)
            event = self.land(path, dataset=dataset, date=date)
            results.append(self.process(event, file=str(path), on_state=on_state, transform=False))
        if self.transform(results, on_state=on_state) is not None:
            for r in results:
                self.record(r)
        return results

    def wait(self, execution_arn: str, *, timeout: float = 3600, on_state=None) -> RunResult:
        sfn = self.client("stepfunctions")
        deadline = time.monotonic() + timeout
        seen = None
        while True:
            desc = sfn.describe_execution(executionArn=execution_arn)
            if desc["status"] != "RUNNING":
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{execution_arn} still running after {timeout} s")
            if on_state is not None:
                entered = [
                    e["stateEnteredEventDetails"]["name"]
                    for e in sfn.get_execution_history(executionArn=execution_arn, reverseOrder=True, maxResults=20)[
                        "events"
                    ]
                    if "stateEnteredEventDetails" in e
                ]
                if entered and entered[0] != seen:
                    seen = entered[0]
                    on_state(seen)
            time.sleep(0.1)
        history = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
        return self._result(desc, history)

    def _result(self, desc: dict[str, Any], history: list[dict[str, Any]]) -> RunResult:
        inp = json.loads(desc["input"])
        out = json.loads(desc.get("output") or "{}")
        steps = step_timings(history)
        final_state = steps[-1]["state"] if steps else None
        status = desc["status"]
        counts, reasons = dict(ZERO_COUNTS), {}
        rejection = error = None
        if status == "SUCCEEDED" and final_state == "Rejected":
            status = "REJECTED"
            rejection = out.get("rejection")
        elif status == "SUCCEEDED":
            manifest = json.loads(
                self.store.get_bytes(
                    layout.source_manifest_uri(f"s3://{bucket_name('processed')}", inp["dataset"], inp["source_id"])
                )
            )
            counts, reasons = manifest["counts"], manifest["quarantine_reasons"]
        else:
            error = failure_of(history)
        started = desc["startDate"]
        stopped = desc.get("stopDate") or started
        return RunResult(
            file="",
            status=status,
            execution=desc["name"],
            source_uri=inp["source"]["uri"],
            counts=counts,
            quarantine_reasons=reasons,
            unchanged=bool(inp.get("unchanged")),
            rejection=rejection,
            error=error,
            steps=steps,
            started_at=started.astimezone(UTC).isoformat(),
            seconds=round((stopped - started).total_seconds(), 3),
            notifications=self.drain_notifications(),
            announcements=self.drain_warehouse_events(),
        )

    def drain_notifications(self) -> list[dict[str, Any]]:
        """SNS notifications, as the subscribed queue received them."""
        out = []
        for body in self._drain(self._queue_url):
            envelope = json.loads(body)
            out.append({"subject": envelope.get("Subject"), "message": json.loads(envelope["Message"])})
        return out

    def drain_warehouse_events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for body in self._drain(self._events_queue_url)]

    def _drain(self, queue_url: str) -> list[str]:
        sqs = self.client("sqs")
        out = []
        while True:
            msgs = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not msgs:
                return out
            for m in msgs:
                out.append(m["Body"])
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])

    def record(self, result: RunResult) -> None:
        runs = self.home / "runs"
        runs.mkdir(parents=True, exist_ok=True)
        stamp = result.started_at.replace(":", "").replace("-", "")[:15]
        (runs / f"{stamp}-{result.execution}.json").write_text(json.dumps(result.to_json(), indent=2))


EVENT_BUS = f"{SERVICE}-{STAGE}-events"


def promotions_rebuilt_pattern() -> dict[str, Any]:
    """The export rule's pattern (serverless.yml's exportPromotions event): a Marts Rebuilt event
    naming customer_promotions."""
    return {"source": [EVENT_SOURCE], "detail-type": [EVENT_DETAIL_TYPE], "detail": {"models": [MODEL]}}


def bus_event(entry: dict[str, Any], bus_arn: str) -> dict[str, Any]:
    """The EventBridge envelope PutEvents gives an entry on a custom bus."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": entry["detail-type"],
        "source": entry["source"],
        "account": ACCOUNT,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [bus_arn],
        "detail": entry["detail"],
    }


def scheduled_event(now: datetime, rule_arn: str) -> dict[str, Any]:
    """What an EventBridge schedule sends a function."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [rule_arn],
        "detail": {},
    }


def resolve_intrinsics(node: Any, refs: dict[str, str]) -> Any:
    """Replace the CloudFormation intrinsics the definition uses (``Ref``, ``Fn::GetAtt``) with local values."""
    if isinstance(node, dict):
        if set(node) == {"Ref"}:
            return refs[node["Ref"]]
        if set(node) == {"Fn::GetAtt"}:
            logical, attr = node["Fn::GetAtt"]
            return refs[f"{logical}.{attr}"]
        return {k: resolve_intrinsics(v, refs) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve_intrinsics(v, refs) for v in node]
    return node
