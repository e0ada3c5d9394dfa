"""``shoplake snowflake apply|deploy-params``."""

from __future__ import annotations

import click

from shoplake.core.errors import ShoplakeError
from shoplake.tooling.snowflake.apply import apply, connection_factory, deploy_params
from shoplake.tooling.snowflake.scripts import render_scripts
from shoplake.tooling.snowflake.settings import ACCOUNT_PLACEHOLDER, load_settings

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
