"""``resources/lake_catalog.yml``, generated from the dataset contracts: the cloud's query side.

Athena reads the processed zone directly (Snowflake stays the warehouse): a Glue Data Catalog
database per stage with one table per published table (and quarantine table) of every
contract, an Athena workgroup whose results go encrypted to a bucket of their own with a
per-query scan limit, the named queries of the shop's seven questions (``athena/queries/``),
and a managed policy that lets an analyst use exactly these.

The processed layout is keyed by source object (``<table>/source=<id>/run=<run>/…``, see
``shoplake.core.layout``), so a table is its prefix, read recursively: nothing to crawl, no
partitions to register or project. A partition column of a contract (``review_year``,
``transaction_month``, ``event_date``) lives in the path below ``run=`` and is not a column
here; each has its source column (``review_date``, ``transaction_date``, ``event_ts``).
"""

from __future__ import annotations

from typing import Any

import yaml

from shoplake.core.contracts import Table
from shoplake.datasets import DATASETS
from shoplake.project import REPO_ROOT

OUTPUT = REPO_ROOT / "resources" / "lake_catalog.yml"
QUERIES = REPO_ROOT / "athena" / "queries"

HEADER = """\
# GENERATED from the dataset contracts (shoplake/datasets/) and athena/queries/ by
# shoplake/tooling/athena.py: do not edit; run `.venv/bin/python -m shoplake.tooling.generate`
# (a test fails while this file and its sources disagree).
#
# The cloud's query side: the processed zone in the Glue Data Catalog (a table per published
# table, read recursively: no crawler, no partitions), an Athena workgroup (encrypted results
# in their own bucket, a scan limit per query), the seven questions as named queries, and the
# managed policy an analyst needs to run them.
"""

# Contract types → Glue / Hive types of the Parquet the flatten job writes.
GLUE_TYPES = {
    "string": "string",
    "bigint": "bigint",
    "int": "int",
    "double": "double",
    "boolean": "boolean",
    "timestamp": "timestamp",
    "date": "date",
    "decimal(12,2)": "decimal(12,2)",
    "map<string,string>": "map<string,string>",
    "map<string,bigint>": "map<string,bigint>",
}
DATABASE = "shoplake_${sls:stage}"


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("-", "_").split("_"))


def tables() -> list[Table]:
    """Every table the contracts publish, and each dataset's quarantine table."""
    return [t for ds in DATASETS.values() for t in ds.tables]


def _glue_table(table: Table) -> dict[str, Any]:
    columns = []
    for c in table.columns:
        column = {"Name": c.name, "Type": GLUE_TYPES[c.type]}
        if c.description:
            column["Comment"] = c.description[:255]
        columns.append(column)
    return {
        "Type": "AWS::Glue::Table",
        "Properties": {
            "CatalogId": {"Ref": "AWS::AccountId"},
            "DatabaseName": {"Ref": "LakeDatabase"},
            "TableInput": {
                "Name": table.name,
                "Description": (table.description or table.name)[:2048],
                "TableType": "EXTERNAL_TABLE",
                "Parameters": {"classification": "parquet", "EXTERNAL": "TRUE", "parquet.compression": "SNAPPY"},
                "StorageDescriptor": {
                    "Location": {"Fn::Sub": f"s3://${{ProcessedBucket}}/{table.name}/"},
                    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                    "SerdeInfo": {
                        "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
                    },
                    "Columns": columns,
                },
            },
        },
    }


def named_queries() -> dict[str, str]:
    """{file stem: SQL} of athena/queries/, in their order (1_… to 7_…)."""
    return {p.stem: p.read_text() for p in sorted(QUERIES.glob("*.sql"))}


def _named_query(stem: str, sql: str) -> dict[str, Any]:
    number, _, name = stem.partition("_")
    first = sql.lstrip().splitlines()[0].removeprefix("--").strip()
    return {
        "Type": "AWS::Athena::NamedQuery",
        "Properties": {
            "Name": f"shoplake {number}. {name.replace('_', ' ')}",
            "Description": first[:1024],
            "Database": {"Ref": "LakeDatabase"},
            "WorkGroup": {"Ref": "LakeWorkGroup"},
            "QueryString": sql,
        },
    }


def _bucket() -> dict[str, Any]:
    return {
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Delete",
        "UpdateReplacePolicy": "Delete",
        "Properties": {
            "BucketName": {"Fn::Sub": "${self:service}-${sls:stage}-athena-results-${AWS::AccountId}"},
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "Id": "expire-query-results",
                        "Status": "Enabled",
                        "ExpirationInDays": "${param:athenaResultsExpirationDays}",
                    },
                    {
                        "Id": "abort-incomplete-multipart-uploads",
                        "Status": "Enabled",
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                    },
                ]
            },  # fmt: skip
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
        },
    }


def _bucket_policy() -> dict[str, Any]:
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": {"Ref": "AthenaResultsBucket"},
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [
                            {"Fn::GetAtt": ["AthenaResultsBucket", "Arn"]},
                            {"Fn::Sub": "${AthenaResultsBucket.Arn}/*"},
                        ],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            },
        },
    }


def _workgroup() -> dict[str, Any]:
    return {
        "Type": "AWS::Athena::WorkGroup",
        "Properties": {
            "Name": "${self:service}-${sls:stage}",
            "Description": "shoplake: queries over the processed zone (the Glue database of the stage)",
            "State": "ENABLED",
            "RecursiveDeleteOption": True,
            "WorkGroupConfiguration": {
                # The workgroup's settings win over a client's: results always land encrypted here.
                "EnforceWorkGroupConfiguration": True,
                "PublishCloudWatchMetricsEnabled": True,
                "BytesScannedCutoffPerQuery": "${param:athenaBytesScannedCutoffPerQuery}",
                "EngineVersion": {"SelectedEngineVersion": "AUTO"},
                "ResultConfiguration": {
                    "OutputLocation": {"Fn::Sub": "s3://${AthenaResultsBucket}/results/"},
                    "EncryptionConfiguration": {"EncryptionOption": "SSE_S3"},
                },
            },
        },
    }


def _analyst_policy(glue_tables: list[Table]) -> dict[str, Any]:
    glue = "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}"
    table_arns = [{"Fn::Sub": f"{glue}:table/${{LakeDatabase}}/{t.name}"} for t in glue_tables]
    return {
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {
            "Description": "Run the shoplake workgroup's queries over the stage's processed zone (attach to analysts)",
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "UseTheWorkgroup",
                        "Effect": "Allow",
                        "Action": [
                            "athena:StartQueryExecution", "athena:StopQueryExecution", "athena:GetQueryExecution",
                            "athena:GetQueryResults", "athena:GetWorkGroup", "athena:ListNamedQueries",
                            "athena:GetNamedQuery", "athena:BatchGetNamedQuery",
                        ],
                        "Resource": {"Fn::Sub": "arn:${AWS::Partition}:athena:${AWS::Region}:${AWS::AccountId}"
                                                ":workgroup/${LakeWorkGroup}"},
                    },
                    {
                        "Sid": "ReadTheCatalog",
                        "Effect": "Allow",
                        "Action": ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartitions"],
                        "Resource": [
                            {"Fn::Sub": "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:catalog"},
                            {"Fn::Sub": "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}"
                                        ":database/${LakeDatabase}"},
                            *table_arns,
                        ],
                    },
                    {
                        "Sid": "ReadThePublishedTables",
                        "Effect": "Allow",
                        "Action": ["s3:GetObject"],
                        "Resource": [{"Fn::Sub": f"${{ProcessedBucket.Arn}}/{t.name}/*"} for t in glue_tables],
                    },
                    {
                        "Sid": "ListThePublishedTables",
                        "Effect": "Allow",
                        "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
                        "Resource": {"Fn::GetAtt": ["ProcessedBucket", "Arn"]},
                        "Condition": {"StringLike": {"s3:prefix": [f"{t.name}/*" for t in glue_tables]}},
                    },
                    {
                        "Sid": "WriteAndReadQueryResults",
                        "Effect": "Allow",
                        "Action": ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload",
                                   "s3:ListMultipartUploadParts"],
                        "Resource": {"Fn::Sub": "${AthenaResultsBucket.Arn}/results/*"},
                    },
                    {
                        "Sid": "ListQueryResults",
                        "Effect": "Allow",
                        "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
                        "Resource": {"Fn::GetAtt": ["AthenaResultsBucket", "Arn"]},
                    },
                ],
            },
        },
    }  # fmt: skip


def document() -> dict[str, Any]:
    glue_tables = tables()
    resources: dict[str, Any] = {
        "LakeDatabase": {
            "Type": "AWS::Glue::Database",
            "Properties": {
                "CatalogId": {"Ref": "AWS::AccountId"},
                "DatabaseInput": {
                    "Name": DATABASE,
                    "Description": "shoplake's processed zone: every published table of every dataset contract",
                },
            },
        },
        **{f"LakeTable{_camel(t.name)}": _glue_table(t) for t in glue_tables},
        "AthenaResultsBucket": _bucket(),
        "AthenaResultsBucketPolicy": _bucket_policy(),
        "LakeWorkGroup": _workgroup(),
        **{
            f"LakeQuery{_camel(stem.partition('_')[2])}": _named_query(stem, sql)
            for stem, sql in named_queries().items()
        },
        "LakeAnalystPolicy": _analyst_policy(glue_tables),
    }
    return {"Resources": resources}


class _Literal(str):
    """A string dumped as a YAML block (the named queries stay readable)."""


def _literal(dumper: yaml.SafeDumper, value: _Literal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Literal, _literal)


def render() -> str:
    doc = document()
    for resource in doc["Resources"].values():
        if resource["Type"] == "AWS::Athena::NamedQuery":
            resource["Properties"]["QueryString"] = _Literal(resource["Properties"]["QueryString"])
    return HEADER + yaml.dump(doc, Dumper=_Dumper, sort_keys=False, width=120, allow_unicode=True)
