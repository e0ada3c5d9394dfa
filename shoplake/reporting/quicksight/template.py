"""The CloudFormation of QuickSight over the Snowflake marts: ``resources/quicksight.yml``.

A data source on Snowflake (credentials from a Secrets Manager secret), one direct-query data set
per mart the local dashboard reads, and a dashboard that repeats the local Streamlit app
(``shoplake/reporting/dashboard``) sheet by sheet. A dashboard definition is long and repetitive JSON, so it
is generated from the compact description of :mod:`.dashboard`: ``python -m shoplake.tooling.generate`` rewrites
``resources/quicksight.yml``, and a unit test checks that the committed file is this module's
output. Everything is created only when the stage param ``quicksight`` is ``'true'``.

Snowflake stores dbt's unquoted identifiers in upper case, so table and column names here are
upper case. Booleans are ``BIT`` (QuickSight reads them as 0/1 integers): the average of
``IS_VERIFIED_PURCHASE`` is the verified share over the reviews whose verification is known,
exactly as the local app computes it.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from shoplake.project import REPO_ROOT
from shoplake.reporting.quicksight.dashboard import CALCULATED_FIELDS, DATA_SETS, FILTERS, PARAMETERS, SHEETS
from shoplake.reporting.quicksight.model import DataSet, Table

REPO = REPO_ROOT
OUTPUT = REPO / "resources" / "quicksight.yml"

# snowflake/stages.yml `martsSchema` (a test keeps them equal): where dbt builds the marts.
MARTS_SCHEMA = "MARTS"

# Resource names: `${self:service}-${sls:stage}-…`, resolved by `sls package` like every other
# resource name; the stage's Snowflake database and warehouse come from serverless.yml params.
PREFIX = "${self:service}-${sls:stage}"
CONDITION = "QuickSightOn"
MISCONFIGURED = "QuickSightMisconfigured"
DATA_SOURCE = "QuickSightSnowflakeDataSource"
DASHBOARD = "QuickSightDashboard"

# What the principal (the QuickSight user or group of the stage's readers) may do: use the data
# source and data sets in its own analyses, and view the dashboard. Ownership stays with the stack.
DATA_SOURCE_ACTIONS = [
    "quicksight:DescribeDataSource",
    "quicksight:DescribeDataSourcePermissions",
    "quicksight:PassDataSource",
]
DATA_SET_ACTIONS = [
    "quicksight:DescribeDataSet",
    "quicksight:DescribeDataSetPermissions",
    "quicksight:PassDataSet",
    "quicksight:DescribeIngestion",
    "quicksight:ListIngestions",
]
DASHBOARD_ACTIONS = ["quicksight:DescribeDashboard", "quicksight:ListDashboardVersions", "quicksight:QueryDashboard"]


# ─── CloudFormation ─────────────────────────────────────────────────────────────────────────


def _permissions(actions: list[str]) -> list[dict]:
    return [{"Principal": {"Ref": "QuickSightPrincipalArn"}, "Actions": actions}]


def data_source() -> dict:
    return {
        "Type": "AWS::QuickSight::DataSource",
        "Condition": CONDITION,
        "Properties": {
            "AwsAccountId": {"Ref": "AWS::AccountId"},
            "DataSourceId": f"{PREFIX}-snowflake",
            "Name": f"{PREFIX} Snowflake marts",
            "Type": "SNOWFLAKE",
            "DataSourceParameters": {
                "SnowflakeParameters": {
                    "Host": {"Ref": "SnowflakeAccountHost"},
                    "Database": "${param:snowflakeDatabase}",
                    "Warehouse": "${param:snowflakeWarehouse}",
                }
            },
            # A partial ARN (the name without Secrets Manager's random suffix): Secrets Manager
            # resolves it, so the stack needs only the secret's name, like the refresh function.
            "Credentials": {
                "SecretArn": {
                    "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}"
                    ":secret:${param:quicksightSnowflakeSecretName}"
                }
            },
            "SslProperties": {"DisableSsl": False},
            "Permissions": _permissions(DATA_SOURCE_ACTIONS),
        },
    }


def _relational_table(table: Table) -> dict:
    return {
        "RelationalTable": {
            "DataSourceArn": {"Fn::GetAtt": [DATA_SOURCE, "Arn"]},
            "Schema": MARTS_SCHEMA,
            "Name": table.name,
            "InputColumns": [{"Name": name, "Type": typ} for name, typ in table.columns],
        }
    }


def data_set(ds: DataSet) -> dict:
    physical = {ds.physical_id: _relational_table(ds.table)}
    if ds.lookup is None:
        logical = {ds.physical_id: {"Alias": ds.table.name, "Source": {"PhysicalTableId": ds.physical_id}}}
    else:
        lookup, key, _ = ds.lookup
        lookup_id = lookup.name.lower().replace("_", "-")
        physical[lookup_id] = _relational_table(lookup)
        lookup_key = f"{lookup.name}_{key}"  # the join needs distinct column names
        logical = {
            ds.physical_id: {"Alias": ds.table.name, "Source": {"PhysicalTableId": ds.physical_id}},
            lookup_id: {
                "Alias": lookup.name,
                "Source": {"PhysicalTableId": lookup_id},
                "DataTransforms": [{"RenameColumnOperation": {"ColumnName": key, "NewColumnName": lookup_key}}],
            },
            f"{ds.physical_id}-named": {
                "Alias": f"{ds.table.name} with names",
                "Source": {
                    "JoinInstruction": {
                        "LeftOperand": ds.physical_id,
                        "RightOperand": lookup_id,
                        "Type": "LEFT",
                        "OnClause": f"{{{key}}} = {{{lookup_key}}}",
                    }
                },
                "DataTransforms": [{"ProjectOperation": {"ProjectedColumns": [c for c, _ in ds.columns]}}],
            },
        }
    return {
        "Type": "AWS::QuickSight::DataSet",
        "Condition": CONDITION,
        "Properties": {
            "AwsAccountId": {"Ref": "AWS::AccountId"},
            "DataSetId": f"{PREFIX}-{ds.physical_id}",
            "Name": f"{PREFIX} {MARTS_SCHEMA}.{ds.table.name}",
            "ImportMode": "DIRECT_QUERY",
            "PhysicalTableMap": physical,
            "LogicalTableMap": logical,
            "Permissions": _permissions(DATA_SET_ACTIONS),
        },
    }


def definition() -> dict:
    return {
        "DataSetIdentifierDeclarations": [
            {"Identifier": ds.key, "DataSetArn": {"Fn::GetAtt": [ds.logical_id, "Arn"]}} for ds in DATA_SETS.values()
        ],
        "CalculatedFields": list(CALCULATED_FIELDS),
        "ParameterDeclarations": list(PARAMETERS),
        "FilterGroups": [flt.build() for flt in FILTERS],
        "Sheets": [sheet.build() for sheet in SHEETS],
    }


def dashboard() -> dict:
    return {
        "Type": "AWS::QuickSight::Dashboard",
        "Condition": CONDITION,
        "Properties": {
            "AwsAccountId": {"Ref": "AWS::AccountId"},
            "DashboardId": f"{PREFIX}-reviews",
            "Name": f"{PREFIX} reviews",
            "Definition": definition(),
            "DashboardPublishOptions": {
                "AdHocFilteringOption": {"AvailabilityStatus": "DISABLED"},
                "ExportToCSVOption": {"AvailabilityStatus": "ENABLED"},
                "SheetControlsOption": {"VisibilityState": "EXPANDED"},
            },
            # LENIENT: a definition QuickSight finds fault with is still created, its errors shown
            # on the dashboard (describe-dashboard → Version.Errors), instead of rolling back the
            # whole stack update, the pipeline's resources with it.
            "ValidationStrategy": {"Mode": "LENIENT"},
            "Permissions": _permissions(DASHBOARD_ACTIONS),
        },
    }


def _not_empty(parameter: str) -> dict:
    return {"Fn::Not": [{"Fn::Equals": [{"Ref": parameter}, ""]}]}


def template() -> dict:
    requested = {"Fn::Equals": [{"Ref": "QuickSight"}, "true"]}
    return {
        "Parameters": {
            "QuickSight": {
                "Type": "String",
                "Default": "${param:quicksight}",
                "AllowedValues": ["true", "false"],
                "Description": "Create the QuickSight data source, data sets and dashboard (param quicksight).",
            },
            "QuickSightPrincipalArn": {
                "Type": "String",
                "Default": "${param:quicksightPrincipalArn}",
                "AllowedPattern": (
                    "^$|^arn:aws[a-z-]*:quicksight:[a-z0-9-]+:[0-9]{12}:(user|group)/[A-Za-z0-9+=,.@_/-]+$"
                ),
                "Description": "QuickSight user or group that may use the data sets and view the dashboard.",
            },
            "SnowflakeAccountHost": {
                "Type": "String",
                "Default": "${param:snowflakeAccountHost}",
                "AllowedPattern": "^$|^[A-Za-z0-9_.-]+\\.snowflakecomputing\\.(com|cn)$",
                "Description": "Snowflake account host, e.g. xy12345.eu-west-1.snowflakecomputing.com.",
            },
        },
        "Conditions": {
            CONDITION: {
                "Fn::And": [requested, _not_empty("QuickSightPrincipalArn"), _not_empty("SnowflakeAccountHost")]
            },
            MISCONFIGURED: {"Fn::And": [requested, {"Fn::Not": [{"Condition": CONDITION}]}]},
        },
        "Resources": {
            # QuickSight requested without the principal or the host: this wait condition is never
            # signalled, so the deploy fails on it (by name) before anything else changes. (osls
            # rejects a template `Rules` section under configValidationMode: error.)
            "QuickSightSettingsCheckHandle": {
                "Type": "AWS::CloudFormation::WaitConditionHandle",
                "Condition": MISCONFIGURED,
            },
            "QuickSightNeedsPrincipalArnAndSnowflakeAccountHost": {
                "Type": "AWS::CloudFormation::WaitCondition",
                "Condition": MISCONFIGURED,
                "Properties": {"Handle": {"Ref": "QuickSightSettingsCheckHandle"}, "Timeout": "1", "Count": 1},
            },
            DATA_SOURCE: data_source(),
            **{ds.logical_id: data_set(ds) for ds in DATA_SETS.values()},
            DASHBOARD: dashboard(),
        },
        "Outputs": {
            "QuickSightDashboardId": {"Condition": CONDITION, "Value": f"{PREFIX}-reviews"},
            "QuickSightDashboardUrl": {
                "Condition": CONDITION,
                "Value": {
                    "Fn::Sub": "https://${AWS::Region}.quicksight.aws.amazon.com/sn/dashboards/" + f"{PREFIX}-reviews"
                },
            },
        },
    }


# ─── rendering ──────────────────────────────────────────────────────────────────────────────

HEADER = """\
# Amazon QuickSight on the Snowflake marts: a data source, one data set per mart the local dashboard
# reads, and a dashboard with the local app's four pages (shoplake/reporting/dashboard). Created
# only when the stage param `quicksight` is 'true' (prod); see "QuickSight" in README.md for what
# the operator sets up first (the reporter secret, QuickSight's access to it, the readers' principal).
#
# GENERATED by shoplake/reporting/quicksight/ — edit that package and run
# `.venv/bin/python -m shoplake.tooling.generate`; a test fails when this file and the package disagree.
"""


class _Dumper(yaml.SafeDumper):
    """The repository's YAML style: indented block lists, small mappings and lists on one line."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _depth(data: Any) -> int:
    if isinstance(data, dict):
        return 1 + max((_depth(v) for v in data.values()), default=0)
    if isinstance(data, list):
        return 1 + max((_depth(v) for v in data), default=0)
    return 0


def _inline(data: dict | list) -> bool:
    if isinstance(data, dict) and any(":" in k for k in data):  # Fn::… keys read better in block style
        return False
    return bool(data) and _depth(data) <= 2 and len(json.dumps(data, ensure_ascii=False)) <= 72


def _represent_dict(dumper: yaml.SafeDumper, data: dict) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=_inline(data))


def _represent_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=_inline(data))


_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(list, _represent_list)


def render() -> str:
    body = yaml.dump(
        template(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=200, default_flow_style=False
    )
    return HEADER + body
