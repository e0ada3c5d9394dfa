"""The events S3 and EventBridge send, as the local runtime emits them."""

from __future__ import annotations

import hashlib
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shoplake.core.storage import file_md5
from shoplake.local.stack import ACCOUNT, REGION


def object_created_pattern(raw_bucket: str) -> dict[str, Any]:
    from shoplake.datasets import DATASETS

    return {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {
            "bucket": {"name": [raw_bucket]},
            "object": {"key": [{"prefix": ds.prefix} for ds in DATASETS.values()]},
        },
    }


def object_created_event(bucket: str, key: str, path: Path | None) -> dict[str, Any]:
    """The EventBridge event S3 sends for a new object (one unique id per event)."""
    now = datetime.now(UTC)
    size = path.stat().st_size if path is not None else 0
    etag = file_md5(path) if path is not None else hashlib.md5(b"", usedforsecurity=False).hexdigest()
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": ACCOUNT,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {
                "key": key,
                "size": size,
                "etag": etag,
                "version-id": uuid.uuid4().hex,
                "sequencer": f"{time.time_ns():X}",
            },
            "request-id": uuid.uuid4().hex[:16].upper(),
            "requester": ACCOUNT,
            "source-ip-address": "127.0.0.1",
            "reason": "PutObject",
        },
    }
