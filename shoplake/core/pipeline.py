"""The review pipeline's Lambda-side logic: intake, validation, clean check, quarantine.

Each function here is what one handler calls; the handlers only parse and return. Everything
is importable and testable without AWS (the store and the Step Functions client are passed in).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from shoplake.core import errors, layout
from shoplake.core.contracts import accepted_suffix
from shoplake.core.storage import ObjectStore, join
from shoplake.datasets import dataset_for_key

# Bump when a change to the transforms should make already-published objects reprocess.
PIPELINE_VERSION = "1"


class SourceObject(BaseModel):
    model_config = ConfigDict(frozen=True)

    uri: str
    bucket: str
    key: str
    size: int
    etag: str
    version_id: str | None = None
    sequencer: str | None = None


class EventRef(BaseModel):
    id: str
    time: str


class ExecutionInput(BaseModel):
    """What the intake function starts the state machine with; every task receives it."""

    model_config = ConfigDict(extra="allow")

    dataset: str | None
    run_id: str
    source_id: str
    source: SourceObject
    event: EventRef
    unchanged: bool = False
    pipeline_version: str


def execution_name(dataset: str | None, bucket: str, key: str, version: str) -> str:
    """Deterministic Step Functions execution name for one object version (<= 80 chars)."""
    digest = hashlib.sha256(f"{bucket}/{key}#{version}".encode()).hexdigest()[:32]
    return f"{dataset or 'unknown'}-{digest}"


def build_execution_input(
    *,
    bucket: str,
    key: str,
    size: int,
    etag: str,
    version_id: str | None,
    sequencer: str | None,
    event_id: str,
    event_time: datetime,
    pipeline_version: str,
    store: ObjectStore,
    processed_bucket: str,
) -> ExecutionInput:
    """Execution input for an S3 "Object Created" event.

    ``unchanged`` is true when the same content (ETag) was already published for this key by
    the same pipeline version: re-landing a file then changes nothing.
    """
    ds = dataset_for_key(key)
    uri = f"s3://{bucket}/{key}"
    sid = layout.source_id(uri)
    # The version id identifies the object version on a versioned bucket; the sequencer orders
    # writes to the same key on an unversioned one.
    version = version_id or sequencer or etag
    unchanged = False
    if ds is not None:
        manifest_uri = layout.source_manifest_uri(f"s3://{processed_bucket}", ds.name, sid)
        if store.exists(manifest_uri):
            committed = json.loads(store.get_bytes(manifest_uri))
            unchanged = committed.get("source_etag") == etag and committed.get("pipeline_version") == pipeline_version
    return ExecutionInput(
        dataset=ds.name if ds else None,
        run_id=execution_name(ds.name if ds else None, bucket, key, version),
        source_id=sid,
        source=SourceObject(
            uri=uri, bucket=bucket, key=key, size=size, etag=etag, version_id=version_id, sequencer=sequencer
        ),
        event=EventRef(id=event_id, time=event_time.isoformat().replace("+00:00", "Z")),
        unchanged=unchanged,
        pipeline_version=pipeline_version,
    )


def start_execution(sfn, state_machine_arn: str, execution_input: ExecutionInput) -> dict[str, Any]:
    """Start the state machine under the input's deterministic name.

    A name that already exists means this object version was already handed over (a
    re-delivery after the idempotency record expired): report that execution, start nothing.
    """
    name = execution_input.run_id
    try:
        resp = sfn.start_execution(
            stateMachineArn=state_machine_arn, name=name, input=execution_input.model_dump_json()
        )
        arn, started = resp["executionArn"], True
    except sfn.exceptions.ExecutionAlreadyExists:
        arn = state_machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"
        started = False
    return {
        "execution_arn": arn,
        "execution_name": name,
        "started": started,
        "dataset": execution_input.dataset,
        "source_uri": execution_input.source.uri,
        "unchanged": execution_input.unchanged,
    }


def validate_object(inp: ExecutionInput, max_object_bytes: int, small_object_bytes: int = 0) -> dict[str, Any]:
    """Decide from the event alone whether an object can enter the pipeline.

    Raises one of the :class:`~shoplake.core.errors.ObjectRejected` errors, which the state machine
    catches by name and sends down the quarantine path.
    """
    key, size = inp.source.key, inp.source.size
    if key.endswith("/"):
        raise errors.FolderMarker(f"{key!r} is a folder marker, not a data file")
    ds = dataset_for_key(key)
    if ds is None:
        raise errors.UnknownDataset(f"{key!r} is under no dataset prefix")
    if size == 0:
        raise errors.EmptyObject(f"{key!r} has zero bytes")
    suffix = accepted_suffix(ds, key)
    if suffix is None:
        accepted = ", ".join(f"{e}[{'|'.join(ds.compressions)}]" for e in ds.extensions)
        raise errors.UnsupportedFileType(f"{key!r} is not one of {accepted}")
    if size > max_object_bytes:
        raise errors.ObjectTooLarge(f"{key!r} has {size} bytes; the limit is {max_object_bytes}")
    return {
        "accepted": True,
        "dataset": ds.name,
        "suffix": suffix,
        "compression": "gzip" if suffix.endswith(".gz") else "none",
        # Glue bills a run for a minute at least: a small object is cleaned and flattened in one.
        "small": size <= small_object_bytes,
    }


def check_clean(inp: ExecutionInput, store: ObjectStore, processed_bucket: str) -> dict[str, Any]:
    """Turn the clean job's verdict into the state machine's terms.

    After the one-run job of a small object (clean, then flatten when accepted) the clean's
    manifest is gone with its work area if the run was committed: then the run manifest answers.

    The clean job rejects a file that is unusable as a whole (undecodable, a CSV header without
    a required column) by writing a REJECTED manifest and succeeding (a Glue failure would be
    retried; a rejection must not be). This raises the rejection's typed error.
    """
    root = f"s3://{processed_bucket}"
    uri = layout.clean_manifest_uri(root, inp.dataset or "", inp.run_id)
    if not store.exists(uri):
        # A small object was cleaned and flattened in one job run: an accepted clean's work area
        # (its manifest included) is gone once the run is committed, and the run manifest holds
        # the same counts.
        committed = layout.run_manifest_uri(root, inp.dataset or "", inp.run_id)
        if store.exists(committed):
            run = json.loads(store.get_bytes(committed))
            return {"counts": run["counts"], "quarantine_reasons": run["quarantine_reasons"]}
        raise errors.PublishedOutputMissing(f"the clean job left no manifest at {uri}")
    manifest = json.loads(store.get_bytes(uri))
    if manifest["status"] == "REJECTED":
        rejection = manifest["rejection"]
        raise errors.rejection_error(rejection["reason"])(f"{inp.source.uri}: {rejection['message']}")
    return {"counts": manifest["counts"], "quarantine_reasons": manifest["quarantine_reasons"]}


def rejection_reason(error: dict[str, Any]) -> tuple[str, str]:
    """(reason code, message) from a state machine ``$.error`` ({Error, Cause}) of a Lambda rejection."""
    name = error.get("Error", "")
    message = error.get("Cause", "")
    try:
        cause = json.loads(message)
        message = cause.get("errorMessage", message)
        name = cause.get("errorType", name)
    except (TypeError, ValueError):
        pass
    known = {cls.__name__: cls.reason_code() for cls in errors.rejection_errors()}
    if name not in known:
        raise errors.ShoplakeError(f"{name!r} is not a rejection error; refusing to quarantine on it")
    return known[name], message


def quarantine_object(inp: ExecutionInput, store: ObjectStore, quarantine_bucket: str) -> dict[str, Any]:
    """Copy a rejected object to the quarantine zone with its reason beside it."""
    reason, message = rejection_reason(inp.model_extra.get("error") or {})
    base = join(f"s3://{quarantine_bucket}", "objects", inp.run_id)
    note = {
        "source_uri": inp.source.uri,
        "source_version_id": inp.source.version_id,
        "run_id": inp.run_id,
        "reason": reason,
        "message": message,
        "size": inp.source.size,
        "etag": inp.source.etag,
    }
    target = None
    # A folder marker has nothing to keep; everything else is kept byte for byte.
    if not inp.source.key.endswith("/") and inp.source.size > 0:
        target = join(base, inp.source.key)
        # The exact version the event announced, even if the key has been overwritten since.
        store.copy(
            inp.source.uri,
            target,
            metadata={"shoplake-reason": reason, "shoplake-run-id": inp.run_id},
            version_id=inp.source.version_id,
        )
    store.put_bytes(join(base, "_reason.json"), json.dumps(note, indent=2).encode())
    return {"quarantine_uri": target or join(base, "_reason.json"), "reason": reason, "message": message}
