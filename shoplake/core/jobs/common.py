"""What the Glue jobs share: their arguments, parsed and validated once, and JSON manifests.

Glue passes job arguments as ``--name value`` pairs (all strings) and adds its own
(``--JOB_ID``, ``--job-bookmark-option`` …); unknown arguments are ignored.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shoplake.core.contracts import Dataset
from shoplake.core.errors import ConfigurationError
from shoplake.core.spark import on_glue
from shoplake.core.storage import S3Uri, read_json, write_json  # noqa: F401 - read_json, write_json: the jobs use them from here
from shoplake.datasets import get_dataset

BACKENDS = ("local", "s3")
COMMON_ARGS = ("dataset", "source_uri", "run_id", "processed_root", "ingested_at", "storage_backend")


def parse_args(
    argv: Sequence[str], required: Sequence[str], optional: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The named job arguments of a Glue-style argv (``[script, --name, value, …]``).

    On Glue this is ``awsglue.utils.getResolvedOptions``; elsewhere the same rules in a few
    lines: ``--name value`` or ``--name=value``, anything not asked for is ignored.
    Optional arguments take their default when absent.
    """
    optional = dict(optional or {})
    if on_glue():
        from awsglue.utils import getResolvedOptions  # only importable on Glue

        # getResolvedOptions fails on an absent option: ask only for the optional ones given.
        given = [n for n in optional if f"--{n}" in argv or any(a.startswith(f"--{n}=") for a in argv)]
        resolved = getResolvedOptions(list(argv), [*required, *given])
        return {**optional, **{n: resolved[n] for n in [*required, *given]}}

    found: dict[str, str] = {}
    tokens = list(argv[1:])
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if not token.startswith("--"):
            continue
        name, eq, value = token[2:].partition("=")
        if not eq:
            if i < len(tokens) and not tokens[i].startswith("--"):
                value = tokens[i]
                i += 1
            else:
                value = ""
        found[name] = value
    missing = [n for n in required if n not in found]
    if missing:
        raise ConfigurationError(f"missing job arguments: {', '.join('--' + n for n in missing)}")
    return {**optional, **{n: found[n] for n in [*required, *optional] if n in found}}


def parse_timestamp(text: str) -> datetime:
    """An ISO-8601 instant with a zone (``2026-11-23T07:00:00.123Z``) as an aware UTC datetime."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ConfigurationError(f"not an ISO-8601 timestamp: {text!r}") from exc
    if value.tzinfo is None:
        raise ConfigurationError(f"timestamp has no time zone: {text!r}")
    return value.astimezone(UTC)


@contextmanager
def timed(steps: dict[str, float], name: str) -> Iterator[None]:
    """Record the seconds the block took as ``steps[name]`` (a manifest's ``timings``)."""
    mark = time.monotonic()
    yield
    steps[name] = round(time.monotonic() - mark, 3)


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class JobArgs:
    """The validated arguments of the clean and flatten jobs."""

    dataset: Dataset
    source_uri: str
    run_id: str
    processed_root: str
    ingested_at: datetime
    storage_backend: str
    source_etag: str | None = None
    pipeline_version: str = "1"

    @classmethod
    def from_dict(cls, args: Mapping[str, Any], *, need_etag: bool = False) -> JobArgs:
        missing = [n for n in (*COMMON_ARGS, *(("source_etag",) if need_etag else ())) if not args.get(n)]
        if missing:
            raise ConfigurationError(f"missing job arguments: {', '.join(missing)}")
        try:
            dataset = get_dataset(args["dataset"])
        except KeyError as exc:
            raise ConfigurationError(exc.args[0]) from exc
        for name in ("source_uri", "processed_root"):
            try:
                S3Uri.parse(args[name])
            except ValueError as exc:
                raise ConfigurationError(f"--{name}: {exc}") from exc
        # The run id becomes a path segment (run=<id>); Hadoop paths cannot hold ':' or '/'.
        if not re.fullmatch(r"[A-Za-z0-9._-]+", args["run_id"]):
            raise ConfigurationError(f"--run_id must be a single path segment: {args['run_id']!r}")
        if args["storage_backend"] not in BACKENDS:
            raise ConfigurationError(f"--storage_backend must be one of {BACKENDS}: {args['storage_backend']!r}")
        return cls(
            dataset=dataset,
            source_uri=args["source_uri"],
            run_id=args["run_id"],
            processed_root=args["processed_root"].rstrip("/"),
            ingested_at=parse_timestamp(args["ingested_at"]),
            storage_backend=args["storage_backend"],
            source_etag=args.get("source_etag") or None,
            pipeline_version=args.get("pipeline_version") or "1",
        )
