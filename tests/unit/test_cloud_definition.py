"""Static checks of the cloud definition: serverless.yml, resources/*.yml, the state machine file.

Once per session, ``npx sls package`` compiles the CloudFormation template of each stage offline
(no AWS credentials, no network), and the tests read the compiled templates: what would be
deployed, not what the YAML seems to say. Needs ``npm ci`` (node_modules) — without it the
tests fail, they do not skip.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from shoplake.core import errors, pipeline, promotions, settings
from shoplake.core.postgres import cdc
from shoplake.datasets import DATASETS
from shoplake.datasets.cart_events import generator
from shoplake.reporting import quicksight as qs
from shoplake.tooling.snowflake.settings import load_settings

pytestmark = pytest.mark.static

REPO = Path(__file__).resolve().parents[2]
NODE_BIN = REPO / "node_modules" / ".bin"
ASL_FILE = REPO / "statemachines" / "review_pipeline.asl.yml"
EVENTS = REPO / "tests" / "events"
STAGES = ("dev", "prod")

FUNCTIONS = {  # serverless function key -> (handler module, role, settings class)
    "intake": ("handlers/intake.py", "IntakeRole", settings.IntakeSettings),
    "validate": ("handlers/validate.py", "ValidateRole", settings.ValidateSettings),
    "checkClean": ("handlers/check_clean.py", "CheckCleanRole", settings.CheckCleanSettings),
    "quarantineObject": (
        "handlers/quarantine_object.py",
        "QuarantineObjectRole",
        settings.QuarantineSettings,
    ),
    "refreshWarehouse": (
        "handlers/refresh_warehouse.py",
        "RefreshWarehouseRole",
        settings.RefreshWarehouseSettings,
    ),
    "generateCartEvents": (
        "handlers/generate_cart_events.py",
        "GenerateCartEventsRole",
        settings.GenerateCartEventsSettings,
    ),
    "exportPromotions": ("handlers/export_promotions.py", "ExportPromotionsRole", settings.ExportPromotionsSettings),
    "extractChanges": ("handlers/extract_changes.py", "ExtractChangesRole", settings.ExtractChangesSettings),
    "compactLake": ("handlers/compact_lake.py", "CompactLakeRole", settings.CompactLakeSettings),
}
# Packaged once more, with params set, where a test needs what a `--param` does to the template.
VARIANTS = {"dev-cart-events-generator": ("dev", ("--param", "cartEventsGenerator=true"))}

# Actions without resource-level permissions: the only ones an identity policy may grant on "*".
RESOURCELESS_ACTIONS = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    # A function in a VPC finds its subnets and interfaces (EC2 has no resource-level Describe*).
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "cloudwatch:PutMetricData",  # only with a cloudwatch:namespace condition
    # CloudWatch Logs log delivery, for Step Functions execution logging.
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}
# Error-name namespaces that belong to Step Functions and its service integrations.
SERVICE_ERROR_PREFIXES = ("States.", "Lambda.", "Glue.", "SNS.")


# ─── packaging (once per session, shared between xdist workers) ────────────────────────────


def _package_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        SLS_TELEMETRY_DISABLED="1",
        SLS_NOTIFICATIONS_MODE="off",
        # No credentials may be found anywhere: packaging must not need them.
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def _package(stage: str, out: Path, extra: tuple[str, ...] = ()) -> dict:
    started = time.monotonic()
    proc = subprocess.run(
        ["npx", "--no", "sls", "package", "--stage", stage, "--package", str(out), *extra],
        cwd=REPO,
        env=_package_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    return {
        "stage": stage,
        "dir": str(out),
        "returncode": proc.returncode,
        "output": proc.stdout + proc.stderr,
        "seconds": round(time.monotonic() - started, 1),
    }


@pytest.fixture(scope="session")
def packages(tmp_path_factory, worker_id) -> dict[str, dict]:
    """{stage or variant: {dir, returncode, output, seconds}} from `npx sls package --stage <stage>`."""
    if not (NODE_BIN / "sls").exists():
        pytest.fail(f"{NODE_BIN / 'sls'} is missing: run `npm ci` in {REPO} first", pytrace=False)
    # `sls package` works in the service directory (.serverless/): one packaging at a time.
    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        root = root.parent
    result_file = root / "sls-packages.json"
    with open(root / "sls-packages.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if result_file.exists():
            return json.loads(result_file.read_text())
        results = {}
        for stage in STAGES:
            out = root / f"sls-package-{stage}"
            shutil.rmtree(out, ignore_errors=True)
            results[stage] = _package(stage, out)
            print(f"\nsls package --stage {stage}: {results[stage]['seconds']} s")
        for name, (stage, extra) in VARIANTS.items():
            out = root / f"sls-package-{name}"
            shutil.rmtree(out, ignore_errors=True)
            results[name] = _package(stage, out, extra)
            print(f"\nsls package --stage {stage} {' '.join(extra)}: {results[name]['seconds']} s")
        result_file.write_text(json.dumps(results))
        return results


@pytest.fixture(scope="session")
def worker_id(request) -> str:
    # pytest-xdist provides this fixture; without xdist we are the only process.
    return getattr(request.config, "workerinput", {}).get("workerid", "master")


def _packaged(packages, stage) -> dict:
    p = packages[stage]
    if p["returncode"] != 0:
        pytest.fail(f"sls package --stage {stage} failed:\n{p['output']}", pytrace=False)
    return p


@pytest.fixture(scope="session")
def templates(packages) -> dict[str, dict]:
    out = {}
    for stage in STAGES:
        path = Path(_packaged(packages, stage)["dir"]) / "cloudformation-template-update-stack.json"
        out[stage] = json.loads(path.read_text())
    return out


@pytest.fixture(scope="session")
def dev(templates) -> dict:
    return templates["dev"]


def _template(packages, name: str) -> dict:
    path = Path(_packaged(packages, name)["dir"]) / "cloudformation-template-update-stack.json"
    return json.loads(path.read_text())


def resources_of_type(template: dict, type_: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def statements(node, path=""):
    """(path, statement) for every policy statement anywhere under node."""
    if isinstance(node, dict):
        if "Statement" in node:
            for i, st in enumerate(as_list(node["Statement"])):
                yield f"{path}/Statement/{i}", st
        for k, v in node.items():
            if k != "Statement":
                yield from statements(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from statements(v, f"{path}/{i}")


def identity_policy_statements(template: dict):
    """(role-or-policy logical id, statement) of every identity-based policy."""
    for lid, res in template["Resources"].items():
        props = res.get("Properties", {})
        if res["Type"] == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                for _, st in statements(policy["PolicyDocument"]):
                    yield lid, st
        elif res["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            for _, st in statements(props["PolicyDocument"]):
                yield lid, st


def is_tls_only_deny(st: dict) -> bool:
    condition = st.get("Condition")
    return st.get("Effect") == "Deny" and condition in (
        {"Bool": {"aws:SecureTransport": "false"}},
        {"Bool": {"aws:SecureTransport": False}},  # osls writes its deployment bucket's with a boolean
    )


# ─── packaging ────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("stage", STAGES)
def test_packaging_succeeds_offline(packages, stage):
    p = _packaged(packages, stage)
    listing = sorted(os.listdir(p["dir"]))
    assert listing == [
        "cloudformation-template-create-stack.json",
        "cloudformation-template-update-stack.json",
        "glue",
        "serverless-state.json",
        "shoplake.zip",
    ]
    assert p["seconds"] < 120, f"packaging took {p['seconds']} s"


# The runtime part of the package: what Lambda and Glue run. The local runtime, orchestration,
# reporting and tooling never run there (and their dependencies are in no layer).
RUNTIME_PATHS = ("shoplake/__init__.py", "shoplake/core", "shoplake/datasets")


def runtime_files(*extra_dirs: str) -> list[str]:
    found = []
    for rel in (*extra_dirs, *RUNTIME_PATHS):
        path = REPO / rel
        files = [path] if path.is_file() else path.rglob("*.py")
        found += [str(f.relative_to(REPO)) for f in files if "__pycache__" not in f.parts]
    return sorted(found)


def test_function_package_holds_only_handlers_and_the_runtime(packages):
    names = zipfile.ZipFile(Path(_packaged(packages, "dev")["dir"]) / "shoplake.zip").namelist()
    assert sorted(names) == runtime_files("handlers")
    assert not [n for n in names if n.startswith(("shoplake/reporting/", "shoplake/tooling/", "shoplake/local/"))]
    for handler_file, _, _ in FUNCTIONS.values():
        assert handler_file in names, f"{handler_file} is not in the function package"


# ─── cfn-lint, asl-validator ───────────────────────────────────────────────────────────────


@pytest.mark.parametrize("stage", STAGES)
def test_cfn_lint_reports_no_errors(packages, stage):
    from cfnlint.api import lint_file

    template = Path(_packaged(packages, stage)["dir"]) / "cloudformation-template-update-stack.json"
    matches = lint_file(template)
    errors_ = [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches if m.rule.id.startswith("E")]
    warnings = [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches if not m.rule.id.startswith("E")]
    if warnings:
        print(f"\ncfn-lint warnings ({stage}):\n  " + "\n  ".join(warnings))
    assert errors_ == []
    # What this project writes itself is lint-clean at every level (the warnings above are about
    # the DependsOn osls adds to its functions): the QuickSight definition, in particular.
    assert [m.path_string for m in matches if "QuickSight" in m.path_string] == []


def _asl_validator(path: Path) -> subprocess.CompletedProcess:
    validator = NODE_BIN / "asl-validator"
    if not validator.exists():
        pytest.fail(f"{validator} is missing: run `npm ci` in {REPO} first", pytrace=False)
    # The definition holds CloudFormation intrinsics (Fn::GetAtt / Ref) in Parameters; the
    # validator accepts them as ordinary parameter values.
    return subprocess.run([str(validator), "--yaml-path", str(path)], capture_output=True, text=True)


def test_asl_validator_accepts_the_state_machine():
    proc = _asl_validator(ASL_FILE)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_asl_validator_rejects_a_broken_state_machine(tmp_path):
    # Given the definition with a transition to a state that does not exist
    broken = yaml.safe_load(ASL_FILE.read_text())
    broken["States"]["Validate object"]["Next"] = "No such state"
    path = tmp_path / "broken.asl.yml"
    path.write_text(yaml.safe_dump(broken))
    # Then the validator used above does reject it
    assert _asl_validator(path).returncode != 0


# ─── the state machine and its error names ─────────────────────────────────────────────────


@pytest.fixture(scope="module")
def asl() -> dict:
    return yaml.safe_load(ASL_FILE.read_text())


def _handlers_of(asl: dict, kind: str):
    for name, state in asl["States"].items():
        for i, h in enumerate(state.get(kind, [])):
            yield name, i, h


def _error_classes() -> dict[str, type]:
    return {n: c for n, c in vars(errors).items() if isinstance(c, type) and issubclass(c, Exception)}


@pytest.mark.parametrize("kind", ["Catch", "Retry"])
def test_custom_error_names_are_shoplake_errors(asl, kind):
    known = _error_classes()
    unknown = [
        f"{state}.{kind}[{i}]: {err}"
        for state, i, h in _handlers_of(asl, kind)
        for err in h["ErrorEquals"]
        if not err.startswith(SERVICE_ERROR_PREFIXES) and err not in known
    ]
    assert unknown == []


def test_the_rejection_catch_lists_every_rejection_error(asl):
    rejection_names = {c.__name__ for c in errors.rejection_errors()}
    quarantine_state = "Quarantine object"
    to_quarantine = [
        (s, set(h["ErrorEquals"])) for s, _, h in _handlers_of(asl, "Catch") if h["Next"] == quarantine_state
    ]
    # Every catcher that quarantines catches rejections only (quarantine refuses anything else) …
    assert [(s, names - rejection_names) for s, names in to_quarantine] == [(s, set()) for s, _ in to_quarantine]
    # … and the validation step's catcher catches every one of them.
    assert dict(to_quarantine)["Validate object"] == rejection_names


def test_template_holds_the_state_machine(dev):
    sm = dev["Resources"]["ReviewPipeline"]
    assert sm["Type"] == "AWS::StepFunctions::StateMachine"
    props = sm["Properties"]
    assert props["StateMachineName"] == "shoplake-dev-review-pipeline"
    assert props["RoleArn"] == {"Fn::GetAtt": ["ReviewPipelineRole", "Arn"]}
    assert props["TracingConfiguration"] == {"Enabled": True}
    assert props["LoggingConfiguration"] == {
        "Level": "ERROR",
        "IncludeExecutionData": True,
        "Destinations": [
            {"CloudWatchLogsLogGroup": {"LogGroupArn": {"Fn::GetAtt": ["ReviewPipelineLogGroup", "Arn"]}}}
        ],
    }
    definition, substitutions = props["DefinitionString"]["Fn::Sub"]
    # Every intrinsic of the definition names a resource of this template.
    assert sorted(json.dumps(v, sort_keys=True) for v in substitutions.values()) == sorted(
        json.dumps(v, sort_keys=True)
        for v in [
            {"Fn::GetAtt": ["ValidateLambdaFunction", "Arn"]},
            {"Fn::GetAtt": ["CheckCleanLambdaFunction", "Arn"]},
            {"Fn::GetAtt": ["QuarantineObjectLambdaFunction", "Arn"]},
            {"Fn::GetAtt": ["RefreshWarehouseLambdaFunction", "Arn"]},
            {"Ref": "CleanGlueJob"},
            {"Ref": "FlattenGlueJob"},
            {"Ref": "CleanAndFlattenGlueJob"},
            {"Ref": "PipelineNotificationsTopic"},
        ]
    )
    assert json.loads(re.sub(r"\$\{\w+\}", "x", definition))["StartAt"] == "Validate object"
    log_group = dev["Resources"]["ReviewPipelineLogGroup"]["Properties"]
    assert log_group == {
        "LogGroupName": "/aws/vendedlogs/states/shoplake-dev-review-pipeline",
        "RetentionInDays": 14,
    }


def test_state_machine_alarms_notify_the_topic(dev):
    alarms = {
        lid: r["Properties"]
        for lid, r in resources_of_type(dev, "AWS::CloudWatch::Alarm").items()
        if r["Properties"]["Namespace"] == "AWS/States"
    }
    assert {lid: (p["MetricName"], p["AlarmActions"], p["Dimensions"]) for lid, p in alarms.items()} == {
        f"{machine}{m}Alarm": (
            m,
            [{"Ref": "PipelineNotificationsTopic"}],
            [{"Name": "StateMachineArn", "Value": {"Ref": machine}}],
        )
        for m in ("ExecutionsFailed", "ExecutionsTimedOut")
        for machine in ("ReviewPipeline", "CdcExtraction")
    }


# ─── EventBridge ───────────────────────────────────────────────────────────────────────────


def rule_named(template: dict, name: str) -> tuple[str, dict]:
    """(logical id, resource) of the EventBridge rule with this name."""
    (found,) = [
        (lid, r)
        for lid, r in resources_of_type(template, "AWS::Events::Rule").items()
        if r["Properties"]["Name"] == name
    ]
    return found


def test_object_created_rule_routes_dataset_prefixes_to_intake(dev):
    _, rule = rule_named(dev, "shoplake-dev-raw-object-created")
    props = rule["Properties"]
    assert props["Name"] == "shoplake-dev-raw-object-created"
    assert props["EventPattern"] == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {
            "bucket": {"name": [{"Ref": "RawBucket"}]},
            "object": {"key": [{"prefix": ds.prefix} for ds in DATASETS.values()]},
        },
    }
    (target,) = props["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["IntakeLambdaFunction", "Arn"]}
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["IntakeEventsDeadLetterQueue", "Arn"]}}
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 10}


def test_dead_letter_queues_are_encrypted_and_writable_by_the_rule_only(dev):
    queues = resources_of_type(dev, "AWS::SQS::Queue")
    assert sorted(queues) == [
        "CdcScheduleDeadLetterQueue",
        "IntakeEventsDeadLetterQueue",
        "IntakeFailureQueue",
        "PromotionsEventsDeadLetterQueue",
        "WarehouseEventsQueue",
    ]
    assert all(q["Properties"]["SqsManagedSseEnabled"] is True for q in queues.values())
    policy = dev["Resources"]["IntakeEventsDeadLetterQueuePolicy"]
    (st,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert st["Principal"] == {"Service": "events.amazonaws.com"}
    assert st["Condition"]["ArnEquals"]["aws:SourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/shoplake-dev-raw-object-created"
    }
    invoke_config = dev["Resources"]["IntakeLambdaEvConf"]["Properties"]
    assert invoke_config["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": ["IntakeFailureQueue", "Arn"]}}
    }


def test_warehouse_events_queue_is_tls_only_and_only_the_refresh_function_sends(dev):
    policy = dev["Resources"]["WarehouseEventsQueuePolicy"]["Properties"]["PolicyDocument"]
    assert policy["Statement"] == [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sqs:SendMessage",
            "Resource": {"Fn::GetAtt": ["WarehouseEventsQueue", "Arn"]},
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]
    senders = [
        name
        for name, role in resources_of_type(dev, "AWS::IAM::Role").items()
        for p in role["Properties"].get("Policies", [])
        for st in p["PolicyDocument"]["Statement"]
        if "sqs:SendMessage" in (st["Action"] if isinstance(st["Action"], list) else [st["Action"]])
        and st["Resource"] == {"Fn::GetAtt": ["WarehouseEventsQueue", "Arn"]}
    ]
    assert senders == ["RefreshWarehouseRole"]
    env = dev["Resources"]["RefreshWarehouseLambdaFunction"]["Properties"]["Environment"]["Variables"]
    assert env["WAREHOUSE_EVENTS_QUEUE_URL"] == {"Ref": "WarehouseEventsQueue"}


def _matches(pattern, value) -> bool:
    """EventBridge matching for the subset of pattern syntax the rules use (an array value matches
    when any of its elements does)."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(k in value and _matches(p, value[k]) for k, p in pattern.items())
    if isinstance(value, list):
        return any(_matches(pattern, v) for v in value)
    return any(
        value.startswith(alt["prefix"]) if isinstance(alt, dict) and "prefix" in alt else value == alt
        for alt in pattern
    )


@pytest.mark.parametrize(
    "event_file",
    [
        "s3_object_created.json",
        "s3_object_created_empty.json",
        "s3_object_created_unsupported.json",
        "s3_folder_marker.json",
    ],
)
def test_sample_events_match_the_rule_and_parse(dev, event_file):
    from aws_lambda_powertools.utilities.parser import parse
    from aws_lambda_powertools.utilities.parser.models import S3EventNotificationEventBridgeModel

    event = json.loads((EVENTS / event_file).read_text())
    _, rule = rule_named(dev, "shoplake-dev-raw-object-created")
    raw_bucket = dev["Resources"]["RawBucket"]["Properties"]["BucketName"]["Fn::Sub"].replace(
        "${AWS::AccountId}", event["account"]
    )
    pattern = json.loads(
        json.dumps(rule["Properties"]["EventPattern"]).replace('{"Ref": "RawBucket"}', json.dumps(raw_bucket))
    )
    # Every sample is routed to intake (rejections happen in the pipeline, where they are recorded) …
    assert _matches(pattern, event)
    # … and is what the intake function's parser model accepts.
    parsed = parse(event=event, model=S3EventNotificationEventBridgeModel)
    assert parsed.detail.object.key == event["detail"]["object"]["key"]


def test_validate_input_is_the_intake_output_for_the_sample_event():
    event = json.loads((EVENTS / "s3_object_created.json").read_text())
    obj = event["detail"]["object"]

    class NoManifestYet:
        def exists(self, uri: str) -> bool:
            return False

    built = pipeline.build_execution_input(
        bucket=event["detail"]["bucket"]["name"],
        key=obj["key"],
        size=obj["size"],
        etag=obj["etag"],
        version_id=obj["version-id"],
        sequencer=obj["sequencer"],
        event_id=event["id"],
        event_time=datetime.fromisoformat(event["time"].replace("Z", "+00:00")),
        pipeline_version="1",
        store=NoManifestYet(),
        processed_bucket="shoplake-dev-processed-123456789012",
    )
    assert json.loads((EVENTS / "validate_input.json").read_text()) == built.model_dump(mode="json")


# ─── Glue ──────────────────────────────────────────────────────────────────────────────────


def test_three_glue_jobs_with_stage_constants(dev, templates):
    jobs = resources_of_type(dev, "AWS::Glue::Job")
    # clean and flatten, and both in one run for small objects (two workers, the fewest, on every stage)
    assert sorted(jobs) == ["CleanAndFlattenGlueJob", "CleanGlueJob", "FlattenGlueJob"]
    prod = resources_of_type(templates["prod"], "AWS::Glue::Job")
    assert {lid: j["Properties"]["NumberOfWorkers"] for lid, j in prod.items()} == {
        "CleanGlueJob": 10, "FlattenGlueJob": 10, "CleanAndFlattenGlueJob": 2}  # fmt: skip
    for lid, job in jobs.items():
        p = job["Properties"]
        assert (p["GlueVersion"], p["WorkerType"], p["NumberOfWorkers"], p["MaxRetries"], p["Timeout"]) == (
            "6.0",
            "G.1X",
            2,
            0,
            60,
        ), lid
        assert p["ExecutionProperty"] == {"MaxConcurrentRuns": 4}
        assert p["Role"] == {"Fn::GetAtt": [f"{lid}Role", "Arn"]}
        assert (p["Command"]["Name"], p["Command"]["PythonVersion"]) == ("glueetl", "3")
        args = dict(p["DefaultArguments"])
        assert args.pop("--extra-py-files")["Fn::Sub"].startswith("s3://${GlueArtifactsBucket}/glue/shoplake-")
        assert args == {
            "--job-language": "python",
            "--processed_root": {"Fn::Sub": "s3://${ProcessedBucket}"},
            "--storage_backend": "s3",
            "--pipeline_version": "1",
            "--default_currency": "USD",
            "--TempDir": {"Fn::Sub": "s3://${GlueArtifactsBucket}/_glue-temp/"},
            "--enable-metrics": "true",
            "--enable-continuous-cloudwatch-log": "true",
            "--enable-observability-metrics": "true",
        }


def test_glue_jobs_point_at_content_addressed_artifacts_in_the_package(packages, dev):
    glue_dir = Path(_packaged(packages, "dev")["dir"]) / "glue"
    manifest = json.loads((glue_dir / "manifest.json").read_text())
    assert manifest["bucketLogicalId"] == "GlueArtifactsBucket"
    keys = {f["key"]: glue_dir / f["file"] for f in manifest["files"]}
    assert all(path.is_file() for path in keys.values())
    scripts = {"CleanGlueJob": "clean.py", "FlattenGlueJob": "flatten.py"}
    for lid, script in scripts.items():
        p = dev["Resources"][lid]["Properties"]
        source = (REPO / "glue" / script).read_bytes()
        key = f"glue/{hashlib.sha256(source).hexdigest()[:12]}/{script}"
        assert p["Command"]["ScriptLocation"] == {"Fn::Sub": f"s3://${{GlueArtifactsBucket}}/{key}"}
        assert keys[key].read_bytes() == source
        zip_key = p["DefaultArguments"]["--extra-py-files"]["Fn::Sub"].removeprefix("s3://${GlueArtifactsBucket}/")
        assert zip_key in keys


def test_glue_package_zip_is_the_shoplake_package_and_imports(packages, tmp_path):
    glue_dir = Path(_packaged(packages, "dev")["dir"]) / "glue"
    (zip_path,) = glue_dir.glob("shoplake-*.zip")
    with zipfile.ZipFile(zip_path) as z:
        assert z.testzip() is None
        names = z.namelist()
        assert names == runtime_files()
        assert all(z.read(n) == (REPO / n).read_bytes() for n in names)
    # Glue puts --extra-py-files on sys.path: zipimport must find the package in it.
    proc = subprocess.run(
        [
            sys.executable,
            "-I",
            "-S",
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); import shoplake.datasets as d; print(d.__file__)",
            str(zip_path),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(zip_path / "shoplake" / "datasets" / "__init__.py")


HOOKS_CHECK = r"""
// Every hook of plugins/glue-artifacts.js must name a lifecycle event osls defines.
const path = require('path');
const root = process.argv[1];
const lib = path.join(root, 'node_modules', 'osls', 'lib');
const stub = { getProvider: () => ({ naming: {} }), service: { package: {} }, serviceDir: root };
const events = new Set();
const collect = (prefix, commands) => {
  for (const [name, cmd] of Object.entries(commands || {})) {
    const full = prefix ? `${prefix}:${name}` : name;
    for (const ev of cmd.lifecycleEvents || []) events.add(`${full}:${ev}`);
    collect(full, cmd.commands);
  }
};
for (const rel of ['plugins/aws/package/index.js', 'plugins/aws/deploy/index.js']) {
  const Plugin = require(path.join(lib, rel));
  collect('', new Plugin(stub, {}).commands);
}
for (const [name, schema] of require(path.join(lib, 'cli/commands-schema/service.js')))
  for (const ev of schema.lifecycleEvents || []) events.add(`${name.replace(/ /g, ':')}:${ev}`);
const Glue = require(path.join(root, 'plugins', 'glue-artifacts.js'));
const hooks = Object.keys(new Glue({ getProvider: () => ({}) }, {}, { log: {} }).hooks);
const unknown = hooks.filter((h) => !events.has(h.replace(/^(before|after):/, '')));
console.log(JSON.stringify({ hooks, unknown }));
"""


def test_glue_artifacts_plugin_hooks_exist_in_osls():
    proc = subprocess.run(["node", "-e", HOOKS_CHECK, str(REPO)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {
        "hooks": [
            "before:aws:package:finalize:saveServiceState",
            "before:aws:deploy:deploy:updateStack",
            "after:aws:deploy:deploy:updateStack",
        ],
        "unknown": [],
    }


UPLOAD_CHECK = r"""
// Drive the plugin's deploy hooks against a fake provider: which putObject calls happen when.
const path = require('path');
const [root, serviceDir, scenario] = process.argv.slice(1);
const Glue = require(path.join(root, 'plugins', 'glue-artifacts.js'));
const calls = [];
const bucketAfterUpdate = { existing: 'art-bucket', first: 'art-bucket', broken: null }[scenario];
let stackUpdated = false;
const provider = {
  naming: { getStackName: () => 'shoplake-dev' },
  async request(service, method, params) {
    if (method === 'describeStackResource') {
      const name = scenario === 'existing' || stackUpdated ? bucketAfterUpdate : null;
      if (!name) throw new Error('Resource GlueArtifactsBucket does not exist for stack shoplake-dev');
      return { StackResourceDetail: { PhysicalResourceId: name, ResourceStatus: 'UPDATE_COMPLETE' } };
    }
    calls.push({ when: stackUpdated ? 'after' : 'before', method, Bucket: params.Bucket, Key: params.Key,
                 sse: params.ServerSideEncryption, bytes: params.Body.length });
    return {};
  },
};
class ServerlessError extends Error {}
const sls = {
  getProvider: () => provider, serviceDir, service: { custom: {} }, classes: { Error: ServerlessError },
};
const plugin = new Glue(sls, {}, { log: { notice() {} } });
(async () => {
  let error = null;
  try {
    await plugin.hooks['before:aws:deploy:deploy:updateStack']();
    stackUpdated = true;
    await plugin.hooks['after:aws:deploy:deploy:updateStack']();
  } catch (e) { error = e.message; }
  console.log(JSON.stringify({ calls, error }));
})();
"""


@pytest.mark.parametrize("scenario", ["existing", "first", "broken"])
def test_glue_artifacts_upload_before_or_after_the_stack_update(packages, tmp_path, scenario):
    # Given a packaged service (the plugin reads .serverless/glue/, where deploy finds it)
    glue_dir = Path(_packaged(packages, "dev")["dir"]) / "glue"
    shutil.copytree(glue_dir, tmp_path / ".serverless" / "glue")
    files = json.loads((glue_dir / "manifest.json").read_text())["files"]
    # When deploy runs the hooks around updateStack
    proc = subprocess.run(
        ["node", "-e", UPLOAD_CHECK, str(REPO), str(tmp_path), scenario], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    # Then the files go up once: before the update if the bucket exists, else right after
    when = {"existing": "before", "first": "after"}.get(scenario)
    expected = [
        {
            "when": when,
            "method": "putObject",
            "Bucket": "art-bucket",
            "Key": f["key"],
            "sse": "AES256",
            "bytes": (glue_dir / f["file"]).stat().st_size,
        }
        for f in files
    ]
    if scenario == "broken":
        assert result == {
            "calls": [],
            "error": "glue-artifacts: the stack has no GlueArtifactsBucket: Glue artifacts not uploaded",
        }
    else:
        assert result == {"calls": expected, "error": None}


# ─── Lambda functions ──────────────────────────────────────────────────────────────────────


def test_one_role_per_function(dev):
    functions = resources_of_type(dev, "AWS::Lambda::Function")
    roles = resources_of_type(dev, "AWS::IAM::Role")
    assert {lid: f["Properties"]["Role"] for lid, f in functions.items()} == {
        f"{key[0].upper()}{key[1:]}LambdaFunction": {"Fn::GetAtt": [role, "Arn"]}
        for key, (_, role, _) in FUNCTIONS.items()
    }
    assert set(roles) == {r for _, r, _ in FUNCTIONS.values()} | {
        "CleanGlueJobRole",
        "FlattenGlueJobRole",
        "CleanAndFlattenGlueJobRole",
        "ReviewPipelineRole",
        "CdcExtractionRole",
        "CdcSchedulerRole",
        "SnowflakeStorageRole",  # assumed by Snowflake's storage integration (resources/snowflake.yml)
    }
    assert "IamRoleLambdaExecution" not in dev["Resources"]


def test_the_local_stack_runs_the_functions_serverless_deploys(dev):
    from shoplake.local import stack

    deployed = {
        f["Properties"]["FunctionName"].removeprefix("shoplake-dev-"): f["Properties"]["Handler"].replace("/", ".")
        for f in resources_of_type(dev, "AWS::Lambda::Function").values()
    }
    assert deployed == stack.FUNCTIONS


COMMON_ENV = {
    "SHOPLAKE_STAGE": "dev",
    "STORAGE_BACKEND": "s3",
    "POWERTOOLS_SERVICE_NAME": "shoplake",
    "POWERTOOLS_METRICS_NAMESPACE": "shoplake",
    "POWERTOOLS_LOG_LEVEL": "DEBUG",
}


def test_function_environments(dev):
    env = {
        lid: f["Properties"]["Environment"]["Variables"]
        for lid, f in resources_of_type(dev, "AWS::Lambda::Function").items()
    }
    assert env == {
        "IntakeLambdaFunction": {
            **COMMON_ENV,
            "STATE_MACHINE_ARN": {"Ref": "ReviewPipeline"},
            "IDEMPOTENCY_TABLE": {"Ref": "IdempotencyTable"},
            "PROCESSED_BUCKET": {"Ref": "ProcessedBucket"},
            "PIPELINE_VERSION": "1",
        },
        "ValidateLambdaFunction": {**COMMON_ENV, "MAX_OBJECT_BYTES": "268435456", "SMALL_OBJECT_BYTES": "67108864"},
        "CheckCleanLambdaFunction": {**COMMON_ENV, "PROCESSED_BUCKET": {"Ref": "ProcessedBucket"}},
        "QuarantineObjectLambdaFunction": {**COMMON_ENV, "QUARANTINE_BUCKET": {"Ref": "QuarantineBucket"}},
        "RefreshWarehouseLambdaFunction": {
            **COMMON_ENV,
            "PROCESSED_BUCKET": {"Ref": "ProcessedBucket"},
            "WAREHOUSE": "snowflake",
            "SNOWFLAKE_SECRET_NAME": "shoplake/dev/snowflake",
            "SNOWFLAKE_DATABASE": "SHOPLAKE_DEV",
            "SNOWFLAKE_SCHEMA": "RAW",
            "SNOWFLAKE_STAGE": "RAW.PROCESSED_STAGE",
            "WAREHOUSE_EVENTS_QUEUE_URL": {"Ref": "WarehouseEventsQueue"},
        },
        "GenerateCartEventsLambdaFunction": {
            **COMMON_ENV,
            "RAW_BUCKET": {"Ref": "RawBucket"},
            "CART_EVENTS_EVERY_SECONDS": "900",
            "CART_SESSIONS_PER_DAY": "1440",
            "SHOP_SEED": "2026",
        },
        "ExportPromotionsLambdaFunction": {
            **COMMON_ENV,
            "CONSUMPTION_BUCKET": {"Ref": "ConsumptionBucket"},
            "WAREHOUSE": "snowflake",
            "SNOWFLAKE_SECRET_NAME": "shoplake/dev/snowflake",
            "SNOWFLAKE_DATABASE": "SHOPLAKE_DEV",
        },
        "ExtractChangesLambdaFunction": {
            **COMMON_ENV,
            "RAW_BUCKET": {"Ref": "RawBucket"},
            "SOURCE_SECRET_ARN": "shoplake/dev/source-database",
            "CDC_STATE_TABLE": {"Ref": "CdcStateTable"},
            "CDC_LAG_SECONDS": "30",
            "CDC_BATCH_ROWS": "500000",
        },
        "CompactLakeLambdaFunction": {
            **COMMON_ENV,
            "PROCESSED_BUCKET": {"Ref": "ProcessedBucket"},
            "WAREHOUSE": "snowflake",
            "SNOWFLAKE_SECRET_NAME": "shoplake/dev/snowflake",
            "SNOWFLAKE_DATABASE": "SHOPLAKE_DEV",
            "SNOWFLAKE_SCHEMA": "RAW",
            "SNOWFLAKE_STAGE": "RAW.PROCESSED_STAGE",
            "COMPACTION_MIN_SOURCES": "4",
            "COMPACTION_FANOUT": "4",
            "COMPACTION_RETIRE_AFTER_SECONDS": "3600",
        },
    }


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_function_environment_satisfies_its_settings(templates, monkeypatch, stage, function):
    # Given the function's environment as deployed (references replaced by sample values)
    lid = f"{function[0].upper()}{function[1:]}LambdaFunction"
    variables = templates[stage]["Resources"][lid]["Properties"]["Environment"]["Variables"]
    for name in list(os.environ):
        if name.startswith(("SHOPLAKE_", "POWERTOOLS_")) or name.upper() in {n.upper() for n in variables}:
            monkeypatch.delenv(name)
    for name, value in variables.items():
        monkeypatch.setenv(name, value if isinstance(value, str) else f"sample-{name.lower()}")
    # Then the function's settings load from it (a missing or misnamed variable raises)
    _, _, settings_class = FUNCTIONS[function]
    loaded = settings_class.load()
    assert loaded.shoplake_stage == stage


def test_stage_params_differ_where_they_should(templates):
    def pick(t):
        r = t["Resources"]
        return {
            "max_object_bytes": r["ValidateLambdaFunction"]["Properties"]["Environment"]["Variables"][
                "MAX_OBJECT_BYTES"
            ],
            "log_retention": r["IntakeLogGroup"]["Properties"]["RetentionInDays"],
            "log_level": r["IntakeLambdaFunction"]["Properties"]["Environment"]["Variables"]["POWERTOOLS_LOG_LEVEL"],
            "raw_deletion": r["RawBucket"]["DeletionPolicy"],
            "glue_workers": r["CleanGlueJob"]["Properties"]["NumberOfWorkers"],
            "snowflake_database": r["RefreshWarehouseLambdaFunction"]["Properties"]["Environment"]["Variables"][
                "SNOWFLAKE_DATABASE"
            ],
            "promotions_expiration": [
                rule["ExpirationInDays"]
                for rule in r["ConsumptionBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
                if rule.get("Prefix") == "promotions/"
            ],
            "consumption_deletion": r["ConsumptionBucket"]["DeletionPolicy"],
        }

    assert {s: pick(t) for s, t in templates.items()} == {
        "dev": {
            "max_object_bytes": str(256 * 2**20),
            "log_retention": 14,
            "log_level": "DEBUG",
            "raw_deletion": "Delete",
            "glue_workers": 2,
            "snowflake_database": "SHOPLAKE_DEV",
            "promotions_expiration": [14],
            "consumption_deletion": "Delete",
        },
        "prod": {
            "max_object_bytes": str(5 * 2**30),
            "log_retention": 90,
            "log_level": "INFO",
            "raw_deletion": "Retain",
            "glue_workers": 10,
            "snowflake_database": "SHOPLAKE",
            "promotions_expiration": [90],
            "consumption_deletion": "Retain",
        },
    }


def test_account_specific_names_come_from_cloudformation_not_package_time(templates):
    text = json.dumps(templates["prod"])
    assert "${AWS::AccountId}" in text
    # No 12-digit account id was baked in except those of AWS's public Powertools and AWS SDK for
    # pandas layers.
    assert set(re.findall(r"(?<![0-9])[0-9]{12}(?![0-9])", text)) == {"017000801446", "336392948345"}


# ─── IAM ───────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("stage", STAGES)
def test_no_allow_statement_has_a_wildcard_action(templates, stage):
    offenders = []
    for path, st in statements(templates[stage]["Resources"]):
        actions = as_list(st.get("Action", [])) + as_list(st.get("NotAction", []))
        # The one exception: the TLS-only Deny of a resource policy (Deny s3:* unless
        # aws:SecureTransport) — a Deny grants nothing.
        if ("NotAction" in st or any("*" in a for a in actions)) and not is_tls_only_deny(st):
            offenders.append((path, actions))
    assert offenders == []


def test_resource_star_only_for_resourceless_actions(dev):
    offenders = []
    for lid, st in identity_policy_statements(dev):
        if "*" not in as_list(st["Resource"]):
            continue
        actions = set(as_list(st["Action"]))
        if not actions <= RESOURCELESS_ACTIONS:
            offenders.append((lid, st.get("Sid"), sorted(actions - RESOURCELESS_ACTIONS)))
        if "cloudwatch:PutMetricData" in actions and "cloudwatch:namespace" not in json.dumps(st.get("Condition")):
            offenders.append((lid, st.get("Sid"), "PutMetricData without a namespace condition"))
    assert offenders == []


def test_resource_policies_name_their_resource(dev):
    # In resource policies "*" is allowed only where it means "this resource" (a KMS key policy).
    offenders = [
        (lid, st.get("Sid"))
        for lid, r in dev["Resources"].items()
        if r["Type"] in ("AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy")
        for _, st in statements(r["Properties"]["PolicyDocument"])
        if "*" in as_list(st["Resource"])
    ]
    assert offenders == []


def _policy_statement(template, lid, sid) -> dict:
    for owner, st in identity_policy_statements(template):
        if owner == lid and st.get("Sid") == sid:
            return st
    raise KeyError((lid, sid))


def test_role_permissions_for_each_function(dev):
    def actions(lid):
        return sorted(a for owner, st in identity_policy_statements(dev) if owner == lid for a in as_list(st["Action"]))

    assert {role: actions(role) for _, role, _ in FUNCTIONS.values()} == {
        "IntakeRole": sorted(
            [
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "states:StartExecution",
                "states:DescribeExecution",
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "s3:GetObject",
                "s3:ListBucket",
                "sqs:SendMessage",
            ]
        ),
        "ValidateRole": sorted(
            ["logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        ),
        "CheckCleanRole": sorted(
            [
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "s3:GetObject",
                "s3:ListBucket",
            ]
        ),
        "QuarantineObjectRole": sorted(
            [
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "s3:GetObject",
                "s3:GetObjectVersion",
                "s3:GetObjectTagging",
                "s3:GetObjectVersionTagging",
                "s3:PutObject",
                "s3:PutObjectTagging",
                "s3:AbortMultipartUpload",
            ]
        ),
        "RefreshWarehouseRole": sorted(
            [
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "s3:GetObject",
                "s3:ListBucket",
                "secretsmanager:GetSecretValue",
                "sqs:SendMessage",
            ]
        ),
        "GenerateCartEventsRole": sorted(
            [
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "s3:PutObject",
            ]
        ),
        "ExportPromotionsRole": sorted(
            [
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "s3:PutObject",
                "secretsmanager:GetSecretValue",
            ]
        ),
        "CompactLakeRole": sorted(
            [
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "s3:GetObject",  # the sources' files and manifests
                "s3:ListBucket",
                "s3:GetObject",  # segments
                "s3:PutObject",
                "s3:DeleteObject",
                "s3:PutObject",  # segment manifests
                "s3:DeleteObject",
                "secretsmanager:GetSecretValue",
            ]
        ),
        "ExtractChangesRole": sorted(
            [
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "s3:PutObject",
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "secretsmanager:GetSecretValue",
                "ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSubnets",
            ]
        ),
    }
    assert _policy_statement(dev, "IntakeRole", "StartPipeline")["Resource"] == {"Ref": "ReviewPipeline"}
    assert _policy_statement(dev, "IntakeRole", "Idempotency")["Resource"] == {
        "Fn::GetAtt": ["IdempotencyTable", "Arn"]
    }
    assert _policy_statement(dev, "RefreshWarehouseRole", "SnowflakeCredentials")["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}"
        ":secret:shoplake/dev/snowflake-??????"
    }
    # compaction writes segments and their manifests, and nothing of the sources' (they stay the record)
    assert _policy_statement(dev, "CompactLakeRole", "WriteSegments")["Resource"] == {
        "Fn::Sub": "${ProcessedBucket.Arn}/_segments/*"
    }
    assert _policy_statement(dev, "CompactLakeRole", "WriteSegmentManifests")["Resource"] == [
        {"Fn::Sub": f"${{ProcessedBucket.Arn}}/_manifests/{ds}/segments/*"} for ds in DATASETS
    ]
    for _, role, _ in FUNCTIONS.values():
        function = role.removesuffix("Role")
        function = function[0].lower() + function[1:]
        assert _policy_statement(dev, role, "OwnLogs")["Resource"] == {
            "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}"
            f":log-group:/aws/lambda/shoplake-dev-{function}:*"
        }


def test_state_machine_role_reaches_exactly_its_tasks(dev):
    def sub(s):
        return {"Fn::Sub": f"arn:${{AWS::Partition}}:{s}"}

    invoke = _policy_statement(dev, "ReviewPipelineRole", "InvokePipelineFunctions")
    assert invoke["Resource"] == [
        sub(f"lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:shoplake-dev-{f}{q}")
        for f in ("validate", "checkClean", "quarantineObject", "refreshWarehouse")
        for q in ("", ":*")
    ]
    glue = _policy_statement(dev, "ReviewPipelineRole", "RunGlueJobs")
    assert sorted(glue["Action"]) == [
        "glue:BatchStopJobRun",
        "glue:GetJobRun",
        "glue:GetJobRuns",
        "glue:StartJobRun",
    ]
    assert glue["Resource"] == [
        sub("glue:${AWS::Region}:${AWS::AccountId}:job/${CleanGlueJob}"),
        sub("glue:${AWS::Region}:${AWS::AccountId}:job/${FlattenGlueJob}"),
        sub("glue:${AWS::Region}:${AWS::AccountId}:job/${CleanAndFlattenGlueJob}"),
    ]
    assert _policy_statement(dev, "ReviewPipelineRole", "Notify")["Resource"] == {"Ref": "PipelineNotificationsTopic"}


def test_iam_covers_every_dataset_prefix(dev):
    # Adding a dataset contract without its IAM lines fails here.
    def resources(lid, sid):
        return json.dumps(_policy_statement(dev, lid, sid)["Resource"])

    for ds in DATASETS.values():
        raw = f"${{RawBucket.Arn}}/{ds.prefix}*"
        assert raw in resources("GlueJobsPolicy", "ReadLandedObjects")
        assert raw in resources("QuarantineObjectRole", "ReadLandedObjects")
        processed = resources("GlueJobsPolicy", "ReadWriteProcessedZone")
        for table in ds.tables:
            assert f"${{ProcessedBucket.Arn}}/{table.name}/*" in processed
            assert f"${{ProcessedBucket.Arn}}/{table.name}/*" in resources(
                "RefreshWarehouseRole", "ReadPublishedOutput"
            )
        assert f"${{ProcessedBucket.Arn}}/_work/{ds.name}/*" in processed
        assert f"${{ProcessedBucket.Arn}}/_manifests/{ds.name}/*" in processed
        assert f"${{ProcessedBucket.Arn}}/_manifests/{ds.name}/*" in resources("IntakeRole", "ReadSourceManifests")
        assert f"${{ProcessedBucket.Arn}}/_work/{ds.name}/*" in resources("CheckCleanRole", "ReadRunScratch")


# ─── buckets, table, topic ─────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("stage", STAGES)
def test_every_bucket_is_encrypted_private_and_tls_only(templates, stage):
    t = templates[stage]
    buckets = resources_of_type(t, "AWS::S3::Bucket")
    assert sorted(buckets) == [
        "AthenaResultsBucket",
        "ConsumptionBucket",
        "GlueArtifactsBucket",
        "ProcessedBucket",
        "QuarantineBucket",
        "RawBucket",
        "ServerlessDeploymentBucket",
    ]
    policies = {p["Properties"]["Bucket"]["Ref"]: p for p in resources_of_type(t, "AWS::S3::BucketPolicy").values()}
    for lid, bucket in buckets.items():
        p = bucket["Properties"]
        assert p["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }, lid
        assert p["BucketEncryption"] == {
            "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        }, lid
        tls = [st for _, st in statements(policies[lid]["Properties"]["PolicyDocument"]) if is_tls_only_deny(st)]
        assert tls, f"{lid} has no TLS-only policy"
        assert all(st["Principal"] == "*" and st["Action"] in ("s3:*", ["s3:*"]) for st in tls), lid
        if lid != "ServerlessDeploymentBucket":  # created by osls; new buckets enforce it by default
            assert p["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}, lid
            assert p["BucketName"] == {"Fn::Sub": f"shoplake-{stage}-{_zone(lid)}-${{AWS::AccountId}}"}


def _zone(lid: str) -> str:
    zones = {
        "RawBucket": "raw",
        "ProcessedBucket": "processed",
        "QuarantineBucket": "quarantine",
        "AthenaResultsBucket": "athena-results",
        "ConsumptionBucket": "consumption",
    }
    return zones.get(lid, "glue-artifacts")


def test_bucket_lifecycles_and_events(dev):
    r = dev["Resources"]
    raw = r["RawBucket"]["Properties"]
    assert raw["VersioningConfiguration"] == {"Status": "Enabled"}
    assert raw["NotificationConfiguration"] == {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}
    assert {rule["Id"] for rule in raw["LifecycleConfiguration"]["Rules"]} == {
        "expire-noncurrent-versions",
        "abort-incomplete-multipart-uploads",
    }
    (work,) = [
        x for x in r["ProcessedBucket"]["Properties"]["LifecycleConfiguration"]["Rules"] if x.get("Prefix") == "_work/"
    ]
    assert work["ExpirationInDays"] == 7
    # Snowflake's AUTO_REFRESH channel only when the stage sets it.
    notification = r["ProcessedBucket"]["Properties"]["NotificationConfiguration"]["Fn::If"]
    assert notification[0] == "HasSnowflakeNotificationChannel"
    assert notification[2] == {"Ref": "AWS::NoValue"}
    assert dev["Parameters"]["SnowflakeS3NotificationChannel"]["Default"] == ""


def test_idempotency_table_and_topic(dev):
    table = dev["Resources"]["IdempotencyTable"]["Properties"]
    assert table == {
        "TableName": "shoplake-dev-idempotency",
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "TimeToLiveSpecification": {"AttributeName": "expiration", "Enabled": True},
        "SSESpecification": {"SSEEnabled": True},
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
    }
    topic = dev["Resources"]["PipelineNotificationsTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Ref": "NotificationsKey"}
    key_policy = dev["Resources"]["NotificationsKey"]["Properties"]["KeyPolicy"]
    assert {"Service": "cloudwatch.amazonaws.com"} in [st["Principal"] for st in key_policy["Statement"]]
    subscription = dev["Resources"]["PipelineNotificationsEmailSubscription"]
    assert subscription["Condition"] == "HasNotificationEmail"


# ─── cart events and promotions (resources/promotions.yml) ─────────────────────────────────

TRACING = {
    "Sid": "Tracing",
    "Effect": "Allow",
    "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
    "Resource": "*",
}
PROMOTIONS_REBUILT = {
    "source": ["shoplake.transform"],
    "detail-type": ["Marts Rebuilt"],
    "detail": {"models": ["customer_promotions"]},
}
RULE_RETRIES = {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 10}
PROMOTIONS_DLQ = {"Arn": {"Fn::GetAtt": ["PromotionsEventsDeadLetterQueue", "Arn"]}}


def _role_statements(template: dict, lid: str) -> list[dict]:
    role = template["Resources"][lid]["Properties"]
    # The inline policy is all the role has: no managed policy, no second inline policy.
    assert "ManagedPolicyArns" not in role, lid
    (policy,) = role["Policies"]
    return policy["PolicyDocument"]["Statement"]


def _own_logs(stage: str, function: str) -> dict:
    return {
        "Sid": "OwnLogs",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": {
            "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}"
            f":log-group:/aws/lambda/shoplake-{stage}-{function}:*"
        },
    }


@pytest.mark.parametrize("stage", STAGES)
def test_cart_events_generator_may_only_put_objects_under_cart_events(templates, stage):
    # Given the generator's role as deployed
    granted = _role_statements(templates[stage], "GenerateCartEventsRole")
    # Then besides its logs and traces it may put objects under the prefix the generator writes
    # (no GetObject, no ListBucket: it reads nothing back)
    assert generator.KEY_PREFIX == "cart_events/"
    assert granted == [
        _own_logs(stage, "generateCartEvents"),
        TRACING,
        {
            "Sid": "WriteCartEvents",
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": {"Fn::Sub": f"${{RawBucket.Arn}}/{generator.KEY_PREFIX}*"},
        },
    ]


@pytest.mark.parametrize("stage", STAGES)
def test_promotions_exporter_may_only_put_promotions_and_read_its_secret(templates, stage):
    # Given the exporter's role as deployed
    granted = _role_statements(templates[stage], "ExportPromotionsRole")
    # Then it may put objects under promotions/ of the consumption bucket and read the stage's
    # Snowflake secret, nothing else
    assert promotions.PREFIX == "promotions/"
    assert granted == [
        _own_logs(stage, "exportPromotions"),
        TRACING,
        {
            "Sid": "WritePromotions",
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": {"Fn::Sub": f"${{ConsumptionBucket.Arn}}/{promotions.PREFIX}*"},
        },
        {
            "Sid": "SnowflakeCredentials",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": {
                "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}"
                f":secret:shoplake/{stage}/snowflake-??????"
            },
        },
    ]


@pytest.mark.parametrize("stage", STAGES)
def test_the_change_capture_may_only_write_batches_its_watermarks_and_read_its_secret(templates, stage):
    granted = {st["Sid"]: st for st in _role_statements(templates[stage], "ExtractChangesRole")}
    assert cdc.PREFIX == "cdc/"
    assert granted["WriteBatches"]["Action"] == "s3:PutObject"
    assert granted["WriteBatches"]["Resource"] == {"Fn::Sub": "${RawBucket.Arn}/cdc/*"}
    assert granted["Watermarks"]["Resource"] == {"Fn::GetAtt": ["CdcStateTable", "Arn"]}
    assert granted["SourceCredentials"]["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}"
        f":secret:shoplake/{stage}/source-database-??????"
    }
    table = templates[stage]["Resources"]["CdcStateTable"]["Properties"]
    assert table["SSESpecification"] == {"SSEEnabled": True}
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


@pytest.mark.parametrize("stage", STAGES)
def test_the_capture_schedule_starts_one_execution_for_every_table(templates, stage):
    res = templates[stage]["Resources"]
    schedule = res["CdcSchedule"]["Properties"]
    assert schedule["ScheduleExpression"] == "rate(5 minutes)"
    assert schedule["State"] == {"Fn::If": ["CdcCaptureOn", "ENABLED", "DISABLED"]}
    assert json.loads(schedule["Target"]["Input"]) == {"tables": list(cdc.TABLES)}
    assert schedule["Target"]["Arn"] == {"Ref": "CdcExtraction"}
    (start, dead) = _role_statements(templates[stage], "CdcSchedulerRole")
    assert (start["Action"], start["Resource"]) == ("states:StartExecution", {"Ref": "CdcExtraction"})
    assert dead["Resource"] == {"Fn::GetAtt": ["CdcScheduleDeadLetterQueue", "Arn"]}
    # the function joins the database's network where both network params are set
    fn = res["ExtractChangesLambdaFunction"]["Properties"]
    assert fn["VpcConfig"]["Fn::If"][0] == "HasCdcNetwork"
    assert fn["Layers"][1:] == [
        "arn:aws:lambda:eu-west-1:336392948345:layer:AWSSDKPandas-Python312:26",
        {"Fn::Sub": "arn:aws:lambda:eu-west-1:${AWS::AccountId}:layer:shoplake-python-deps:1"},
        {"Fn::Sub": "arn:aws:lambda:eu-west-1:${AWS::AccountId}:layer:shoplake-cdc:1"},
    ]
    # the state machine maps over the tables and skips one whose last run still holds it
    definition = json.loads(res["CdcExtraction"]["Properties"]["DefinitionString"]["Fn::Sub"][0])
    inner = definition["States"]["Extract each table"]["ItemProcessor"]["States"]["Extract a batch"]
    assert inner["Catch"][0]["ErrorEquals"] == [cdc.ConcurrentExtraction.__name__]


def test_the_local_stack_takes_small_objects_in_one_glue_run_as_deployed(dev):
    from shoplake.local.stack import SMALL_OBJECT_BYTES

    env = dev["Resources"]["ValidateLambdaFunction"]["Properties"]["Environment"]["Variables"]
    assert int(env["SMALL_OBJECT_BYTES"]) == SMALL_OBJECT_BYTES


def test_the_local_stack_and_the_pin_are_the_deployed_glue_version(dev):
    from importlib.metadata import version

    from shoplake.local.stack import GLUE_VERSION

    versions = {j["Properties"]["GlueVersion"] for j in resources_of_type(dev, "AWS::Glue::Job").values()}
    assert versions == {GLUE_VERSION}
    # Glue 6.0 runs Spark 4.1 (https://docs.aws.amazon.com/glue/latest/dg/migrating-version-60.html)
    assert (GLUE_VERSION, version("pyspark").rsplit(".", 1)[0]) == ("6.0", "4.1")


def test_promotions_exporter_runs_with_the_connector_and_pandas_layers(dev):
    props = dev["Resources"]["ExportPromotionsLambdaFunction"]["Properties"]
    assert (props["MemorySize"], props["Timeout"], props["Runtime"], props["Architectures"]) == (
        1024,
        300,
        "python3.12",
        ["x86_64"],
    )
    # the pandas layer (pyarrow) before the project's own layers, whose pinned files win
    assert props["Layers"] == [
        "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:27",
        "arn:aws:lambda:eu-west-1:336392948345:layer:AWSSDKPandas-Python312:26",
        {"Fn::Sub": "arn:aws:lambda:eu-west-1:${AWS::AccountId}:layer:shoplake-python-deps:1"},
        {"Fn::Sub": "arn:aws:lambda:eu-west-1:${AWS::AccountId}:layer:shoplake-snowflake-connector:1"},
    ]
    # EventBridge invokes it asynchronously: Lambda retries a failed (idempotent) export
    assert dev["Resources"]["ExportPromotionsLambdaEvConf"]["Properties"] == {
        "FunctionName": {"Ref": "ExportPromotionsLambdaFunction"},
        "MaximumEventAgeInSeconds": 3600,
        "MaximumRetryAttempts": 2,
        "Qualifier": "$LATEST",
        "DestinationConfig": {},  # no failure destination: the role may write nowhere else
    }


def test_both_promotions_rules_match_marts_rebuilt_of_customer_promotions_on_the_bus(dev):
    # Given the bus and its two rules
    assert dev["Resources"]["EventBus"] == {
        "Type": "AWS::Events::EventBus",
        "Properties": {"Name": "shoplake-dev-events"},
    }
    _, export_rule = rule_named(dev, "shoplake-dev-promotions-rebuilt")
    _, ready_rule = rule_named(dev, "shoplake-dev-promotions-ready")
    targets = {
        "shoplake-dev-promotions-rebuilt": {
            "Id": "shoplake-dev-promotions-rebuilt-target",
            "Arn": {"Fn::GetAtt": ["ExportPromotionsLambdaFunction", "Arn"]},
        },
        "shoplake-dev-promotions-ready": {"Id": "promotions-ready-topic", "Arn": {"Ref": "PromotionsReadyTopic"}},
    }
    # Then each matches the contract's event on that bus and hands it to its one consumer, with
    # retries and the dead-letter queue
    for rule in (export_rule, ready_rule):
        props = rule["Properties"]
        assert props["EventBusName"] == {"Ref": "EventBus"}
        assert props["EventPattern"] == PROMOTIONS_REBUILT
        assert props["State"] == "ENABLED"
        assert props["Targets"] == [
            {**targets[props["Name"]], "RetryPolicy": RULE_RETRIES, "DeadLetterConfig": PROMOTIONS_DLQ}
        ]
    # … the pattern is the contract the code emits and parses …
    assert PROMOTIONS_REBUILT == {
        "source": [promotions.EVENT_SOURCE],
        "detail-type": [promotions.EVENT_DETAIL_TYPE],
        "detail": {"models": [promotions.MODEL]},
    }
    # … and only the exporter's rule may invoke the exporter
    assert dev["Resources"]["ExportPromotionsEventBridgeLambdaPermission1"]["Properties"] == {
        "Action": "lambda:InvokeFunction",
        "FunctionName": {"Fn::GetAtt": ["ExportPromotionsLambdaFunction", "Arn"]},
        "Principal": "events.amazonaws.com",
        "SourceArn": {
            "Fn::Join": [
                ":",
                [
                    "arn",
                    {"Ref": "AWS::Partition"},
                    "events",
                    {"Ref": "AWS::Region"},
                    {"Ref": "AWS::AccountId"},
                    {"Fn::Join": ["/", ["rule", {"Ref": "EventBus"}, "shoplake-dev-promotions-rebuilt"]]},
                ],
            ]
        },
    }


@pytest.mark.parametrize(
    ("source", "models", "matched"),
    [
        ("shoplake.transform", ["customer_promotions"], True),
        ("shoplake.transform", ["fct_cart_events", "customer_promotions", "fct_orders"], True),
        ("shoplake.transform", ["fct_cart_events", "fct_orders"], False),
        ("shoplake.elsewhere", ["customer_promotions"], False),
    ],
    ids=["promotions-only", "promotions-among-others", "other-models", "other-source"],
)
def test_marts_rebuilt_events_reach_the_consumers_when_customer_promotions_was_rebuilt(dev, source, models, matched):
    # Given a "Marts Rebuilt" event as the transform emits it (shoplake/orchestration/events.py)
    event = {
        "version": "0",
        "id": "7bf73129-1428-4cd3-a780-95db273d1602",
        "detail-type": "Marts Rebuilt",
        "source": source,
        "account": "123456789012",
        "time": "2026-12-01T11:05:00Z",
        "region": "eu-west-1",
        "resources": [],
        "detail": {"dag_id": "shoplake_transform", "run_id": "scheduled__2026-12-01T11:00:00+00:00", "models": models},
    }
    # Then both rules match it exactly when customer_promotions is among the models …
    for name in ("shoplake-dev-promotions-rebuilt", "shoplake-dev-promotions-ready"):
        _, rule = rule_named(dev, name)
        assert _matches(rule["Properties"]["EventPattern"], event) is matched, name
    # … and the exporter's parser accepts what the rule delivers
    parsed = promotions.MartsRebuiltEvent.model_validate(event)
    assert (parsed.detail.run_id, parsed.detail.models) == ("scheduled__2026-12-01T11:00:00+00:00", models)


def test_promotions_ready_topic_is_encrypted_and_only_its_rule_publishes(dev):
    r = dev["Resources"]
    assert r["PromotionsReadyTopic"]["Properties"] == {
        "TopicName": "shoplake-dev-promotions-ready",
        "DisplayName": "shoplake dev promotions ready",
        "KmsMasterKeyId": {"Ref": "PromotionsReadyKey"},
    }
    policy = r["PromotionsReadyTopicPolicy"]["Properties"]
    assert policy["Topics"] == [{"Ref": "PromotionsReadyTopic"}]
    assert policy["PolicyDocument"]["Statement"] == [
        {
            "Sid": "PromotionsReadyRulePublishes",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": {"Ref": "PromotionsReadyTopic"},
            "Condition": {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["PromotionsReadyRule", "Arn"]}}},
        },
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sns:Publish",
            "Resource": {"Ref": "PromotionsReadyTopic"},
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ]
    # A customer managed key: EventBridge may use it for this account, for this topic only.
    key = r["PromotionsReadyKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    admin, eventbridge = key["KeyPolicy"]["Statement"]
    assert admin["Principal"] == {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}
    assert eventbridge == {
        "Sid": "EventBridgePublishesToEncryptedTopic",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Resource": "*",
        "Condition": {
            "StringEquals": {
                "aws:SourceAccount": {"Ref": "AWS::AccountId"},
                "kms:EncryptionContext:aws:sns:topicArn": {
                    "Fn::Sub": "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}"
                    ":shoplake-dev-promotions-ready"
                },
            }
        },
    }


def test_promotions_dead_letter_queue_is_encrypted_and_writable_by_the_two_rules_only(dev):
    r = dev["Resources"]
    assert r["PromotionsEventsDeadLetterQueue"]["Properties"] == {
        "QueueName": "shoplake-dev-promotions-events-dlq",
        "SqsManagedSseEnabled": True,
        "MessageRetentionPeriod": 1209600,
    }
    (st,) = r["PromotionsEventsDeadLetterQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert st == {
        "Sid": "PromotionsRulesDeadLetters",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": {"Fn::GetAtt": ["PromotionsEventsDeadLetterQueue", "Arn"]},
        "Condition": {
            "ArnEquals": {
                "aws:SourceArn": [
                    {
                        "Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}"
                        ":rule/shoplake-dev-events/shoplake-dev-promotions-rebuilt"
                    },
                    {"Fn::GetAtt": ["PromotionsReadyRule", "Arn"]},
                ]
            }
        },
    }
    alarm = r["PromotionsEventsDeadLetterAlarm"]["Properties"]
    assert (alarm["Dimensions"], alarm["AlarmActions"]) == (
        [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["PromotionsEventsDeadLetterQueue", "QueueName"]}}],
        [{"Ref": "PipelineNotificationsTopic"}],
    )


@pytest.mark.parametrize(("stage", "expiration_days"), [("dev", 14), ("prod", 90)])
def test_consumption_bucket_is_private_encrypted_tls_only_and_expires_promotions(templates, stage, expiration_days):
    r = templates[stage]["Resources"]
    bucket = r["ConsumptionBucket"]
    deletion = {"dev": "Delete", "prod": "Retain"}[stage]
    assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == (deletion, deletion)
    assert bucket["Properties"] == {
        "BucketName": {"Fn::Sub": f"shoplake-{stage}-consumption-${{AWS::AccountId}}"},
        "LifecycleConfiguration": {
            "Rules": [
                {
                    "Id": "expire-promotions",
                    "Status": "Enabled",
                    "Prefix": "promotions/",
                    "ExpirationInDays": expiration_days,
                },
                {
                    "Id": "abort-incomplete-multipart-uploads",
                    "Status": "Enabled",
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                },
            ]
        },
        "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        },
        "BucketEncryption": {
            "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
    }
    assert r["ConsumptionBucketPolicy"]["Properties"] == {
        "Bucket": {"Ref": "ConsumptionBucket"},
        "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [
                        {"Fn::GetAtt": ["ConsumptionBucket", "Arn"]},
                        {"Fn::Sub": "${ConsumptionBucket.Arn}/*"},
                    ],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        },
    }


SCHEDULE = "GenerateCartEventsEventsRuleSchedule1"


def test_cart_events_schedule_is_disabled_unless_the_param_turns_it_on(templates, packages):
    # Given the schedule as packaged per stage, and dev packaged with --param cartEventsGenerator=true
    turned_on = _template(packages, "dev-cart-events-generator")
    for stage, t in [*templates.items(), ("dev", turned_on)]:
        assert t["Resources"][SCHEDULE]["Properties"] == {
            "Name": f"shoplake-{stage}-cart-events-schedule",
            "Description": "Runs the cart-event generator (State from the cartEventsGenerator param).",
            "ScheduleExpression": "rate(15 minutes)",
            "State": {"Fn::If": ["CartEventsGeneratorOn", "ENABLED", "DISABLED"]},
            "Targets": [
                {"Arn": {"Fn::GetAtt": ["GenerateCartEventsLambdaFunction", "Arn"]}, "Id": "generateCartEventsSchedule"}
            ],
        }
        assert t["Parameters"]["CartEventsGenerator"]["AllowedValues"] == ["true", "false"]
    # Then the rule is DISABLED in every stage as packaged …
    assert {s: _condition(t, "CartEventsGeneratorOn", {}) for s, t in templates.items()} == {
        "dev": False,
        "prod": False,
    }
    # … and ENABLED where the param turns it on, which changes nothing else
    assert turned_on["Parameters"]["CartEventsGenerator"]["Default"] == "true"
    assert _condition(turned_on, "CartEventsGeneratorOn", {}) is True
    assert _without_artifact_paths(turned_on, "CartEventsGenerator") == _without_artifact_paths(
        templates["dev"], "CartEventsGenerator"
    )


def _without_artifact_paths(template: dict, parameter: str) -> str:
    """The template as text, without the parameter's default and the timestamped deployment paths."""
    t = json.loads(json.dumps(template))
    del t["Parameters"][parameter]["Default"]
    return re.sub(r"serverless/shoplake/(\w+)/[^/\"]+/", r"serverless/shoplake/\1/<ts>/", json.dumps(t, sort_keys=True))


_RATE_UNITS = {"minute": 60, "hour": 3600, "day": 86400}


@pytest.mark.parametrize("stage", STAGES)
def test_cart_events_window_is_the_schedule_interval(templates, stage):
    # Given the schedule's rate and the window the generator writes per run
    r = templates[stage]["Resources"]
    rate = r[SCHEDULE]["Properties"]["ScheduleExpression"]
    window = r["GenerateCartEventsLambdaFunction"]["Properties"]["Environment"]["Variables"][
        "CART_EVENTS_EVERY_SECONDS"
    ]
    # Then consecutive runs write adjacent windows: no gap, no overlap
    count, unit = re.fullmatch(r"rate\((\d+) (minute|hour|day)s?\)", rate).groups()
    assert int(window) == int(count) * _RATE_UNITS[unit]


def test_transform_events_policy_puts_marts_rebuilt_on_the_bus_only(dev):
    policy = dev["Resources"]["TransformEventsPolicy"]
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Sid": "PutTransformEvents",
            "Effect": "Allow",
            "Action": "events:PutEvents",
            "Resource": {"Fn::GetAtt": ["EventBus", "Arn"]},
            "Condition": {
                "StringEquals": {"events:source": "shoplake.transform", "events:detail-type": "Marts Rebuilt"}
            },
        }
    ]
    # For Airflow's role, outside this stack: no role here has it
    assert [
        lid
        for lid, role in resources_of_type(dev, "AWS::IAM::Role").items()
        if {"Ref": "TransformEventsPolicy"} in role["Properties"].get("ManagedPolicyArns", [])
    ] == []
    outputs = dev["Outputs"]
    assert {
        k: outputs[k]["Value"]
        for k in ("EventBusName", "TransformEventsPolicyArn", "ConsumptionBucketName", "PromotionsReadyTopicArn")
    } == {
        "EventBusName": {"Ref": "EventBus"},
        "TransformEventsPolicyArn": {"Ref": "TransformEventsPolicy"},
        "ConsumptionBucketName": {"Ref": "ConsumptionBucket"},
        "PromotionsReadyTopicArn": {"Ref": "PromotionsReadyTopic"},
    }


# ─── QuickSight ────────────────────────────────────────────────────────────────────────────
# resources/quicksight.yml, generated by shoplake/reporting/quicksight/ (tests/unit/test_quicksight.py
# checks the dashboard's inside and the data sets' columns against the marts dbt builds).

QUICKSIGHT_RESOURCES = {
    "QuickSightSnowflakeDataSource": "AWS::QuickSight::DataSource",
    "QuickSightDataSetFctReviews": "AWS::QuickSight::DataSet",
    "QuickSightDataSetProductRatingSummary": "AWS::QuickSight::DataSet",
    "QuickSightDataSetProductReviewsMonthly": "AWS::QuickSight::DataSet",
    "QuickSightDataSetReviewerActivity": "AWS::QuickSight::DataSet",
    "QuickSightDataSetFctPipelineRuns": "AWS::QuickSight::DataSet",
    "QuickSightDataSetPipelineHealthDaily": "AWS::QuickSight::DataSet",
    "QuickSightDataSetFctQuarantineReasons": "AWS::QuickSight::DataSet",
    "QuickSightDataSetFctQuarantinedRecords": "AWS::QuickSight::DataSet",
    # the shop's questions and data quality (shoplake/reporting/quicksight/shop_sheets.py)
    **{f"QuickSightDataSet{name}": "AWS::QuickSight::DataSet" for name in (
        "RevenueDaily", "ProductSalesMonthly", "CategorySalesMonthly", "CustomerLifetimeValue", "CustomerCohorts",
        "CustomerSegments", "FunnelDaily", "ProductsBoughtTogether", "ProductsViewedTogether", "ProductEngagement",
        "ReturnRates", "FctCarts", "CartAbandonmentDaily", "ProductAbandonment", "CustomerPromotions", "DqCheckResults",
    )},
    "QuickSightDashboard": "AWS::QuickSight::Dashboard",
}  # fmt: skip
# Requested without its settings: a wait condition nobody signals fails the deploy, by its name.
QUICKSIGHT_CHECK = {
    "QuickSightSettingsCheckHandle": "AWS::CloudFormation::WaitConditionHandle",
    "QuickSightNeedsPrincipalArnAndSnowflakeAccountHost": "AWS::CloudFormation::WaitCondition",
}
PRINCIPAL = "arn:aws:quicksight:eu-west-1:123456789012:group/default/shoplake-readers"
HOST = "xy12345.eu-west-1.snowflakecomputing.com"


def _condition(template: dict, name: str, values: dict[str, str]) -> bool:
    """Evaluate a template condition (Fn::Equals / Not / And / Or / Condition) for parameter values."""
    params = {p: values.get(p, spec.get("Default")) for p, spec in template["Parameters"].items()}

    def value(node):
        return params[node["Ref"]] if isinstance(node, dict) else node

    def ev(node) -> bool:
        ((fn, args),) = node.items()
        if fn == "Condition":
            return ev(template["Conditions"][args])
        if fn == "Fn::Equals":
            return value(args[0]) == value(args[1])
        if fn == "Fn::Not":
            return not ev(args[0])
        if fn == "Fn::And":
            return all(ev(a) for a in args)
        if fn == "Fn::Or":
            return any(ev(a) for a in args)
        raise AssertionError(f"unexpected {fn}")

    return ev(template["Conditions"][name])


def _created(template: dict, values: dict[str, str]) -> set[str]:
    """The QuickSight stack resources a deploy with these parameter values would create."""
    return {
        lid
        for lid, r in template["Resources"].items()
        if lid.startswith("QuickSight") and _condition(template, r["Condition"], values)
    }


@pytest.mark.parametrize("stage", STAGES)
def test_quicksight_resources_exist_only_under_their_conditions(templates, stage):
    t = templates[stage]
    quicksight = {lid: r for lid, r in t["Resources"].items() if lid.startswith("QuickSight")}
    assert {lid: r["Type"] for lid, r in quicksight.items()} == {**QUICKSIGHT_RESOURCES, **QUICKSIGHT_CHECK}
    assert {lid: r["Condition"] for lid, r in quicksight.items()} == {
        **dict.fromkeys(QUICKSIGHT_RESOURCES, "QuickSightOn"),
        **dict.fromkeys(QUICKSIGHT_CHECK, "QuickSightMisconfigured"),
    }
    assert {k: v for k, v in t["Outputs"].items() if k.startswith("QuickSight")} == {
        "QuickSightDashboardId": {"Condition": "QuickSightOn", "Value": f"shoplake-{stage}-reviews"},
        "QuickSightDashboardUrl": {
            "Condition": "QuickSightOn",
            "Value": {
                "Fn::Sub": f"https://${{AWS::Region}}.quicksight.aws.amazon.com/sn/dashboards/shoplake-{stage}-reviews"
            },
        },
    }


def test_quicksight_is_requested_by_prod_only(templates):
    defaults = {
        stage: {
            p: t["Parameters"][p]["Default"] for p in ("QuickSight", "QuickSightPrincipalArn", "SnowflakeAccountHost")
        }
        for stage, t in templates.items()
    }
    assert defaults == {
        "dev": {"QuickSight": "false", "QuickSightPrincipalArn": "", "SnowflakeAccountHost": ""},
        "prod": {"QuickSight": "true", "QuickSightPrincipalArn": "", "SnowflakeAccountHost": ""},
    }
    # dev as packaged creates nothing of QuickSight; prod as packaged only the failing check, until
    # the deploy passes the principal and the host (--param, see README.md)
    assert _created(templates["dev"], {}) == set()
    assert _created(templates["prod"], {}) == set(QUICKSIGHT_CHECK)
    assert _created(templates["prod"], {"QuickSightPrincipalArn": PRINCIPAL, "SnowflakeAccountHost": HOST}) == set(
        QUICKSIGHT_RESOURCES
    )


@pytest.mark.parametrize(
    ("requested", "principal", "host", "created"),
    [
        ("false", "", "", set()),
        ("false", PRINCIPAL, HOST, set()),
        ("true", PRINCIPAL, HOST, set(QUICKSIGHT_RESOURCES)),
        ("true", "", HOST, set(QUICKSIGHT_CHECK)),
        ("true", PRINCIPAL, "", set(QUICKSIGHT_CHECK)),
        ("true", "", "", set(QUICKSIGHT_CHECK)),
    ],
    ids=["off", "off-with-settings", "on", "on-without-principal", "on-without-host", "on-without-both"],
)
def test_quicksight_is_created_only_with_complete_settings(dev, requested, principal, host, created):
    values = {"QuickSight": requested, "QuickSightPrincipalArn": principal, "SnowflakeAccountHost": host}
    assert _created(dev, values) == created


@pytest.mark.parametrize(
    ("parameter", "value", "allowed"),
    [
        ("QuickSightPrincipalArn", PRINCIPAL, True),
        ("QuickSightPrincipalArn", "arn:aws:quicksight:us-east-1:123456789012:user/default/ana@example.com", True),
        ("QuickSightPrincipalArn", "arn:aws:iam::123456789012:role/readers", False),
        ("QuickSightPrincipalArn", "shoplake-readers", False),
        ("SnowflakeAccountHost", HOST, True),
        ("SnowflakeAccountHost", "myorg-myaccount.snowflakecomputing.com", True),
        ("SnowflakeAccountHost", "https://xy12345.snowflakecomputing.com", False),
        ("SnowflakeAccountHost", "xy12345", False),
    ],
    ids=["group", "user", "iam-role", "bare-name", "host", "org-host", "url", "account-locator"],
)
def test_quicksight_parameters_reject_malformed_values(dev, parameter, value, allowed):
    assert bool(re.fullmatch(dev["Parameters"][parameter]["AllowedPattern"], value)) is allowed
    assert re.fullmatch(dev["Parameters"][parameter]["AllowedPattern"], "")  # empty = not set


@pytest.mark.parametrize("stage", STAGES)
def test_quicksight_data_source_reads_the_stage_database_with_the_reporter_secret(templates, stage):
    snowflake = load_settings(stage, None, placeholder=True)
    secret = f"shoplake/{stage}/snowflake-reporter"
    assert templates[stage]["Resources"]["QuickSightSnowflakeDataSource"]["Properties"] == {
        "AwsAccountId": {"Ref": "AWS::AccountId"},
        "DataSourceId": f"shoplake-{stage}-snowflake",
        "Name": f"shoplake-{stage} Snowflake marts",
        "Type": "SNOWFLAKE",
        "DataSourceParameters": {
            "SnowflakeParameters": {
                "Host": {"Ref": "SnowflakeAccountHost"},
                "Database": snowflake.database,
                "Warehouse": snowflake.warehouse,  # the name `shoplake snowflake apply` creates
            }
        },
        "Credentials": {
            "SecretArn": {
                "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}"
                f":secret:{secret}"
            }
        },
        "SslProperties": {"DisableSsl": False},
        "Permissions": [
            {
                "Principal": {"Ref": "QuickSightPrincipalArn"},
                "Actions": [
                    "quicksight:DescribeDataSource",
                    "quicksight:DescribeDataSourcePermissions",
                    "quicksight:PassDataSource",
                ],
            }
        ],
    }
    # A partial ARN (no random suffix) is only unambiguous when the name does not itself end in
    # a hyphen and six characters (Secrets Manager would take those for the suffix).
    assert not re.search(r"-[A-Za-z0-9]{6}$", secret)


@pytest.mark.parametrize("stage", STAGES)
def test_quicksight_data_sets_read_the_marts_schema_directly(templates, stage):
    marts_schema = load_settings(stage, None, placeholder=True).marts_schema
    data_sets = resources_of_type(templates[stage], "AWS::QuickSight::DataSet")
    ids = {ds.logical_id: ds.key.replace("_", "-") for ds in qs.DATA_SETS.values()}
    assert sorted(data_sets) == sorted(ids)
    tables = {}
    for lid, ds in data_sets.items():
        props = ds["Properties"]
        assert props["ImportMode"] == "DIRECT_QUERY", lid
        assert props["DataSetId"] == f"shoplake-{stage}-{ids[lid]}", lid
        assert props["Permissions"] == [
            {"Principal": {"Ref": "QuickSightPrincipalArn"}, "Actions": qs.DATA_SET_ACTIONS}
        ], lid
        for physical in props["PhysicalTableMap"].values():
            table = physical["RelationalTable"]
            assert table["Schema"] == marts_schema
            assert table["DataSourceArn"] == {"Fn::GetAtt": ["QuickSightSnowflakeDataSource", "Arn"]}
            tables[table["Name"]] = [(c["Name"], c["Type"]) for c in table["InputColumns"]]
    # the columns the generator states (test_quicksight.py compares them with dbt's build)
    expected = {ds.table.name: list(ds.table.columns) for ds in qs.DATA_SETS.values()}
    expected["DIM_REVIEWERS"] = [("REVIEWER_ID", "STRING"), ("REVIEWER_NAME", "STRING")]
    expected["DIM_PRODUCTS"] = [("PRODUCT_ID", "STRING"), ("PRODUCT_NAME", "STRING")]
    assert tables == expected
    # reasons in long form: one column for every dataset's reason codes
    assert tables["FCT_QUARANTINE_REASONS"][-3:] == [
        ("QUARANTINE_REASON", "STRING"), ("REASON_DESCRIPTION", "STRING"), ("RECORDS", "INTEGER")
    ]  # fmt: skip
    assert not [c for c, _ in tables["PIPELINE_HEALTH_DAILY"] if c.startswith("QUARANTINED_")]


REVIEW_SHEETS = ("overview", "products", "reviewers", "pipeline-health")


def test_quicksight_dashboard_has_the_local_apps_pages(templates):
    dashboard = templates["prod"]["Resources"]["QuickSightDashboard"]["Properties"]
    definition = dashboard["Definition"]

    def visual(v: dict) -> tuple[str, str, str]:
        ((kind, body),) = v.items()
        return body["VisualId"], kind, body["Title"]["FormatText"]["PlainText"]

    sheets = {(s["SheetId"], s["Name"]): [visual(v) for v in s["Visuals"]] for s in definition["Sheets"]}
    # the local app's pages, in its order (shoplake/reporting/dashboard/app.py)
    assert [name for _, name in sheets] == [
        "Overview", "Sales", "Customers", "Funnel", "Cart abandonment", "Recommendations", "Returns", "Products",
        "Reviewers", "Pipeline health", "Data quality",
    ]  # fmt: skip
    shop = {key: visuals for key, visuals in sheets.items() if key[0] not in REVIEW_SHEETS}
    assert {key: [kind for _, kind, _ in visuals] for key, visuals in shop.items()} == {
        ("sales", "Sales"): ["KPIVisual"] * 3 + ["ComboChartVisual", "TableVisual", "BarChartVisual"],
        ("customers", "Customers"): ["KPIVisual"] * 3 + ["BarChartVisual", "BarChartVisual", "HeatMapVisual"],
        ("funnel", "Funnel"): ["KPIVisual"] * 4 + ["BarChartVisual", "LineChartVisual"],
        ("cart-abandonment", "Cart abandonment"): ["KPIVisual"] * 3
        + ["LineChartVisual", "LineChartVisual", "BarChartVisual", "TableVisual", "TableVisual"],
        ("recommendations", "Recommendations"): ["KPIVisual"] * 3 + ["TableVisual", "TableVisual"],
        ("returns", "Returns"): ["KPIVisual"] * 3 + ["BarChartVisual", "TableVisual"],
        ("data-quality", "Data quality"): ["KPIVisual"] * 2 + ["BarChartVisual", "TableVisual"],
    }
    sheets = {key: visuals for key, visuals in sheets.items() if key[0] in REVIEW_SHEETS}
    assert sheets == {
        ("overview", "Overview"): [
            ("overview-reviews", "KPIVisual", "Reviews"),
            ("overview-products", "KPIVisual", "Products"),
            ("overview-reviewers", "KPIVisual", "Reviewers"),
            ("overview-average-rating", "KPIVisual", "Average rating"),
            ("overview-verified-purchases", "KPIVisual", "Verified purchases"),
            ("overview-data-freshness", "KPIVisual", "Data freshness: newest file committed"),
            ("overview-reviews-per-month", "BarChartVisual", "Reviews per month"),
            ("overview-average-rating-per-month", "LineChartVisual", "Average rating per month"),
        ],
        ("products", "Products"): [
            ("products-top", "TableVisual", "Top 10 by Bayesian average"),
            ("products-bottom", "TableVisual", "Bottom 10 by Bayesian average"),
            ("products-rating-distribution", "BarChartVisual", "Rating distribution, all products"),
            ("products-product-reviews", "KPIVisual", "Reviews of this product"),
            ("products-product-average-rating", "KPIVisual", "Its average rating"),
            ("products-product-bayesian-average", "KPIVisual", "Its Bayesian average"),
            ("products-monthly-trend", "ComboChartVisual", "Monthly trend"),
            ("products-product-ratings", "BarChartVisual", "Its ratings"),
            ("products-most-helpful-reviews", "TableVisual", "Most helpful reviews"),
        ],
        ("reviewers", "Reviewers"): [
            ("reviewers-reviewers", "KPIVisual", "Reviewers"),
            ("reviewers-reviews-per-reviewer", "KPIVisual", "Reviews per reviewer"),
            ("reviewers-wrote-one-review", "KPIVisual", "Wrote one review"),
            ("reviewers-unusual-reviewers", "KPIVisual", "Unusual reviewers"),
            ("reviewers-activity-distribution", "BarChartVisual", "Activity distribution"),
            ("reviewers-unusual", "TableVisual", "Unusual reviewers"),
        ],
        ("pipeline-health", "Pipeline health"): [
            ("pipeline-files-published", "KPIVisual", "Files published"),
            ("pipeline-records-read", "KPIVisual", "Records read"),
            ("pipeline-quarantined", "KPIVisual", "Quarantined"),
            ("pipeline-duplicates", "KPIVisual", "Duplicates"),
            ("pipeline-records-per-day", "BarChartVisual", "Records per day"),
            ("pipeline-quarantined-by-reason", "BarChartVisual", "Quarantined by reason per day"),
            ("pipeline-quarantine-reasons", "TableVisual", "Quarantine reasons of each file"),
            ("pipeline-runs", "TableVisual", "Runs"),
            ("pipeline-quarantined-records", "TableVisual", "Quarantined records of a file"),
        ],
    }
    controls = {
        s["SheetId"]: [
            (kind, body["Title"], body.get("SourceParameterName") or body.get("SourceFilterId"))
            for c in (*s.get("ParameterControls", []), *s.get("FilterControls", []))
            for kind, body in c.items()
        ]
        for s in definition["Sheets"]
    }
    assert controls == {
        "overview": [
            ("DateTimePicker", "Reviews written from", "PeriodStart"),
            ("DateTimePicker", "Reviews written until", "PeriodEnd"),
        ],
        "products": [
            ("TextField", "Minimum reviews per product", "MinReviews"),
            ("Dropdown", "Product", "Product"),
        ],
        "reviewers": [],
        "pipeline-health": [
            ("Dropdown", "Dataset", "pipeline-dataset-filter"),
            ("Dropdown", "File", "pipeline-quarantine-file-filter"),
        ],
        "sales": [
            ("DateTimePicker", "Orders placed from", "PeriodStart"),
            ("DateTimePicker", "Orders placed until", "PeriodEnd"),
            ("Dropdown", "Category", "sales-category-filter"),
        ],
        "customers": [],
        "funnel": [
            ("DateTimePicker", "Visits started from", "PeriodStart"),
            ("DateTimePicker", "Visits started until", "PeriodEnd"),
            ("Dropdown", "Device", "funnel-device-filter"),
        ],
        "cart-abandonment": [("Dropdown", "Customer", "PromoteTo")],
        "recommendations": [("Dropdown", "Product", "RecommendFor")],
        "returns": [],
        "data-quality": [("Dropdown", "Dataset", "dq-dataset-filter")],
    }
    assert [d["Identifier"] for d in definition["DataSetIdentifierDeclarations"]] == list(qs.DATA_SETS)
    assert dashboard["Permissions"] == [
        {
            "Principal": {"Ref": "QuickSightPrincipalArn"},
            "Actions": [
                "quicksight:DescribeDashboard",
                "quicksight:ListDashboardVersions",
                "quicksight:QueryDashboard",
            ],
        }
    ]
