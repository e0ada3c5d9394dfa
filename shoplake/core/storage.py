"""Object storage behind one small interface: S3 in the cloud, a directory tree locally.

Every location is an ``s3://bucket/key`` URI in both modes. The local store maps it to
``$SHOPLAKE_HOME/lake/<bucket>/<key>`` so that the same code, manifests and job arguments
work unchanged; Spark is handed :meth:`ObjectStore.spark_path` (a local path or the URI).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO, Protocol
from urllib.parse import quote, unquote

import boto3

from shoplake.core.errors import PublishedOutputMissing


@dataclass(frozen=True)
class S3Uri:
    bucket: str
    key: str

    @classmethod
    def parse(cls, uri: str) -> S3Uri:
        if not uri.startswith("s3://"):
            raise ValueError(f"not an s3:// URI: {uri!r}")
        bucket, _, key = uri[5:].partition("/")
        if not bucket:
            raise ValueError(f"URI has no bucket: {uri!r}")
        return cls(bucket, key)

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def join(uri: str, *parts: str) -> str:
    """Join key parts onto a URI with single slashes."""
    out = uri.rstrip("/")
    for part in parts:
        out += "/" + part.strip("/")
    return out


class ObjectStore(Protocol):
    def open_read(self, uri: str) -> BinaryIO: ...
    def get_bytes(self, uri: str) -> bytes: ...
    def put_bytes(self, uri: str, data: bytes, metadata: dict[str, str] | None = None) -> None: ...
    def exists(self, uri: str) -> bool: ...
    def list(self, prefix_uri: str) -> list[str]: ...
    def list_tags(self, prefix_uri: str) -> dict[str, str]: ...
    def copy(
        self, src_uri: str, dst_uri: str, metadata: dict[str, str] | None = None, version_id: str | None = None
    ) -> None: ...
    def delete(self, uris: list[str]) -> None: ...
    def spark_path(self, uri: str) -> str: ...


class LocalObjectStore:
    """A directory tree standing in for S3: ``<root>/<bucket>/<key>``.

    Writes go to a temporary file first and are renamed into place, so a reader sees an
    object whole or not at all (S3 PUT semantics). Object metadata is kept beside the
    object in a ``.<name>.meta`` sidecar that :meth:`list` does not show.
    """

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, uri: str) -> Path:
        u = S3Uri.parse(uri)
        # Keys may hold characters a file system dislikes only in theory; keep them readable.
        return self.root / u.bucket / unquote(u.key)

    def open_read(self, uri: str) -> BinaryIO:
        return open(self.path(uri), "rb")  # noqa: SIM115 - the caller closes it

    def get_bytes(self, uri: str) -> bytes:
        return self.path(uri).read_bytes()

    def put_bytes(self, uri: str, data: bytes, metadata: dict[str, str] | None = None) -> None:
        target = self.path(uri)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
        self._write_meta(target, metadata)

    def put_file(self, uri: str, source: Path, metadata: dict[str, str] | None = None) -> None:
        target = self.path(uri)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        os.close(fd)
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
        self._write_meta(target, metadata)

    def _write_meta(self, target: Path, metadata: dict[str, str] | None) -> None:
        meta = target.with_name(f".{target.name}.meta")
        if metadata:
            meta.write_text("\n".join(f"{k}={quote(v)}" for k, v in sorted(metadata.items())))
        elif meta.exists():
            meta.unlink()

    def metadata(self, uri: str) -> dict[str, str]:
        target = self.path(uri)
        meta = target.with_name(f".{target.name}.meta")
        if not meta.exists():
            return {}
        pairs = (line.split("=", 1) for line in meta.read_text().splitlines() if line)
        return {k: unquote(v) for k, v in pairs}

    def exists(self, uri: str) -> bool:
        return self.path(uri).is_file()

    def list(self, prefix_uri: str) -> list[str]:
        u = S3Uri.parse(prefix_uri)
        bucket_root = self.root / u.bucket
        # S3 prefixes are plain string prefixes; walk the deepest directory they name.
        base = bucket_root / u.key
        start = base if u.key.endswith("/") or base.is_dir() else base.parent
        if not start.exists():
            return []
        out = []
        for p in _walk_files(start):
            key = p.relative_to(bucket_root).as_posix()
            if key.startswith(u.key):
                out.append(f"s3://{u.bucket}/{key}")
        return sorted(out)

    def list_tags(self, prefix_uri: str) -> dict[str, str]:
        """Each object under the prefix with a tag that changes whenever it is written again (the
        stand-in for S3's ETag: every write is a new file renamed into place, a new inode)."""
        out = {}
        for uri in self.list(prefix_uri):
            st = self.path(uri).stat()
            out[uri] = f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}"
        return out

    def copy(
        self, src_uri: str, dst_uri: str, metadata: dict[str, str] | None = None, version_id: str | None = None
    ) -> None:
        # The directory tree keeps only the latest version of a key.
        self.put_file(dst_uri, self.path(src_uri), metadata)

    def delete(self, uris: list[str]) -> None:
        for uri in uris:
            p = self.path(uri)
            p.unlink(missing_ok=True)
            p.with_name(f".{p.name}.meta").unlink(missing_ok=True)
            _prune_empty_dirs(p.parent, self.root)

    def spark_path(self, uri: str) -> str:
        return str(self.path(uri))


def _walk_files(start: Path) -> Iterator[Path]:
    for dirpath, _dirnames, filenames in os.walk(start):
        for name in filenames:
            if name.startswith(".tmp-") or (name.startswith(".") and name.endswith(".meta")):
                continue
            yield Path(dirpath) / name


def _prune_empty_dirs(directory: Path, stop: Path) -> None:
    directory, stop = directory.resolve(), stop.resolve()
    while directory != stop and stop in directory.parents:
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent


def read_json(store: ObjectStore, uri: str) -> dict[str, Any]:
    """A JSON manifest; PublishedOutputMissing when it is not there."""
    if not store.exists(uri):
        raise PublishedOutputMissing(f"no manifest at {uri}")
    return json.loads(store.get_bytes(uri))


def write_json(store: ObjectStore, uri: str, document: Mapping[str, Any]) -> None:
    """Write a JSON manifest with one PUT (a reader sees all of it or none of it)."""
    data = json.dumps(document, indent=2, sort_keys=False, ensure_ascii=False).encode("utf-8")
    store.put_bytes(uri, data)


def file_md5(path: Path) -> str:
    """The S3 ETag of a single-part upload: the hex MD5 of the bytes."""
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class S3ObjectStore:
    """S3 through boto3. The client is created lazily so moto and cold starts stay cheap."""

    @property
    def client(self):
        return _s3_client()

    def open_read(self, uri: str) -> BinaryIO:
        u = S3Uri.parse(uri)
        return self.client.get_object(Bucket=u.bucket, Key=u.key)["Body"]

    def get_bytes(self, uri: str) -> bytes:
        return self.open_read(uri).read()

    def put_bytes(self, uri: str, data: bytes, metadata: dict[str, str] | None = None) -> None:
        u = S3Uri.parse(uri)
        self.client.put_object(Bucket=u.bucket, Key=u.key, Body=data, Metadata=metadata or {})

    def exists(self, uri: str) -> bool:
        u = S3Uri.parse(uri)
        resp = self.client.list_objects_v2(Bucket=u.bucket, Prefix=u.key, MaxKeys=1)
        return any(o["Key"] == u.key for o in resp.get("Contents", []))

    def list(self, prefix_uri: str) -> list[str]:
        u = S3Uri.parse(prefix_uri)
        out = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=u.bucket, Prefix=u.key):
            out.extend(f"s3://{u.bucket}/{o['Key']}" for o in page.get("Contents", []))
        return sorted(out)

    def list_tags(self, prefix_uri: str) -> dict[str, str]:
        """Each object under the prefix with its ETag, from the listing alone (1,000 keys per request)."""
        u = S3Uri.parse(prefix_uri)
        out = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=u.bucket, Prefix=u.key):
            out.update({f"s3://{u.bucket}/{o['Key']}": o["ETag"].strip('"') for o in page.get("Contents", [])})
        return out

    def copy(
        self, src_uri: str, dst_uri: str, metadata: dict[str, str] | None = None, version_id: str | None = None
    ) -> None:
        s, d = S3Uri.parse(src_uri), S3Uri.parse(dst_uri)
        source = {"Bucket": s.bucket, "Key": s.key, **({"VersionId": version_id} if version_id else {})}
        extra = {"Metadata": metadata, "MetadataDirective": "REPLACE"} if metadata else {}
        self.client.copy(source, d.bucket, d.key, ExtraArgs=extra or None)

    def delete(self, uris: list[str]) -> None:
        by_bucket: dict[str, list[str]] = {}
        for uri in uris:
            u = S3Uri.parse(uri)
            by_bucket.setdefault(u.bucket, []).append(u.key)
        for bucket, keys in by_bucket.items():
            for i in range(0, len(keys), 1000):
                batch = [{"Key": k} for k in keys[i : i + 1000]]
                self.client.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})

    def spark_path(self, uri: str) -> str:
        return uri


@cache
def _s3_client():
    return boto3.client("s3")


def shoplake_home() -> Path:
    return Path(os.environ.get("SHOPLAKE_HOME", ".shoplake")).resolve()


def get_store(backend: str | None = None) -> ObjectStore:
    """The store named by ``STORAGE_BACKEND`` (``s3`` in the cloud, ``local`` on one machine)."""
    backend = backend or os.environ.get("STORAGE_BACKEND", "s3")
    if backend == "local":
        return LocalObjectStore(shoplake_home() / "lake")
    if backend == "s3":
        return S3ObjectStore()
    raise ValueError(f"STORAGE_BACKEND must be 'local' or 's3', not {backend!r}")
