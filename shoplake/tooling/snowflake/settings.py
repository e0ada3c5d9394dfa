"""The values the Snowflake scripts are rendered with, per stage.

Where the values come from (one source of truth each):

* ``serverless.yml``: the service name; per stage ``snowflakeDatabase``, ``snowflakeSchema`` and
  ``snowflakeStage`` — the same params the refresh function gets;
* ``resources/buckets.yml`` and ``resources/snowflake.yml``: how the processed bucket and the
  storage-integration role are named (``${self:service}-${sls:stage}-…``), resolved with the
  AWS account id (``--aws-account-id`` / ``SHOPLAKE_AWS_ACCOUNT_ID``);
* ``snowflake/stages.yml``: what only Snowflake needs (account-level names, warehouse sizing,
  the dbt schemas, the system roles the scripts switch to).

Every value is validated (plain identifiers, bucket name, role ARN, enumerations) before it
reaches a template; the templates render with StrictUndefined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from shoplake.core.errors import ConfigurationError
from shoplake.project import REPO_ROOT

REPO = REPO_ROOT

HISTORY_SCHEMA = "PUBLIC"
HISTORY_TABLE = "SHOPLAKE_SCHEMA_HISTORY"
# Dry runs without an account id print this where the id belongs; it is not a valid id, so
# the output cannot be applied by mistake (and `apply` without --dry-run refuses to render it).
ACCOUNT_PLACEHOLDER = "<AWS_ACCOUNT_ID>"

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,254}$")
_STAGE = re.compile(r"^[a-z][a-z0-9-]{0,15}$")
_ACCOUNT_ID = re.compile(r"^[0-9]{12}$")
_BUCKET = re.compile(r"^(?!xn--)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_ROLE_NAME = re.compile(r"^[A-Za-z0-9+=,.@_-]{1,64}$")
_WAREHOUSE_SIZES = ("XSMALL", "SMALL", "MEDIUM", "LARGE", "XLARGE", "XXLARGE", "XXXLARGE", "X4LARGE")


def ident(value: Any, what: str) -> str:
    """A plain Snowflake identifier (letters, digits, underscore), upper-cased; anything else raises."""
    if not isinstance(value, str) or not _IDENT.match(value):
        raise ConfigurationError(f"{what}: {value!r} is not a plain Snowflake identifier")
    return value.upper()


@dataclass(frozen=True)
class StageSettings:
    """Every value the templates see, validated."""

    stage: str
    database: str
    raw_schema: str
    staging_schema: str
    marts_schema: str
    silver_schema: str
    stage_name: str
    warehouse: str
    warehouse_size: str
    warehouse_auto_suspend_seconds: int
    loader_role: str
    transformer_role: str
    reporter_role: str
    integration: str
    objects_admin_role: str
    security_admin_role: str
    integration_admin_role: str
    processed_bucket: str
    storage_role_arn: str
    # True when the AWS account id is the dry-run placeholder: never applied.
    placeholder: bool = False

    @property
    def history_table(self) -> str:
        return f"{self.database}.{HISTORY_SCHEMA}.{HISTORY_TABLE}"

    def template_vars(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k != "placeholder"}


def _yaml(path: Path) -> dict:
    try:
        with open(path) as f:
            return yaml.safe_load(f)
    except FileNotFoundError:
        raise ConfigurationError(f"{path} is missing") from None


def _plain(value: Any, what: str) -> str:
    """A param that must be a plain value in serverless.yml (no ${…} to resolve)."""
    if isinstance(value, bool) or not isinstance(value, str | int) or "${" in str(value):
        raise ConfigurationError(f"{what} must be a plain value in serverless.yml, got {value!r}")
    return str(value)


def _resolve_name(template: Any, what: str, service: str, stage: str, account: str) -> str:
    """Resolve the ${self:service} / ${sls:stage} / ${AWS::AccountId} of a resource name."""
    if isinstance(template, dict) and set(template) == {"Fn::Sub"}:
        template = template["Fn::Sub"]
    if not isinstance(template, str):
        raise ConfigurationError(f"{what}: expected a name template, got {template!r}")
    name = (
        template.replace("${self:service}", service)
        .replace("${sls:stage}", stage)
        .replace("${AWS::AccountId}", account)
    )
    if "${" in name:
        raise ConfigurationError(f"{what}: cannot resolve {template!r} outside CloudFormation")
    return name


def load_settings(stage: str, aws_account_id: str | None, *, placeholder: bool = False, root: Path = REPO):
    """The validated template values of a stage.

    Without an account id, ``placeholder=True`` renders :data:`ACCOUNT_PLACEHOLDER` in its place
    (dry runs only); otherwise a missing or malformed id raises ConfigurationError.
    """
    if not _STAGE.match(stage or ""):
        raise ConfigurationError(f"not a stage name: {stage!r}")
    if aws_account_id is None or aws_account_id == "":
        if not placeholder:
            raise ConfigurationError(
                "the AWS account id is required (--aws-account-id or SHOPLAKE_AWS_ACCOUNT_ID): "
                "the processed bucket and the storage-integration role are named after it"
            )
        account = ACCOUNT_PLACEHOLDER
    elif not _ACCOUNT_ID.match(aws_account_id):
        raise ConfigurationError(f"not an AWS account id (12 digits): {aws_account_id!r}")
    else:
        account = aws_account_id

    sls = _yaml(root / "serverless.yml")
    service = _plain(sls.get("service"), "service")
    all_params = sls.get("params") or {}
    if stage not in all_params:
        known = sorted(k for k in all_params if k != "default")
        raise ConfigurationError(f"unknown stage {stage!r}: serverless.yml has params for {known}")
    params = {**(all_params.get("default") or {}), **(all_params[stage] or {})}

    stages = _yaml(root / "snowflake" / "stages.yml")
    if stage not in stages:
        raise ConfigurationError(f"snowflake/stages.yml has no settings for stage {stage!r}")
    sf = {**(stages.get("default") or {}), **(stages[stage] or {})}

    def param(name: str) -> str:
        if name not in params:
            raise ConfigurationError(f"serverless.yml params for {stage!r} lack {name}")
        return _plain(params[name], f"params.{stage}.{name}")

    def setting(name: str) -> Any:
        if name not in sf:
            raise ConfigurationError(f"snowflake/stages.yml lacks {name} for stage {stage!r}")
        return sf[name]

    raw_schema = ident(param("snowflakeSchema"), "snowflakeSchema")
    stage_parts = param("snowflakeStage").split(".")
    if len(stage_parts) != 2 or ident(stage_parts[0], "snowflakeStage schema") != raw_schema:
        raise ConfigurationError(
            f"snowflakeStage must be <snowflakeSchema>.<name> ({raw_schema}.…), got {param('snowflakeStage')!r}"
        )
    prefix = ident(setting("accountObjectPrefix"), "accountObjectPrefix")
    size = str(setting("warehouseSize")).upper()
    if size not in _WAREHOUSE_SIZES:
        raise ConfigurationError(f"warehouseSize: {size!r} is not one of {_WAREHOUSE_SIZES}")
    suspend = setting("warehouseAutoSuspendSeconds")
    if isinstance(suspend, bool) or not isinstance(suspend, int) or suspend < 0:
        raise ConfigurationError(f"warehouseAutoSuspendSeconds: {suspend!r} is not a number of seconds")

    buckets = _yaml(root / "resources" / "buckets.yml")
    bucket = _resolve_name(
        buckets["Resources"]["ProcessedBucket"]["Properties"]["BucketName"], "ProcessedBucket", service, stage, account
    )
    sf_resources = _yaml(root / "resources" / "snowflake.yml")
    role_name = _resolve_name(
        sf_resources["Resources"]["SnowflakeStorageRole"]["Properties"]["RoleName"],
        "SnowflakeStorageRole",
        service,
        stage,
        account,
    )
    if account != ACCOUNT_PLACEHOLDER and not _BUCKET.match(bucket):
        raise ConfigurationError(f"not an S3 bucket name: {bucket!r}")
    if not _ROLE_NAME.match(role_name):
        raise ConfigurationError(f"not an IAM role name: {role_name!r}")

    return StageSettings(
        stage=stage,
        database=ident(param("snowflakeDatabase"), "snowflakeDatabase"),
        raw_schema=raw_schema,
        staging_schema=ident(setting("stagingSchema"), "stagingSchema"),
        marts_schema=ident(setting("martsSchema"), "martsSchema"),
        silver_schema=ident(setting("silverSchema"), "silverSchema"),
        stage_name=ident(stage_parts[1], "snowflakeStage name"),
        warehouse=f"{prefix}_WH",
        warehouse_size=size,
        warehouse_auto_suspend_seconds=suspend,
        loader_role=f"{prefix}_LOADER",
        transformer_role=f"{prefix}_TRANSFORMER",
        reporter_role=f"{prefix}_REPORTER",
        integration=f"{prefix}_PROCESSED_S3",
        objects_admin_role=ident(setting("objectsAdminRole"), "objectsAdminRole"),
        security_admin_role=ident(setting("securityAdminRole"), "securityAdminRole"),
        integration_admin_role=ident(setting("integrationAdminRole"), "integrationAdminRole"),
        processed_bucket=bucket,
        storage_role_arn=f"arn:aws:iam::{account}:role/{role_name}",
        placeholder=account == ACCOUNT_PLACEHOLDER,
    )
