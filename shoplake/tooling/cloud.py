"""``resources/datasets.yml``, generated from the dataset contracts: the per-dataset parts of the
cloud definition.

``serverless.yml`` (the EventBridge rule's key filters), ``resources/iam.yml`` (every S3 grant
that names a dataset's prefixes) and ``resources/snowflake.yml`` (what Snowflake may read) read
these lists with ``${file(resources/datasets.yml):<key>}``, so adding a dataset to the registry
adds its prefixes everywhere at once, and no grant is wider than the registered datasets.
"""

from __future__ import annotations

from typing import Any

import yaml

from shoplake.core import layout
from shoplake.datasets import DATASETS
from shoplake.project import REPO_ROOT

OUTPUT = REPO_ROOT / "resources" / "datasets.yml"

HEADER = """\
# GENERATED from the dataset contracts (shoplake/datasets/) by shoplake/tooling/cloud.py: do not
# edit; change a contract or the registry and run `.venv/bin/python -m shoplake.tooling.generate`
# (a test fails while this file and the contracts disagree).
#
# The per-dataset parts of the cloud definition, read with ${file(resources/datasets.yml):<key>}:
# serverless.yml's EventBridge rule and the S3 grants of resources/iam.yml.
"""


def _key(uri: str) -> str:
    return uri.removeprefix("s3://b/")


def _objects(bucket_logical_id: str, keys: list[str]) -> list[dict[str, str]]:
    return [{"Fn::Sub": f"${{{bucket_logical_id}.Arn}}/{key}*"} for key in keys]


def document() -> dict[str, Any]:
    datasets = list(DATASETS.values())
    landing = [ds.prefix for ds in datasets]
    tables = [f"{t.name}/" for ds in datasets for t in ds.tables]
    work = [_key(layout.work_prefix("s3://b", ds.name, "RUN")).removesuffix("RUN/") for ds in datasets]
    manifests = [_key(layout.source_manifests_prefix("s3://b", ds.name)).removesuffix("sources/") for ds in datasets]
    segment_manifests = [_key(layout.segment_manifests_prefix("s3://b", ds.name)) for ds in datasets]
    return {
        "datasets": [ds.name for ds in datasets],
        # EventBridge rule: new objects under a landing prefix start the pipeline.
        "rawKeyFilters": [{"prefix": p} for p in landing],
        # Landed objects (raw bucket), and the s3:prefix values listing them is limited to.
        "rawObjects": _objects("RawBucket", landing),
        "rawPrefixes": [f"{p}*" for p in landing],
        # What a run writes to the processed bucket: its tables, its scratch space, its manifests.
        "processedObjects": _objects("ProcessedBucket", [*tables, *work, *manifests]),
        # What the warehouse refresh reads: the published tables and the manifests.
        "publishedObjects": _objects("ProcessedBucket", [*tables, *manifests]),
        # What Snowflake's storage integration reads: the published tables (and, granted apart,
        # every run manifest).
        "tableObjects": _objects("ProcessedBucket", tables),
        "workObjects": _objects("ProcessedBucket", work),
        "workPrefixes": [f"{p}*" for p in work],
        "manifestObjects": _objects("ProcessedBucket", manifests),
        # What compaction writes besides _segments/: each dataset's segment manifests.
        "segmentManifestObjects": _objects("ProcessedBucket", segment_manifests),
        "manifestPrefixes": [f"{p}*" for p in manifests],
    }


def render() -> str:
    return HEADER + yaml.safe_dump(document(), sort_keys=False, width=200)
