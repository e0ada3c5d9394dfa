"""Snowflake platform objects: render the versioned DDL in ``snowflake/`` per stage and apply it.

``snowflake/`` holds Jinja templates named like Flyway migrations: ``V<n>__<what>.sql`` run once,
in version order; ``R__<what>.sql`` run after them, again whenever their rendered text changes.
:func:`apply` records every run in ``<database>.PUBLIC.SHOPLAKE_SCHEMA_HISTORY`` and refuses to
continue when an applied versioned script was edited afterwards (add a new one instead).

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

import hashlib
import io
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import yaml

from shoplake.core.errors import ConfigurationError, ShoplakeError
from shoplake.project import REPO_ROOT

REPO = REPO_ROOT
SCRIPTS_DIR = REPO / "snowflake"

HISTORY_SCHEMA = "PUBLIC"
HISTORY_TABLE = "SHOPLAKE_SCHEMA_HISTORY"
# Dry runs without an account id print this where the id belongs; it is not a valid id, so
# the output cannot be applied by mistake (and `apply` without --dry-run refuses to render it).
ACCOUNT_PLACEHOLDER = "<AWS_ACCOUNT_ID>"

# The dataset contract's neutral types (shoplake/datasets.py) as Snowflake column types.
# Timestamps are UTC wall-clock times without a zone, like the DuckDB views; maps are OBJECTs
# (keyed access `style:color` on Snowflake, `style['color']` on DuckDB).
SNOWFLAKE_TYPES = {
    "string": "VARCHAR",
    "bigint": "BIGINT",
    "int": "INT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP_NTZ",
    "date": "DATE",
    "map<string,string>": "OBJECT",
    "map<string,bigint>": "OBJECT",
}

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,254}$")
_STAGE = re.compile(r"^[a-z][a-z0-9-]{0,15}$")
_ACCOUNT_ID = re.compile(r"^[0-9]{12}$")
_BUCKET = re.compile(r"^(?!xn--)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_ROLE_NAME = re.compile(r"^[A-Za-z0-9+=,.@_-]{1,64}$")
_WAREHOUSE_SIZES = ("XSMALL", "SMALL", "MEDIUM", "LARGE", "XLARGE", "XXLARGE", "XXXLARGE", "X4LARGE")
_SCRIPT_NAME = re.compile(r"^(?:V(?P<version>[1-9][0-9]*)|R)__(?P<what>[a-z0-9_]+)\.sql$")


class SchemaHistoryError(ShoplakeError):
    """The schema history and the scripts disagree (an applied script changed, or went missing)."""


class ScriptFailed(ShoplakeError):
    """A statement of a script failed in Snowflake."""


# ─── stage settings ────────────────────────────────────────────────────────────────────────


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


# ─── scripts ───────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Script:
    version: int | None  # None for repeatable scripts
    name: str  # the file name, e.g. V1__database_and_schemas.sql
    sql: str  # rendered for one stage
    checksum: str  # sha256 of the rendered SQL: a change of a stage's values is a change too

    @property
    def kind(self) -> str:
        """``V`` (versioned) or ``R`` (repeatable)."""
        return "R" if self.version is None else "V"

    @property
    def description(self) -> str:
        return _SCRIPT_NAME.match(self.name)["what"].replace("_", " ")

    def statements(self) -> list[str]:
        return split_statements(self.sql)


def split_statements(sql: str) -> list[str]:
    """The statements of a script, comments removed, each with its terminating semicolon."""
    from snowflake.connector.util_text import split_statements as _split

    return [stmt for stmt, _is_put_or_get in _split(io.StringIO(sql), remove_comments=True) if stmt.strip()]


def script_files(scripts_dir: Path = SCRIPTS_DIR) -> list[Path]:
    """The script files in apply order: versioned by version, then repeatable by name."""
    versioned, repeatable, seen = [], [], {}
    for path in sorted(scripts_dir.glob("*.sql")):
        m = _SCRIPT_NAME.match(path.name)
        if not m:
            raise ConfigurationError(f"{path.name}: script names are V<n>__<what>.sql or R__<what>.sql (lower case)")
        if m["version"]:
            version = int(m["version"])
            if version in seen:
                raise ConfigurationError(f"{path.name} and {seen[version]} have the same version")
            seen[version] = path.name
            versioned.append((version, path))
        else:
            repeatable.append(path)
    return [p for _, p in sorted(versioned)] + sorted(repeatable)


def render(
    stage: str,
    aws_account_id: str | None = None,
    *,
    placeholder: bool = False,
    root: Path = REPO,
) -> list[Script]:
    """Every script rendered for a stage, in apply order."""
    return render_scripts(load_settings(stage, aws_account_id, placeholder=placeholder, root=root), root / "snowflake")


def render_scripts(settings: StageSettings, scripts_dir: Path = SCRIPTS_DIR) -> list[Script]:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(scripts_dir),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 — SQL, not HTML: every value is validated in load_settings
        keep_trailing_newline=True,
    )
    out = []
    for path in script_files(scripts_dir):
        sql = env.get_template(path.name).render(settings.template_vars())
        m = _SCRIPT_NAME.match(path.name)
        out.append(
            Script(
                version=int(m["version"]) if m["version"] else None,
                name=path.name,
                sql=sql,
                checksum=hashlib.sha256(sql.encode()).hexdigest(),
            )
        )
    return out


# ─── schema history ────────────────────────────────────────────────────────────────────────


def history_ddl(settings: StageSettings) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {settings.history_table} (\n"
        "  installed_rank NUMBER AUTOINCREMENT START 1 INCREMENT 1 ORDER,\n"
        "  version VARCHAR,\n"
        "  description VARCHAR NOT NULL,\n"
        "  type VARCHAR NOT NULL,\n"
        "  script VARCHAR NOT NULL,\n"
        "  checksum VARCHAR NOT NULL,\n"
        "  installed_by VARCHAR NOT NULL DEFAULT CURRENT_USER(),\n"
        "  installed_on TIMESTAMP_LTZ NOT NULL DEFAULT CURRENT_TIMESTAMP(),\n"
        "  execution_time_ms NUMBER NOT NULL,\n"
        "  success BOOLEAN NOT NULL\n"
        ")\n"
        "COMMENT = 'shoplake snowflake apply: scripts of snowflake/ applied to this database'"
    )


def history_insert(settings: StageSettings) -> str:
    return (
        f"INSERT INTO {settings.history_table} "
        "(version, description, type, script, checksum, execution_time_ms, success) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s)"
    )


def history_select(settings: StageSettings) -> str:
    return f"SELECT version, script, checksum, success FROM {settings.history_table} ORDER BY installed_rank"


@dataclass(frozen=True)
class Applied:
    version: int | None
    script: str
    checksum: str
    success: bool


def pending_scripts(scripts: list[Script], history: list[Applied], target: int | None = None) -> list[Script]:
    """What an apply runs, after checking the history against the scripts (raises SchemaHistoryError).

    Versioned: each successfully applied one must still exist unchanged; the others run in order
    (a failed one again: every script is written to be re-runnable), up to ``target``; one older
    than the newest applied version is refused (no out-of-order). Repeatable: runs when it has no
    successful run with its current checksum as the latest. Repeatables only run in a complete
    apply (no ``target`` short of the newest version), after every versioned script.
    """
    local = {s.version: s for s in scripts if s.kind == "V"}
    applied: dict[int, Applied] = {}
    latest_r: dict[str, Applied] = {}
    for row in history:
        if row.version is not None and row.success:
            applied[row.version] = row
        elif row.version is None:
            latest_r[row.script] = row
    for version, row in sorted(applied.items()):
        script = local.get(version)
        if script is None:
            raise SchemaHistoryError(f"{row.script} (version {version}) was applied but is not in snowflake/ any more")
        if script.checksum != row.checksum:
            raise SchemaHistoryError(
                f"{script.name} changed after it was applied (checksum {row.checksum[:12]}… applied, "
                f"{script.checksum[:12]}… now): applied versioned scripts are immutable, add a new V<n> script"
            )
    newest = max(applied, default=0)
    pending = [s for v, s in sorted(local.items()) if v not in applied and (target is None or v <= target)]
    if pending and pending[0].version < newest:
        raise SchemaHistoryError(f"{pending[0].name} is older than the applied version {newest}: out of order")
    complete = target is None or target >= max(local, default=0)
    if complete:
        for s in scripts:
            if s.kind == "R":
                last = latest_r.get(s.name)
                if last is None or not last.success or last.checksum != s.checksum:
                    pending.append(s)
    return pending


class SchemaHistory:
    """``<database>.PUBLIC.SHOPLAKE_SCHEMA_HISTORY``, read and written as the objects admin role."""

    def __init__(self, cursor, settings: StageSettings):
        self.cur = cursor
        self.s = settings
        self.exists = False

    def _admin(self) -> None:
        self.cur.execute(f"USE ROLE {self.s.objects_admin_role}")

    def _found(self, sql: str, name: str) -> bool:
        self.cur.execute(sql)
        columns = [d[0].lower() for d in self.cur.description]
        return any(row[columns.index("name")] == name for row in self.cur.fetchall())

    def load(self) -> list[Applied]:
        """The applied rows, oldest first; none on the first run (no database or no table yet)."""
        self._admin()
        self.exists = self._found(f"SHOW DATABASES LIKE '{self.s.database}'", self.s.database) and self._found(
            f"SHOW TABLES LIKE '{HISTORY_TABLE}' IN SCHEMA {self.s.database}.{HISTORY_SCHEMA}", HISTORY_TABLE
        )
        if not self.exists:
            return []
        self.cur.execute(f"USE WAREHOUSE {self.s.warehouse}")
        self.cur.execute(history_select(self.s))
        return [
            Applied(int(v) if v is not None else None, script, checksum, bool(success))
            for v, script, checksum, success in self.cur.fetchall()
        ]

    def create(self) -> None:
        self._admin()
        self.cur.execute(history_ddl(self.s))
        self.exists = True

    def record(self, script: Script, millis: int, success: bool) -> None:
        self._admin()
        self.cur.execute(f"USE WAREHOUSE {self.s.warehouse}")
        self.cur.execute(
            history_insert(self.s),
            (
                str(script.version) if script.version is not None else None,
                script.description,
                script.kind,
                script.name,
                script.checksum,
                millis,
                success,
            ),
        )


# ─── apply ─────────────────────────────────────────────────────────────────────────────────


def dry_run_text(settings: StageSettings, scripts: Iterable[Script]) -> str:
    """Everything apply would execute, as one SQL text (with the schema-history bookkeeping)."""
    parts = []
    if settings.placeholder:
        parts.append(
            f"-- PLACEHOLDER: no AWS account id was given (--aws-account-id or SHOPLAKE_AWS_ACCOUNT_ID).\n"
            f"-- {ACCOUNT_PLACEHOLDER} stands in for it below: this text is for reading, not for running.\n"
        )
    parts.append(
        f"-- shoplake snowflake apply --stage {settings.stage}: the scripts of snowflake/ in apply order.\n"
        f"-- Each run is recorded in {settings.history_table}, created after the first script:\n"
        + "\n".join(f"--   {line}" for line in history_ddl(settings).splitlines())
        + "\n"
    )
    for s in scripts:
        kind = f"versioned, version {s.version}" if s.kind == "V" else "repeatable"
        parts.append(f"-- ─── {s.name} ({kind}, sha256 {s.checksum}) ───\n{s.sql}")
    return "\n".join(parts)


def apply(
    connect: Callable[[], Any],
    scripts: list[Script],
    settings: StageSettings,
    *,
    dry_run: bool = False,
    target: int | None = None,
    echo: Callable[[str], None] = print,
) -> list[Script]:
    """Apply the pending scripts in order and record each in the schema history; return them.

    ``dry_run`` prints every script (up to ``target``) and connects to nothing. Snowflake DDL is
    not transactional: a failing statement leaves the statements before it applied, the failure
    is recorded, and the next apply runs the script again (scripts are written to be re-runnable).
    """
    if dry_run:
        # What a first apply would run: the same selection as pending_scripts with no history.
        echo(dry_run_text(settings, pending_scripts(scripts, [], target)))
        return []
    if settings.placeholder:
        raise ConfigurationError("the AWS account id is a placeholder: only a dry run can use it")

    conn = connect()
    try:
        cur = conn.cursor()
        history = SchemaHistory(cur, settings)
        pending = pending_scripts(scripts, history.load(), target)
        if not pending:
            echo(f"{settings.database}: up to date ({len(scripts)} scripts)")
        for script in pending:
            started = time.monotonic()
            try:
                for statement in script.statements():
                    cur.execute(statement)
            except Exception as exc:
                millis = round((time.monotonic() - started) * 1000)
                if history.exists:
                    history.record(script, millis, success=False)
                raise ScriptFailed(f"{script.name} failed (recorded, run apply again once fixed): {exc}") from exc
            millis = round((time.monotonic() - started) * 1000)
            if not history.exists:
                # First run: the database (V1) exists now, and the history with it.
                history.create()
            history.record(script, millis, success=True)
            echo(f"applied {script.name} ({millis} ms)")
        return pending
    finally:
        conn.close()


# ─── connections ───────────────────────────────────────────────────────────────────────────


def connect_from_env(
    environ: dict[str, str] | None = None, *, query_tag: str = "shoplake snowflake apply", **options: Any
):
    """A Snowflake connection from SNOWFLAKE_* environment variables (credentials never in code).

    ``options`` go to the connector as they are (database, warehouse, paramstyle, ...).

    SNOWFLAKE_ACCOUNT and SNOWFLAKE_USER, then one of SNOWFLAKE_PRIVATE_KEY_PATH (with
    SNOWFLAKE_PRIVATE_KEY_PASSPHRASE if encrypted), SNOWFLAKE_PASSWORD or SNOWFLAKE_AUTHENTICATOR
    (e.g. externalbrowser). SNOWFLAKE_ROLE is optional: the scripts switch roles themselves, but
    the user must hold them (ACCOUNTADMIN does: it inherits SYSADMIN and SECURITYADMIN).
    """
    env = os.environ if environ is None else environ
    missing = [k for k in ("SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER") if not env.get(k)]
    if missing:
        raise ConfigurationError(f"set {' and '.join(missing)} (see snowflake/README.md)")
    kwargs: dict[str, Any] = {
        "account": env["SNOWFLAKE_ACCOUNT"],
        "user": env["SNOWFLAKE_USER"],
        "application": "shoplake",
        "session_parameters": {"QUERY_TAG": query_tag},
        **options,
    }
    if env.get("SNOWFLAKE_ROLE"):
        kwargs["role"] = env["SNOWFLAKE_ROLE"]
    if env.get("SNOWFLAKE_PRIVATE_KEY_PATH"):
        kwargs["private_key_file"] = env["SNOWFLAKE_PRIVATE_KEY_PATH"]
        if env.get("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"):
            kwargs["private_key_file_pwd"] = env["SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"]
    elif env.get("SNOWFLAKE_PASSWORD"):
        kwargs["password"] = env["SNOWFLAKE_PASSWORD"]
    elif env.get("SNOWFLAKE_AUTHENTICATOR"):
        kwargs["authenticator"] = env["SNOWFLAKE_AUTHENTICATOR"]
    else:
        raise ConfigurationError(
            "set SNOWFLAKE_PRIVATE_KEY_PATH, SNOWFLAKE_PASSWORD or SNOWFLAKE_AUTHENTICATOR (see snowflake/README.md)"
        )
    import snowflake.connector

    return snowflake.connector.connect(**kwargs)


def connection_factory(secret_name: str | None) -> Callable[[], Any]:
    if secret_name:
        from shoplake.core.warehouse.snowflake import connect_from_secret

        # The database may not exist yet (first run): connect without one; scripts qualify every name.
        return lambda: connect_from_secret(secret_name, None)
    return connect_from_env


# ─── values for the AWS side (the second step of the storage-integration setup) ───────────


def deploy_params(connect: Callable[[], Any], settings: StageSettings) -> dict[str, str]:
    """The serverless params Snowflake decides: the integration's IAM user and external ID, and
    (once AUTO_REFRESH external tables exist) the SQS channel the processed bucket notifies."""
    conn = connect()
    try:
        cur = conn.cursor()
        cur.execute(f"USE ROLE {settings.integration_admin_role}")
        cur.execute(f"DESC INTEGRATION {settings.integration}")
        props = {row[0]: row[2] for row in cur.fetchall()}
        out = {
            "snowflakeIamUserArn": props["STORAGE_AWS_IAM_USER_ARN"],
            "snowflakeExternalId": props["STORAGE_AWS_EXTERNAL_ID"],
        }
        cur.execute(f"SHOW EXTERNAL TABLES IN SCHEMA {settings.database}.{settings.raw_schema}")
        columns = [d[0].lower() for d in cur.description]
        channels = {row[columns.index("notification_channel")] for row in cur.fetchall()} - {None, ""}
        if len(channels) > 1:
            raise ConfigurationError(f"external tables report different notification channels: {sorted(channels)}")
        if channels:
            out["snowflakeS3NotificationChannel"] = channels.pop()
        return out
    finally:
        conn.close()


# ─── CLI: `shoplake snowflake …` ───────────────────────────────────────────────────────────

_stage_option = click.option("--stage", required=True, help="Stage of serverless.yml (dev, prod).")
_account_option = click.option(
    "--aws-account-id",
    envvar="SHOPLAKE_AWS_ACCOUNT_ID",
    help="AWS account of the stage (names the processed bucket and the integration's role). "
    "Env: SHOPLAKE_AWS_ACCOUNT_ID.",
)
_secret_option = click.option(
    "--secret-name",
    help="Secrets Manager secret (JSON: account, user, role, password or private_key) of an admin user. "
    "Default: SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER, SNOWFLAKE_PASSWORD or SNOWFLAKE_PRIVATE_KEY_PATH, SNOWFLAKE_ROLE.",
)


@click.group("snowflake")
def snowflake_cli() -> None:
    """Snowflake platform objects: database, roles, storage integration, stage, external tables."""


@snowflake_cli.command("apply")
@_stage_option
@_account_option
@click.option("--dry-run", is_flag=True, help="Print the SQL of every script; connect to nothing.")
@click.option("--target", type=click.IntRange(min=1), help="Apply versioned scripts up to this version only.")
@_secret_option
def apply_command(
    stage: str, aws_account_id: str | None, dry_run: bool, target: int | None, secret_name: str | None
) -> None:
    """Apply the scripts of snowflake/ to a stage, in order, recording each in the schema history."""
    try:
        settings = load_settings(stage, aws_account_id, placeholder=dry_run)
        scripts = render_scripts(settings)
        if dry_run and settings.placeholder:
            click.echo(f"warning: no AWS account id: {ACCOUNT_PLACEHOLDER} is a placeholder in this SQL", err=True)
        apply(
            connection_factory(secret_name),
            scripts,
            settings,
            dry_run=dry_run,
            target=target,
            echo=click.echo if dry_run else lambda m: click.echo(m, err=True),
        )
    except (ShoplakeError, KeyError) as exc:
        raise click.ClickException(str(exc)) from exc


@snowflake_cli.command("deploy-params")
@_stage_option
@_account_option
@_secret_option
def deploy_params_command(stage: str, aws_account_id: str | None, secret_name: str | None) -> None:
    """Print the --param flags of `sls deploy` that only Snowflake knows (after `apply`)."""
    try:
        settings = load_settings(stage, aws_account_id)
        params = deploy_params(connection_factory(secret_name), settings)
    except (ShoplakeError, KeyError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(" ".join(f'--param "{k}={v}"' for k, v in params.items()))
    if "snowflakeS3NotificationChannel" not in params:
        click.echo("no external tables yet: run apply again after deploying the role", err=True)
