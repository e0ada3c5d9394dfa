"""Stream a landed object once, before Spark reads it: it must decompress and decode as a whole.

A truncated gzip or binary junk rejects the whole file (a retry cannot help), and the physical
line count taken here is what the record accounting reconciles Spark's reading with. A Parquet
file is checked by its footer instead: it must be one, and its row count is what is reconciled.
"""

from __future__ import annotations

import codecs
import gzip
import re
import shutil
import tempfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from shoplake.core.errors import UndecodableObject

_CHUNK = 1 << 20
# How much of the beginning is kept (a CSV header, the first character of a JSON document).
HEAD_CHARS = 1 << 16


@dataclass(frozen=True)
class ObjectScan:
    """What streaming the whole object showed: its decoded size, its physical line count and how
    it begins (the readers tell a JSON array from JSON Lines by it, and read a CSV header from it)."""

    decoded_bytes: int
    physical_lines: int
    head: str = ""

    @property
    def first_line(self) -> str:
        """The object's first physical line, without a UTF-8 BOM or its line terminator."""
        return re.split(r"\r\n|\r|\n", self.head.removeprefix("\ufeff"), maxsplit=1)[0]

    @property
    def first_char(self) -> str:
        """The first character that is not white space (empty for an object of white space only)."""
        stripped = self.head.removeprefix("\ufeff").lstrip()
        return stripped[:1]


def scan_object(stream: BinaryIO, *, gzipped: bool) -> ObjectScan:
    """Read the object once; raise UndecodableObject unless it decompresses and decodes as a whole.

    Lines are counted the way Hadoop's line reader splits them (LF, CR or CRLF; a last line
    without a terminator counts), so the count can be reconciled with what Spark read.
    """
    source: BinaryIO = gzip.GzipFile(fileobj=stream, mode="rb") if gzipped else stream
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset = lines = 0
    last = b""
    head = ""
    try:
        while chunk := source.read(_CHUNK):
            pending = len(decoder.getstate()[0])
            bad_utf8 = nul = None
            try:
                text = decoder.decode(chunk)
                if len(head) < HEAD_CHARS:
                    head += text[: HEAD_CHARS - len(head)]
            except UnicodeDecodeError as exc:
                bad_utf8 = offset - pending + exc.start
            if (i := chunk.find(b"\x00")) >= 0:
                nul = offset + i
            if nul is not None and (bad_utf8 is None or nul <= bad_utf8):
                raise UndecodableObject(f"binary content: NUL byte at byte {nul}")
            if bad_utf8 is not None:
                raise UndecodableObject(f"invalid UTF-8 at byte {bad_utf8}")
            crlf = chunk.count(b"\r\n") + (1 if last == b"\r" and chunk[:1] == b"\n" else 0)
            lines += chunk.count(b"\n") + chunk.count(b"\r") - crlf
            last = chunk[-1:]
            offset += len(chunk)
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise UndecodableObject(
                f"invalid UTF-8 at byte {offset - pending + exc.start}: truncated sequence at the end"
            ) from exc
    except EOFError as exc:
        raise UndecodableObject(f"gzip stream truncated: {exc}") from exc
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise UndecodableObject(f"corrupt gzip stream: {exc}") from exc
    if offset and last not in (b"\n", b"\r"):
        lines += 1
    return ObjectScan(decoded_bytes=offset, physical_lines=lines, head=head)


def scan_parquet(stream: BinaryIO) -> ObjectScan:
    """Read a Parquet object's footer; raise UndecodableObject unless it is a readable Parquet
    file. Its rows stand for the lines a text file's reconciliation counts. A seekable stream (a
    local file) is read in place, footer only; an S3 body is spooled first (Parquet is read from
    its end)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if stream.seekable():
        return _parquet_footer(pq, pa, stream, stream.seek(0, 2))
    with tempfile.SpooledTemporaryFile(max_size=64 << 20) as spool:
        shutil.copyfileobj(stream, spool, _CHUNK)
        return _parquet_footer(pq, pa, spool, spool.tell())


def _parquet_footer(pq, pa, source: BinaryIO, size: int) -> ObjectScan:
    source.seek(0)
    try:
        metadata = pq.ParquetFile(source).metadata
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise UndecodableObject(f"not a readable Parquet file: {exc}") from exc
    return ObjectScan(decoded_bytes=size, physical_lines=metadata.num_rows)
