"""Snowflake platform DDL (snowflake/, shoplake/tooling/snowflake/): what is rendered per stage, that
Snowflake's dialect parses it, that the external tables are the dataset contract, and how `apply`
runs the scripts and keeps their history — against a fake Snowflake that answers like one."""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import sqlglot
import yaml
from click.testing import CliRunner
from snowflake.connector.errors import ProgrammingError
from sqlglot import exp

from shoplake.core import layout
from shoplake.core.contracts import PIPELINE_RUNS
from shoplake.core.errors import ConfigurationError
from shoplake.core.storage import S3Uri
from shoplake.core.warehouse.snowflake import SnowflakeWarehouse
from shoplake.datasets import DATASETS
from shoplake.datasets.reviews.contract import REVIEWS
from shoplake.tooling.cli import main
from shoplake.tooling.snowflake.apply import (
    ScriptFailed,
    apply,
    connect_from_env,
    deploy_params,
    dry_run_text,
    history_ddl,
    history_insert,
    history_select,
)
from shoplake.tooling.snowflake.external_tables import SNOWFLAKE_TYPES
from shoplake.tooling.snowflake.scripts import Applied, SchemaHistoryError, pending_scripts, render, render_scripts
from shoplake.tooling.snowflake.settings import ACCOUNT_PLACEHOLDER, StageSettings, ident, load_settings

REPO = Path(__file__).resolve().parents[2]
EXPECTED = Path(__file__).parent / "snowflake_expected"
ACCOUNT = "123456789012"
STAGES = ("dev", "prod")
SCRIPT_ORDER = [
    "V1__database_and_schemas.sql",
    "V2__roles.sql",
    "V3__storage_integration_and_stage.sql",
    "V4__external_tables.sql",
    "V5__silver_schema.sql",
    "V6__raw_views.sql",
    "R__external_tables.sql",
    "R__grants.sql",
    "R__warehouse.sql",
]
SID = "0123456789abcdef"
RUN = "reviews-20250101T000000Z-abc"


# ─── rendering ─────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("stage", STAGES)
def test_rendered_sql_is_exactly_the_reviewed_files(stage):
    scripts = render(stage, ACCOUNT)

    assert [s.name for s in scripts] == SCRIPT_ORDER
    # (R__external_tables.sql is generated from the contracts: the tests below check it table by table)
    expected = {p.name: p.read_text() for p in (EXPECTED / stage).glob("*.sql")}
    assert {s.name: s.sql for s in scripts if s.name != "R__external_tables.sql"} == expected


def test_stage_values_come_from_serverless_yml_resources_and_stages_yml():
    assert load_settings("prod", ACCOUNT) == StageSettings(
        stage="prod",
        database="SHOPLAKE",  # serverless.yml params.prod.snowflakeDatabase
        raw_schema="RAW",  # params.default.snowflakeSchema
        staging_schema="STAGING",
        marts_schema="MARTS",
        silver_schema="SILVER",
        stage_name="PROCESSED_STAGE",  # params.default.snowflakeStage
        warehouse="SHOPLAKE_PROD_WH",
        warehouse_size="SMALL",
        warehouse_auto_suspend_seconds=60,
        loader_role="SHOPLAKE_PROD_LOADER",
        transformer_role="SHOPLAKE_PROD_TRANSFORMER",
        reporter_role="SHOPLAKE_PROD_REPORTER",
        integration="SHOPLAKE_PROD_PROCESSED_S3",
        objects_admin_role="SYSADMIN",
        security_admin_role="SECURITYADMIN",
        integration_admin_role="ACCOUNTADMIN",
        processed_bucket="shoplake-prod-processed-123456789012",  # resources/buckets.yml
        storage_role_arn="arn:aws:iam::123456789012:role/shoplake-prod-snowflake-storage",  # resources/snowflake.yml
    )
    dev = load_settings("dev", ACCOUNT)
    assert (dev.database, dev.processed_bucket, dev.warehouse_size, dev.loader_role) == (
        "SHOPLAKE_DEV",
        "shoplake-dev-processed-123456789012",
        "XSMALL",
        "SHOPLAKE_DEV_LOADER",
    )


def test_the_snowflake_names_are_the_ones_the_refresh_function_uses():
    # The refresh function gets SNOWFLAKE_DATABASE / SNOWFLAKE_SCHEMA from the same params and
    # refreshes "<db>"."<schema>"."<TABLE>__SOURCES": the tables R__external_tables.sql creates.
    s = load_settings("prod", ACCOUNT)
    env = yaml.safe_load((REPO / "serverless.yml").read_text())["functions"]["refreshWarehouse"]["environment"]
    assert (env["SNOWFLAKE_DATABASE"], env["SNOWFLAKE_SCHEMA"], env["SNOWFLAKE_STAGE"]) == (
        "${param:snowflakeDatabase}",
        "${param:snowflakeSchema}",
        "${param:snowflakeStage}",
    )
    created = set(_external_tables(render("prod", ACCOUNT)))
    refreshed = {
        sql.split()[3]
        for sql, _ in SnowflakeWarehouse(None, s.database, s.raw_schema).refresh_statements(
            REVIEWS, "s3://b", {"source_id": SID}
        )
    }
    assert refreshed == {f'"SHOPLAKE"."RAW"."{t.name.upper()}__SOURCES"' for t in REVIEWS.tables}
    assert {name for name in created if name != PIPELINE_RUNS.name} == {
        f"{t.name}{kind}" for t in PUBLISHED for kind in ("__sources", "__segments")
    }


def test_a_dry_run_without_account_id_renders_a_marked_placeholder():
    s = load_settings("prod", None, placeholder=True)
    assert s.placeholder
    assert s.processed_bucket == f"shoplake-prod-processed-{ACCOUNT_PLACEHOLDER}"
    text = dry_run_text(s, render_scripts(s))
    assert text.startswith("-- PLACEHOLDER: no AWS account id was given")
    assert f"STORAGE_AWS_ROLE_ARN = 'arn:aws:iam::{ACCOUNT_PLACEHOLDER}:role/shoplake-prod-snowflake-storage'" in text
    # … and nothing but a dry run accepts it.
    with pytest.raises(ConfigurationError, match="placeholder"):
        apply(_no_connection, render_scripts(s), s)


@pytest.mark.parametrize(
    ("account", "message"),
    [(None, "AWS account id is required"), ("", "AWS account id is required"), ("12345", "not an AWS account id")],
)
def test_the_account_id_is_required_and_checked(account, message):
    with pytest.raises(ConfigurationError, match=message):
        load_settings("prod", account)


def test_an_unknown_stage_is_refused():
    with pytest.raises(ConfigurationError, match=r"unknown stage 'staging'.*\['dev', 'prod'\]"):
        render("staging", ACCOUNT)


@pytest.mark.parametrize(
    "name", ['RAW"; DROP DATABASE SHOPLAKE; --', "raw.reviews", "", "1abc", "a b", "x-y", "naïve", None, 42]
)
def test_identifiers_must_be_plain_names(name):
    with pytest.raises(ConfigurationError, match="not a plain Snowflake identifier"):
        ident(name, "test")


def test_plain_identifiers_are_upper_cased():
    assert ident("shoplake_dev", "test") == "SHOPLAKE_DEV"


def _copy_config(tmp_path: Path) -> Path:
    for rel in ("serverless.yml", "resources/buckets.yml", "resources/snowflake.yml"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / rel, tmp_path / rel)
    shutil.copytree(REPO / "snowflake", tmp_path / "snowflake")
    return tmp_path


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "serverless.yml",
            "snowflakeDatabase: SHOPLAKE\n",
            "snowflakeDatabase: 'SHOPLAKE; DROP DATABASE X'\n",
            "snowflakeDatabase.*not a plain Snowflake identifier",
        ),
        (
            "serverless.yml",
            "snowflakeDatabase: SHOPLAKE\n",
            "snowflakeDatabase: ${opt:db}\n",
            "must be a plain value",
        ),
        (
            "serverless.yml",
            "snowflakeStage: RAW.PROCESSED_STAGE",
            "snowflakeStage: OTHER.PROCESSED_STAGE",
            "snowflakeStage must be <snowflakeSchema>.<name>",
        ),
        (
            "snowflake/stages.yml",
            "accountObjectPrefix: SHOPLAKE_PROD",
            'accountObjectPrefix: "SHOPLAKE_PROD\'"',
            "accountObjectPrefix.*not a plain Snowflake identifier",
        ),
        ("snowflake/stages.yml", "warehouseSize: SMALL", "warehouseSize: HUGE", "warehouseSize"),
        (
            "resources/buckets.yml",
            "${self:service}-${sls:stage}-processed-${AWS::AccountId}",
            "${self:service}-${sls:stage}-processed-${AWS::Region}",
            "cannot resolve",
        ),
    ],
)
def test_configuration_is_validated_before_rendering(tmp_path, file, old, new, message):
    root = _copy_config(tmp_path)
    text = (root / file).read_text()
    assert old in text
    (root / file).write_text(text.replace(old, new))
    with pytest.raises(ConfigurationError, match=message):
        render("prod", ACCOUNT, root=root)


def test_templates_use_no_undefined_variable(tmp_path):
    root = _copy_config(tmp_path)
    (root / "snowflake" / "R__typo.sql").write_text("USE ROLE {{ objects_admin_roel }};\n")
    import jinja2

    with pytest.raises(jinja2.UndefinedError, match="objects_admin_roel"):
        render("prod", ACCOUNT, root=root)


def test_script_names_are_checked(tmp_path):
    root = _copy_config(tmp_path)
    (root / "snowflake" / "V5_missing_underscore.sql").write_text("SELECT 1;\n")
    with pytest.raises(ConfigurationError, match="V5_missing_underscore.sql: script names are"):
        render("prod", ACCOUNT, root=root)


# ─── sqlglot, Snowflake dialect ────────────────────────────────────────────────────────────

# Valid Snowflake statements that sqlglot 30.22 cannot parse into a syntax tree: it falls back to
# an opaque exp.Command holding the text. Everything else must parse into a real tree.
SQLGLOT_UNPARSED = (
    "CREATE ROLE IF NOT EXISTS ",
    "GRANT ROLE ",
    "GRANT OWNERSHIP ON EXTERNAL TABLE ",
    "GRANT OWNERSHIP ON VIEW ",
    "DROP EXTERNAL TABLE IF EXISTS ",
    "GRANT SELECT ON ALL ",
    "GRANT SELECT ON FUTURE ",
    "ALTER WAREHOUSE ",
)


def _kind(tree: exp.Expression, statement: str) -> str:
    if isinstance(tree, exp.Command):
        prefixes = [p for p in SQLGLOT_UNPARSED if statement.startswith(p)]
        assert prefixes, f"sqlglot could not parse: {statement}"
        return f"unparsed {prefixes[0].strip()}"
    if isinstance(tree, exp.Create):
        external = " EXTERNAL" if tree.find(exp.ExternalProperty) else ""
        return f"CREATE{external} {tree.kind}"
    return type(tree).__name__.upper()


@pytest.mark.parametrize("stage", STAGES)
def test_every_statement_parses_in_sqlglots_snowflake_dialect(stage):
    kinds = Counter()
    for script in render(stage, ACCOUNT):
        for statement in script.statements():
            kinds[_kind(sqlglot.parse_one(statement, read="snowflake"), statement)] += 1

    # V4 created the reviews tables and V6 drops them; R__external_tables creates, per contract
    # table, the external tables over its sources' files and its segments and the view dbt reads,
    # and pipeline_runs, and hands each to the loader.
    generated = 2 * len(PUBLISHED) + 1
    assert kinds == {
        "USE": 10,
        "CREATE DATABASE": 1,
        "CREATE SCHEMA": 4,
        "CREATE WAREHOUSE": 1,
        "CREATE STORAGE INTEGRATION": 1,
        "CREATE FILE FORMAT": 2,
        "CREATE STAGE": 1,
        "CREATE EXTERNAL TABLE": 4 + generated,
        "CREATE VIEW": len(PUBLISHED),
        "GRANT": 17,
        "unparsed CREATE ROLE IF NOT EXISTS": 3,
        "unparsed GRANT ROLE": 3,
        "unparsed GRANT OWNERSHIP ON EXTERNAL TABLE": 4 + generated,
        "unparsed GRANT OWNERSHIP ON VIEW": len(PUBLISHED),
        "unparsed DROP EXTERNAL TABLE IF EXISTS": len(PUBLISHED),
        "unparsed GRANT SELECT ON ALL": 4,
        "unparsed GRANT SELECT ON FUTURE": 4,
        "unparsed ALTER WAREHOUSE": 1,
    }


def test_schema_history_sql_parses():
    s = load_settings("prod", ACCOUNT)
    ddl = sqlglot.parse_one(history_ddl(s), read="snowflake")
    assert isinstance(ddl, exp.Create) and ddl.this.this.sql("snowflake") == "SHOPLAKE.PUBLIC.SHOPLAKE_SCHEMA_HISTORY"
    assert [c.name for c in ddl.this.expressions] == [
        "installed_rank",
        "version",
        "description",
        "type",
        "script",
        "checksum",
        "installed_by",
        "installed_on",
        "execution_time_ms",
        "success",
    ]
    insert = history_insert(s) % ("'1'", "'x'", "'V'", "'V1__x.sql'", "'abc'", "12", "TRUE")
    assert isinstance(sqlglot.parse_one(insert, read="snowflake"), exp.Insert)
    assert isinstance(sqlglot.parse_one(history_select(s), read="snowflake"), exp.Select)


# ─── the external tables are the dataset contract ──────────────────────────────────────────

PUBLISHED = [t for ds in DATASETS.values() for t in ds.tables]


def _external_tables(scripts) -> dict[str, exp.Create]:
    """The external tables the scripts leave, by lower-case name: each one's latest CREATE
    EXTERNAL TABLE, unless a later DROP EXTERNAL TABLE removed it."""
    out = {}
    for script in scripts:
        for statement in script.statements():
            if statement.startswith("DROP EXTERNAL TABLE IF EXISTS "):
                out.pop(statement.removesuffix(";").rsplit(".", 1)[1].lower(), None)
                continue
            tree = sqlglot.parse_one(statement, read="snowflake")
            if isinstance(tree, exp.Create) and tree.find(exp.ExternalProperty):
                out[tree.this.this.name.lower()] = tree
    return out


def _views(scripts) -> dict[str, exp.Create]:
    out = {}
    for script in scripts:
        for statement in script.statements():
            tree = sqlglot.parse_one(statement, read="snowflake")
            if isinstance(tree, exp.Create) and tree.kind == "VIEW":
                out[tree.this.this.name.lower()] = tree
    return out


def _property(tree: exp.Create, name: str):
    for p in tree.args["properties"].expressions:
        if isinstance(p, exp.Property) and p.name.upper() == name:
            return p.args["value"]
    raise KeyError(name)


def _type(neutral: str) -> str:
    return exp.DataType.build(SNOWFLAKE_TYPES[neutral], dialect="snowflake").sql("snowflake")


# A partition value of each partition type, as Spark writes it into a path.
PARTITION_VALUES = {"int": "2014", "string": "2024-02", "date": "2024-02-10"}


def _sample_key(table, value: str | None = None) -> str:
    prefix = S3Uri.parse(layout.run_prefix("s3://shoplake-prod-processed-1", table.name, SID, RUN)).key
    value = value or PARTITION_VALUES.get(table.partition_type)
    part = f"{table.partition_by}={value}/" if table.partition_by else ""
    return f"{prefix}{part}part-00000-6f1c.c000.snappy.parquet"


SEGMENT = "20261204T013912598274Z-f548ed75"


def _segment_key(table) -> str:
    return S3Uri.parse(layout.segment_prefix("s3://shoplake-prod-processed-1", table.name, SEGMENT)).key + (
        "part-00000.parquet"
    )


KINDS = ("__sources", "__segments")
PUBLISHED_KINDS = [(t, kind) for t in PUBLISHED for kind in KINDS]


def _ids(value):
    return value.name if hasattr(value, "name") else value


@pytest.fixture(scope="module")
def external_tables() -> dict[str, exp.Create]:
    return _external_tables(render("prod", ACCOUNT))


@pytest.fixture(scope="module")
def views() -> dict[str, exp.Create]:
    return _views(render("prod", ACCOUNT))


def test_two_external_tables_and_a_view_per_published_table_and_one_for_pipeline_runs(external_tables, views):
    assert sorted(external_tables) == sorted([f"{t.name}{k}" for t, k in PUBLISHED_KINDS] + [PIPELINE_RUNS.name])
    assert sorted(views) == sorted(t.name for t in PUBLISHED)


def test_every_contract_type_has_a_snowflake_type():
    used = {c.type for t in [*PUBLISHED, PIPELINE_RUNS] for c in t.columns}
    used |= {t.partition_type for t in PUBLISHED if t.partition_by}
    assert used <= set(SNOWFLAKE_TYPES)


@pytest.mark.parametrize(("table", "kind"), PUBLISHED_KINDS, ids=_ids)
def test_external_table_columns_are_the_contracts(external_tables, table, kind):
    tree = external_tables[table.name + kind]
    expected = [(c.name, _type(c.type)) for c in table.columns]
    if table.partition_by:
        expected.append((table.partition_by, _type(table.partition_type)))
    expected.append(("source_id" if kind == "__sources" else "segment_id", "VARCHAR"))
    assert [(c.name, c.args["kind"].sql("snowflake")) for c in tree.this.expressions] == expected


def test_pipeline_runs_columns_are_the_contracts(external_tables):
    tree = external_tables[PIPELINE_RUNS.name]
    expected = [(c.name, _type(c.type)) for c in PIPELINE_RUNS.columns]
    assert [(c.name, c.args["kind"].sql("snowflake")) for c in tree.this.expressions] == expected


@pytest.mark.parametrize(("table", "kind"), PUBLISHED_KINDS, ids=_ids)
def test_parquet_columns_read_the_field_of_the_same_name_with_the_declared_type(external_tables, table, kind):
    tree = external_tables[table.name + kind]
    exprs = {c.name: c.find(exp.ComputedColumnConstraint).this.sql("snowflake") for c in tree.this.expressions}
    for c in table.columns:
        want = sqlglot.parse_one(f"(VALUE:{c.name}::{SNOWFLAKE_TYPES[c.type]})", read="snowflake")
        assert exprs[c.name] == want.sql("snowflake"), c.name


def test_pipeline_runs_columns_read_the_run_manifest_fields(external_tables):
    tree = external_tables[PIPELINE_RUNS.name]
    exprs = {c.name: c.find(exp.ComputedColumnConstraint).this.sql("snowflake") for c in tree.this.expressions}
    # Where each column sits in a run manifest (shoplake/core/layout.py, written by the flatten job).
    paths = {c.name: c.name for c in PIPELINE_RUNS.columns}
    paths |= {k: f"counts.{k}" for k in ("records_read", "processed", "quarantined", "duplicates")}
    paths |= {k: f"timings.{k}" for k in ("clean_seconds", "flatten_seconds")}
    for c in PIPELINE_RUNS.columns:
        if c.name == "committed_at":
            want = "(CONVERT_TIMEZONE('UTC', VALUE:committed_at::TIMESTAMP_TZ)::TIMESTAMP_NTZ)"
        else:
            want = f"(VALUE:{paths[c.name]}::{SNOWFLAKE_TYPES[c.type]})"
        assert exprs[c.name] == sqlglot.parse_one(want, read="snowflake").sql("snowflake"), c.name


@pytest.mark.parametrize(("table", "kind"), [*PUBLISHED_KINDS, (PIPELINE_RUNS, "")], ids=_ids)
def test_external_tables_read_the_stage_root_and_refresh_automatically(external_tables, table, kind):
    tree = external_tables[table.name + kind]
    loc = tree.find(exp.LocationProperty).this.sql("snowflake")
    assert loc == "@SHOPLAKE.RAW.PROCESSED_STAGE/"
    fmt = "JSON_FORMAT" if table is PIPELINE_RUNS else "PARQUET_FORMAT"
    assert tree.find(exp.FileFormatProperty).sql("snowflake") == f"FILE_FORMAT=(FORMAT_NAME='SHOPLAKE.RAW.{fmt}')"
    assert _property(tree, "AUTO_REFRESH") == exp.Boolean(this=True)
    assert _property(tree, "REFRESH_ON_CREATE") == exp.Boolean(this=True)
    partitioned = tree.find(exp.PartitionedByProperty)
    if kind == "__sources":
        want = [*([table.partition_by] if table.partition_by else []), "source_id"]
        assert [e.name for e in partitioned.this.expressions] == want
    elif kind == "__segments":
        assert [e.name for e in partitioned.this.expressions] == ["segment_id"]
    else:
        assert partitioned is None


@pytest.mark.parametrize("table", PUBLISHED, ids=lambda t: t.name)
def test_pattern_matches_exactly_the_tables_published_parquet_files(external_tables, table):
    sources = _property(external_tables[table.name + "__sources"], "PATTERN").this
    segments = _property(external_tables[table.name + "__segments"], "PATTERN").this
    # Snowflake matches PATTERN against the whole path; these regexes mean the same in Python.
    assert re.fullmatch(sources, _sample_key(table))
    assert re.fullmatch(segments, _segment_key(table))
    others = [k for t in PUBLISHED if t is not table for k in (_sample_key(t), _segment_key(t))]
    not_published = [
        _sample_key(table).rsplit("/", 1)[0] + "/_SUCCESS",
        _sample_key(table).removesuffix(".parquet") + ".crc",
        f"_work/reviews/{RUN}/clean/part-00000.parquet",
        S3Uri.parse(layout.source_manifest_uri("s3://b", "reviews", SID)).key,
        S3Uri.parse(layout.segment_manifest_uri("s3://b", "reviews", SEGMENT)).key,
    ]
    # each file is read by one external table: a segment never through the sources' table
    assert [k for k in [*others, *not_published, _segment_key(table)] if re.fullmatch(sources, k)] == []
    assert [k for k in [*others, *not_published, _sample_key(table)] if re.fullmatch(segments, k)] == []


def test_pipeline_runs_pattern_matches_run_manifests_only(external_tables):
    pattern = _property(external_tables[PIPELINE_RUNS.name], "PATTERN").this
    run_manifests = [S3Uri.parse(layout.run_manifest_uri("s3://b", ds, RUN)).key for ds in (*DATASETS, "orders")]
    assert all(re.fullmatch(pattern, k) for k in run_manifests)
    assert not re.fullmatch(pattern, S3Uri.parse(layout.source_manifest_uri("s3://b", "reviews", SID)).key)
    assert not re.fullmatch(pattern, f"_work/reviews/{RUN}/clean_manifest.json")


def _path_column(tree: exp.Create, name: str, key: str) -> str:
    (column,) = [c for c in tree.this.expressions if c.name == name]
    regexp = column.find(exp.RegexpExtract)
    assert regexp.this.sql("snowflake") == "METADATA$FILENAME"
    assert regexp.args["group"] == exp.Literal.number(1)
    return re.search(regexp.expression.this, key).group(1)


@pytest.mark.parametrize("table", [t for t in PUBLISHED if t.partition_by], ids=lambda t: t.name)
def test_partition_column_is_read_from_the_path(external_tables, table):
    # The path of a published file (as the refresh function and METADATA$FILENAME see it) gives its value.
    value = {"int": "2009", "string": "2009-07", "date": "2009-07-31"}[table.partition_type]
    assert _path_column(external_tables[table.name + "__sources"], table.partition_by, _sample_key(table, value)) == (
        value
    )


@pytest.mark.parametrize("table", PUBLISHED, ids=lambda t: t.name)
def test_the_source_and_the_segment_of_a_file_are_read_from_its_path(external_tables, table):
    assert _path_column(external_tables[table.name + "__sources"], "source_id", _sample_key(table)) == SID
    assert _path_column(external_tables[table.name + "__segments"], "segment_id", _segment_key(table)) == SEGMENT


@pytest.mark.parametrize("table", PUBLISHED, ids=lambda t: t.name)
def test_each_view_reads_the_contract_columns_of_every_sources_files_until_the_refresh_narrows_it(views, table):
    select = views[table.name].expression
    assert [c.name for c in select.expressions] == [c.name for c in table.columns] + (
        [table.partition_by] if table.partition_by else []
    )
    assert select.args["from_"].this.sql("snowflake") == f"SHOPLAKE.RAW.{table.name.upper()}__SOURCES"
    assert select.args.get("where") is None


def test_files_the_refresh_function_refreshes_are_files_the_tables_read(external_tables):
    # The refresh function's REFRESH path (relative to the stage root) holds the table's files.
    wh = SnowflakeWarehouse(None, "SHOPLAKE", "RAW")
    statements = wh.refresh_statements(REVIEWS, "s3://shoplake-prod-processed-1", {"source_id": SID})
    for table, (_, (path,)) in zip(REVIEWS.tables, statements, strict=True):
        pattern = _property(external_tables[table.name + "__sources"], "PATTERN").this
        key = _sample_key(table)
        assert key.startswith(path) and re.fullmatch(pattern, key)


# ─── resources/snowflake.yml (the packaged template is checked by test_cloud_definition.py) ──


def test_storage_role_reads_every_published_prefix_and_the_run_manifests_only():
    role = yaml.safe_load((REPO / "resources" / "snowflake.yml").read_text())["Resources"]["SnowflakeStorageRole"]
    assert role["Condition"] == "HasSnowflakeStorageTrust"
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": {"Ref": "SnowflakeIamUserArn"}}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": {"Ref": "SnowflakeExternalId"}}}
    (policy,) = role["Properties"]["Policies"]
    # per-dataset lists come from the generated resources/datasets.yml (${file(...):key})
    generated = yaml.safe_load((REPO / "resources" / "datasets.yml").read_text())
    for st in policy["PolicyDocument"]["Statement"]:
        if isinstance(st["Resource"], str) and st["Resource"].startswith("${file(resources/datasets.yml):"):
            st["Resource"] = generated[st["Resource"].removeprefix("${file(resources/datasets.yml):").rstrip("}")]
    grants = {
        (action, json_resource)
        for st in policy["PolicyDocument"]["Statement"]
        for action in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])
        for json_resource in [
            r.get("Fn::Sub", str(r)) for r in (st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]])
        ]
    }
    assert grants == {
        *{("s3:GetObject", f"${{ProcessedBucket.Arn}}/{t.name}/*") for t in PUBLISHED},
        ("s3:GetObject", "${ProcessedBucket.Arn}/_manifests/*/runs/*"),
        ("s3:GetObject", "${ProcessedBucket.Arn}/_segments/*"),
        ("s3:ListBucket", "{'Fn::GetAtt': ['ProcessedBucket', 'Arn']}"),
        ("s3:GetBucketLocation", "{'Fn::GetAtt': ['ProcessedBucket', 'Arn']}"),
    }


def test_serverless_registers_the_snowflake_resources_and_their_params():
    sls = yaml.safe_load((REPO / "serverless.yml").read_text())
    assert "${file(resources/snowflake.yml)}" in sls["resources"]
    assert (sls["params"]["default"]["snowflakeIamUserArn"], sls["params"]["default"]["snowflakeExternalId"]) == (
        "",
        "",
    )


# ─── apply, against a fake Snowflake ───────────────────────────────────────────────────────


class FakeSnowflake:
    """A Snowflake account as `apply` sees it.

    Answers SHOW DATABASES / SHOW TABLES with Snowflake's columns (created_on, name, …; LIKE is
    case-insensitive with `_` and `%` wildcards), keeps the history table's rows (an INSERT needs
    a current warehouse, like in Snowflake), creates databases and warehouses the scripts create,
    and fails a statement on demand. Every other statement is recorded, not interpreted.
    """

    def __init__(self):
        self.databases: set[str] = set()
        self.warehouses: set[str] = set()
        self.history: list[tuple] | None = None  # (installed_rank, version, script, checksum, success)
        self.executed: list[str] = []
        self.fail_on: str | None = None
        self.open_connections = 0

    def connect(self):
        self.open_connections += 1
        return FakeConnection(self)


class FakeConnection:
    def __init__(self, account: FakeSnowflake):
        self.account = account

    def cursor(self):
        return FakeCursor(self.account)

    def close(self):
        self.account.open_connections -= 1


def _like(pattern: str, name: str) -> bool:
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, name, re.IGNORECASE) is not None


class FakeCursor:
    def __init__(self, account: FakeSnowflake):
        self.a = account
        self.description = None
        self._rows: list[tuple] = []
        self.warehouse: str | None = None

    def execute(self, sql: str, params=None):
        a = self.a
        a.executed.append(sql)
        self.description, self._rows = None, []
        if a.fail_on and a.fail_on in sql:
            raise ProgrammingError(msg="Failure using stage area. Cause: [Access Denied (Status Code: 403)]")
        if m := re.match(r"CREATE DATABASE IF NOT EXISTS (\w+)", sql):
            a.databases.add(m[1])
        elif m := re.match(r"CREATE WAREHOUSE IF NOT EXISTS (\w+)", sql):
            a.warehouses.add(m[1])
        elif m := re.match(r"USE WAREHOUSE (\w+)$", sql):
            if m[1] not in a.warehouses:
                raise ProgrammingError(msg=f"Object does not exist, or operation cannot be performed: {m[1]}")
            self.warehouse = m[1]
        elif m := re.match(r"SHOW DATABASES LIKE '(\w+)'$", sql):
            self.description = [("created_on",), ("name",), ("is_default",), ("is_current",), ("origin",)]
            self._rows = [("2026-01-01", db, "N", "N", "") for db in sorted(a.databases) if _like(m[1], db)]
        elif m := re.match(r"SHOW TABLES LIKE '(\w+)' IN SCHEMA (\w+)\.PUBLIC$", sql):
            if m[2] not in a.databases:
                raise ProgrammingError(msg=f"Schema '{m[2]}.PUBLIC' does not exist or not authorized.")
            self.description = [("created_on",), ("name",), ("database_name",), ("schema_name",), ("kind",)]
            found = a.history is not None and _like(m[1], "SHOPLAKE_SCHEMA_HISTORY")
            self._rows = [("2026-01-01", "SHOPLAKE_SCHEMA_HISTORY", m[2], "PUBLIC", "TABLE")] if found else []
        elif m := re.match(r"CREATE TABLE IF NOT EXISTS (\w+)\.PUBLIC\.SHOPLAKE_SCHEMA_HISTORY", sql):
            if m[1] not in a.databases:
                raise ProgrammingError(msg=f"Schema '{m[1]}.PUBLIC' does not exist or not authorized.")
            a.history = a.history if a.history is not None else []
        elif sql.startswith("INSERT INTO ") and "SHOPLAKE_SCHEMA_HISTORY" in sql:
            if self.warehouse is None:
                raise ProgrammingError(msg="No active warehouse selected in the current session.")
            version, _description, _type, script, checksum, _ms, success = params
            a.history.append((len(a.history) + 1, version, script, checksum, success))
        elif sql.startswith("SELECT version, script, checksum, success FROM"):
            if self.warehouse is None:
                raise ProgrammingError(msg="No active warehouse selected in the current session.")
            self.description = [("VERSION",), ("SCRIPT",), ("CHECKSUM",), ("SUCCESS",)]
            self._rows = [row[1:] for row in sorted(a.history)]
        return self

    def fetchall(self):
        return self._rows


def _no_connection():
    raise AssertionError("must not connect")


@pytest.fixture
def prod():
    settings = load_settings("prod", ACCOUNT)
    return settings, render_scripts(settings)


def _outline(executed: list[str], scripts) -> list[str]:
    """The executed statements, each complete run of a script's statements folded into its name.

    Script statements end with their semicolon; apply's own bookkeeping statements do not.
    """
    out: list[str] = []
    run: list[str] = []

    def flush():
        if run:
            names = [s.name for s in scripts if s.statements() == run]
            out.append(names[0] if names else f"<partial run of {len(run)} statements>")
            run.clear()

    for sql in executed:
        if sql.endswith(";"):
            run.append(sql)
        else:
            flush()
            out.append(" ".join(sql.split())[:80])
    flush()
    return out


def _history(account, scripts):
    by_name = {s.name: s for s in scripts}
    return [(v, name, checksum == by_name[name].checksum, ok) for _, v, name, checksum, ok in account.history]


READ_HISTORY = [
    "USE ROLE SYSADMIN",
    "SHOW DATABASES LIKE 'SHOPLAKE'",
    "SHOW TABLES LIKE 'SHOPLAKE_SCHEMA_HISTORY' IN SCHEMA SHOPLAKE.PUBLIC",
    "USE WAREHOUSE SHOPLAKE_PROD_WH",
    "SELECT version, script, checksum, success FROM SHOPLAKE.PUBLIC.SHOPLAKE_SCHEMA_H",
]
RECORD = [
    "USE ROLE SYSADMIN",
    "USE WAREHOUSE SHOPLAKE_PROD_WH",
    "INSERT INTO SHOPLAKE.PUBLIC.SHOPLAKE_SCHEMA_HISTORY (version, description, type,",
]


def test_first_apply_runs_every_script_in_order_and_records_it(prod):
    settings, scripts = prod
    account = FakeSnowflake()

    applied = apply(account.connect, scripts, settings, echo=lambda _: None)

    assert [s.name for s in applied] == SCRIPT_ORDER
    # No database yet: V1 runs first, then the history table is created in the new database.
    assert _outline(account.executed, scripts) == [
        "USE ROLE SYSADMIN",
        "SHOW DATABASES LIKE 'SHOPLAKE'",
        "V1__database_and_schemas.sql",
        "USE ROLE SYSADMIN",
        "CREATE TABLE IF NOT EXISTS SHOPLAKE.PUBLIC.SHOPLAKE_SCHEMA_HISTORY ( installed_r",
        *RECORD,
        "V2__roles.sql",
        *RECORD,
        "V3__storage_integration_and_stage.sql",
        *RECORD,
        "V4__external_tables.sql",
        *RECORD,
        "V5__silver_schema.sql",
        *RECORD,
        "V6__raw_views.sql",
        *RECORD,
        "R__external_tables.sql",
        *RECORD,
        "R__grants.sql",
        *RECORD,
        "R__warehouse.sql",
        *RECORD,
    ]
    # Every statement of every script ran, in script order.
    script_statements = [stmt for s in scripts for stmt in s.statements()]
    assert [sql for sql in account.executed if sql in set(script_statements)] == script_statements
    assert _history(account, scripts) == [
        ("1", "V1__database_and_schemas.sql", True, True),
        ("2", "V2__roles.sql", True, True),
        ("3", "V3__storage_integration_and_stage.sql", True, True),
        ("4", "V4__external_tables.sql", True, True),
        ("5", "V5__silver_schema.sql", True, True),
        ("6", "V6__raw_views.sql", True, True),
        (None, "R__external_tables.sql", True, True),
        (None, "R__grants.sql", True, True),
        (None, "R__warehouse.sql", True, True),
    ]
    assert account.open_connections == 0


def test_second_apply_changes_nothing(prod):
    settings, scripts = prod
    account = FakeSnowflake()
    apply(account.connect, scripts, settings, echo=lambda _: None)
    history_before, account.executed = list(account.history), []
    messages = []

    applied = apply(account.connect, scripts, settings, echo=messages.append)

    assert applied == []
    assert _outline(account.executed, scripts) == READ_HISTORY
    assert account.history == history_before
    assert messages == ["SHOPLAKE: up to date (9 scripts)"]


def test_an_applied_versioned_script_must_not_change(prod):
    settings, scripts = prod
    account = FakeSnowflake()
    apply(account.connect, scripts, settings, echo=lambda _: None)
    account.executed = []
    edited = [
        dataclasses.replace(s, sql=s.sql + "\n-- edited\n", checksum="0" * 64) if s.name == "V2__roles.sql" else s
        for s in scripts
    ]

    with pytest.raises(SchemaHistoryError, match="V2__roles.sql changed after it was applied"):
        apply(account.connect, edited, settings, echo=lambda _: None)

    assert _outline(account.executed, scripts) == READ_HISTORY  # read, refused, nothing run
    assert account.open_connections == 0


def test_a_changed_repeatable_script_runs_again(prod):
    settings, scripts = prod
    account = FakeSnowflake()
    apply(account.connect, scripts, settings, echo=lambda _: None)
    account.executed = []
    # Given prod's warehouse size changes in snowflake/stages.yml
    bigger = dataclasses.replace(settings, warehouse_size="MEDIUM")
    rescripts = render_scripts(bigger)

    applied = apply(account.connect, rescripts, bigger, echo=lambda _: None)

    assert [s.name for s in applied] == ["R__warehouse.sql"]
    assert _outline(account.executed, rescripts) == [*READ_HISTORY, "R__warehouse.sql", *RECORD]
    assert "  WAREHOUSE_SIZE = MEDIUM\n" in applied[0].sql
    assert _history(account, rescripts)[-1] == (None, "R__warehouse.sql", True, True)
    assert len(account.history) == 10


def test_a_failed_script_is_recorded_and_runs_again_next_time(prod):
    settings, scripts = prod
    account = FakeSnowflake()
    # Given the storage integration's role does not trust Snowflake yet: REFRESH_ON_CREATE fails
    account.fail_on = "CREATE OR REPLACE EXTERNAL TABLE SHOPLAKE.RAW.REVIEWS ("

    with pytest.raises(ScriptFailed, match="V4__external_tables.sql failed .*Access Denied"):
        apply(account.connect, scripts, settings, echo=lambda _: None)

    assert [(v, name, ok) for v, name, _, ok in _history(account, scripts)] == [
        ("1", "V1__database_and_schemas.sql", True),
        ("2", "V2__roles.sql", True),
        ("3", "V3__storage_integration_and_stage.sql", True),
        ("4", "V4__external_tables.sql", False),
    ]
    assert account.open_connections == 0
    # When the role exists, the next apply runs V4 again and then the repeatables
    account.fail_on = None
    applied = apply(account.connect, scripts, settings, echo=lambda _: None)
    assert [s.name for s in applied] == [
        "V4__external_tables.sql", "V5__silver_schema.sql", "V6__raw_views.sql", "R__external_tables.sql",
        "R__grants.sql", "R__warehouse.sql"
    ]  # fmt: skip
    assert [ok for *_, ok in _history(account, scripts)] == [
        True,
        True,
        True,
        False,
        True,
        True,
        True,
        True,
        True,
        True,
    ]


def test_target_stops_after_a_version_and_leaves_the_repeatables_for_the_full_apply(prod):
    settings, scripts = prod
    account = FakeSnowflake()

    first = apply(account.connect, scripts, settings, target=3, echo=lambda _: None)
    rest = apply(account.connect, scripts, settings, echo=lambda _: None)

    assert [s.name for s in first] == SCRIPT_ORDER[:3]
    assert [s.name for s in rest] == SCRIPT_ORDER[3:]


def _applied(scripts, names, **overrides) -> list[Applied]:
    by_name = {s.name: s for s in scripts}
    return [
        Applied(by_name[n].version, n, overrides.get(n, by_name[n].checksum), True) if n in by_name else overrides[n]
        for n in names
    ]


def test_history_must_match_the_scripts(prod):
    _, scripts = prod
    # An applied version no longer in snowflake/
    gone = [*_applied(scripts, SCRIPT_ORDER[:6]), Applied(7, "V7__dropped.sql", "a" * 64, True)]
    with pytest.raises(SchemaHistoryError, match="V7__dropped.sql .* not in snowflake/"):
        pending_scripts(scripts, gone)
    # A pending version older than an applied one (out of order)
    v4_without_v3 = _applied(scripts, [SCRIPT_ORDER[0], SCRIPT_ORDER[1], SCRIPT_ORDER[3]])
    with pytest.raises(SchemaHistoryError, match="V3__storage_integration_and_stage.sql is older than"):
        pending_scripts(scripts, v4_without_v3)
    # A repeatable whose latest run failed runs again; one whose latest run succeeded does not
    r_failed = [
        *_applied(scripts, SCRIPT_ORDER),
        Applied(None, "R__grants.sql", scripts[4].checksum, False),
    ]
    assert [s.name for s in pending_scripts(scripts, r_failed)] == ["R__grants.sql"]


def test_dry_run_prints_every_script_and_connects_to_nothing(monkeypatch):
    monkeypatch.setattr("shoplake.tooling.snowflake.cli.connection_factory", lambda secret: _no_connection)

    result = CliRunner().invoke(
        main, ["snowflake", "apply", "--stage", "prod", "--dry-run", "--aws-account-id", ACCOUNT]
    )

    assert result.exit_code == 0, result.output
    settings = load_settings("prod", ACCOUNT)
    scripts = render_scripts(settings)
    assert result.stdout == dry_run_text(settings, scripts) + "\n"
    for script in scripts:
        assert script.sql in result.stdout
    assert history_ddl(settings).splitlines()[0] in result.stdout


def test_dry_run_without_account_id_says_it_prints_a_placeholder(monkeypatch):
    monkeypatch.setattr("shoplake.tooling.snowflake.cli.connection_factory", lambda secret: _no_connection)
    monkeypatch.delenv("SHOPLAKE_AWS_ACCOUNT_ID", raising=False)

    result = CliRunner().invoke(main, ["snowflake", "apply", "--stage", "prod", "--dry-run"])

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("-- PLACEHOLDER: no AWS account id was given")
    assert f"s3://shoplake-prod-processed-{ACCOUNT_PLACEHOLDER}/" in result.stdout
    assert "placeholder" in result.stderr


def test_apply_without_account_id_fails_before_connecting(monkeypatch):
    monkeypatch.setattr("shoplake.tooling.snowflake.cli.connection_factory", lambda secret: _no_connection)
    monkeypatch.delenv("SHOPLAKE_AWS_ACCOUNT_ID", raising=False)

    result = CliRunner().invoke(main, ["snowflake", "apply", "--stage", "prod"])

    assert result.exit_code == 1
    assert "the AWS account id is required" in result.stderr


def test_apply_command_applies_through_the_connection(monkeypatch):
    account = FakeSnowflake()
    monkeypatch.setattr("shoplake.tooling.snowflake.cli.connection_factory", lambda secret: account.connect)

    result = CliRunner().invoke(main, ["snowflake", "apply", "--stage", "dev", "--aws-account-id", ACCOUNT])

    assert result.exit_code == 0, result.output
    assert [name for _, _, name, _, _ in account.history] == SCRIPT_ORDER
    assert "applied V1__database_and_schemas.sql" in result.stderr


# ─── the AWS side's params, and connections ────────────────────────────────────────────────


class DescribeCursor:
    """DESC INTEGRATION and SHOW EXTERNAL TABLES, with the columns Snowflake returns."""

    def __init__(self):
        self.executed = []
        self.description = None

    def execute(self, sql, params=None):
        self.executed.append(sql)
        if sql.startswith("DESC INTEGRATION"):
            self.description = [("property",), ("property_type",), ("property_value",), ("property_default",)]
            self._rows = [
                ("ENABLED", "Boolean", "true", "false"),
                ("STORAGE_PROVIDER", "String", "S3", ""),
                ("STORAGE_AWS_IAM_USER_ARN", "String", "arn:aws:iam::999999999999:user/abc1-s-p2ss1234", ""),
                (
                    "STORAGE_AWS_ROLE_ARN",
                    "String",
                    "arn:aws:iam::123456789012:role/shoplake-prod-snowflake-storage",
                    "",
                ),
                ("STORAGE_AWS_EXTERNAL_ID", "String", "AB12345_SFCRole=2_abcdefg=", ""),
            ]
        elif sql.startswith("SHOW EXTERNAL TABLES"):
            self.description = [("created_on",), ("name",), ("notification_channel",)]
            queue = "arn:aws:sqs:eu-west-1:999999999999:sf-snowpipe-AIDA-abc"
            self._rows = [("2026-01-01", "REVIEWS", queue), ("2026-01-01", "PIPELINE_RUNS", queue)]
        return self

    def fetchall(self):
        return self._rows


def test_deploy_params_are_what_snowflake_says():
    cursor = DescribeCursor()
    conn = type("Conn", (), {"cursor": lambda self: cursor, "close": lambda self: None})()

    params = deploy_params(lambda: conn, load_settings("prod", ACCOUNT))

    assert cursor.executed == [
        "USE ROLE ACCOUNTADMIN",
        "DESC INTEGRATION SHOPLAKE_PROD_PROCESSED_S3",
        "SHOW EXTERNAL TABLES IN SCHEMA SHOPLAKE.RAW",
    ]
    assert params == {
        "snowflakeIamUserArn": "arn:aws:iam::999999999999:user/abc1-s-p2ss1234",
        "snowflakeExternalId": "AB12345_SFCRole=2_abcdefg=",
        "snowflakeS3NotificationChannel": "arn:aws:sqs:eu-west-1:999999999999:sf-snowpipe-AIDA-abc",
    }


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "SNOWFLAKE_ACCOUNT and SNOWFLAKE_USER"),
        ({"SNOWFLAKE_ACCOUNT": "xy12345", "SNOWFLAKE_USER": "admin"}, "SNOWFLAKE_PRIVATE_KEY_PATH, SNOWFLAKE_PASSWORD"),
    ],
)
def test_env_connection_needs_account_user_and_a_credential(env, message):
    with pytest.raises(ConfigurationError, match=message):
        connect_from_env(env)


def test_env_connection_passes_the_key_file_to_the_connector(monkeypatch):
    import snowflake.connector

    seen = {}
    monkeypatch.setattr(snowflake.connector, "connect", lambda **kw: seen.update(kw) or "conn")

    conn = connect_from_env(
        {
            "SNOWFLAKE_ACCOUNT": "xy12345.eu-west-1",
            "SNOWFLAKE_USER": "deployer",
            "SNOWFLAKE_ROLE": "ACCOUNTADMIN",
            "SNOWFLAKE_PRIVATE_KEY_PATH": "/keys/deployer.p8",
            "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE": "pass",
            "SNOWFLAKE_PASSWORD": "ignored when a key is given",
        }
    )

    assert conn == "conn"
    assert seen == {
        "account": "xy12345.eu-west-1",
        "user": "deployer",
        "role": "ACCOUNTADMIN",
        "private_key_file": "/keys/deployer.p8",
        "private_key_file_pwd": "pass",
        "application": "shoplake",
        "session_parameters": {"QUERY_TAG": "shoplake snowflake apply"},
    }
