"""The generic readers: a landed object's records, whatever the dataset, as one DataFrame.

Every reader produces one row per record (blank records included) with

* ``line_id`` — increasing in file order, from the text scan (see :func:`with_line_ids`), of the
  physical line the record starts on; the accounting turns it into a 1-based line number;
* ``raw_record`` — the record's text as it arrived (a UTF-8 BOM removed);
* ``is_blank`` — the record is empty or white space only (not a record: counted as a line);
* ``reason`` — the reader's quarantine reason (``malformed_json``, ``malformed_row``), else null;
* ``f`` — a struct of the dataset's input fields, each as its raw text (null where absent).

Only Spark's own readers and built-in functions run per record: no Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from shoplake.core.contracts import Dataset, Layout, RecordFormat
from shoplake.core.errors import UnsupportedFileType
from shoplake.core.jobs.scan import ObjectScan

CORRUPT = "_corrupt_record"
# PERMISSIVE + a corrupt-record column: a line Jackson cannot read as one JSON object (also `[1]`,
# `42`, `null`) fills only _corrupt_record. Single quotes and \' make Python dict literals readable
# (the "loose" 2014 review dumps) without ever evaluating them.
JSON_OPTIONS = {
    "mode": "PERMISSIVE",
    "columnNameOfCorruptRecord": CORRUPT,
    "allowSingleQuotes": "true",
    "allowBackslashEscapingAnyCharacter": "true",
}


def literal_path(path: str) -> str:
    """Spark expands glob characters in paths; a key may contain them literally.

    (Hadoop's globber cannot take a key with both glob characters and a colon: such a key
    fails the job loudly.)
    """
    return "".join("\\" + ch if ch in "*?[]{}\\" else ch for ch in path)


def with_line_ids(text: DataFrame) -> DataFrame:
    """Give every line of ``spark.read.text`` output an id increasing in file order.

    Must be applied directly to the text scan (before any shuffle): text partitions are the
    file's splits in order, so (partition index, row in partition) orders the lines.
    Output: line_id bigint, value string.
    """
    return text.select(F.monotonically_increasing_id().alias("line_id"), F.col("value"))


def read_lines(spark: SparkSession, path: str) -> DataFrame:
    """The object's physical lines (LF, CR or CRLF; gzip decompressed) with their line ids, spread
    over every core: a gzip file is read as one partition, and line ids are assigned before."""
    text = spark.read.text(literal_path(path))
    lines = with_line_ids(text)
    cores = spark.sparkContext.defaultParallelism
    if text.rdd.getNumPartitions() < cores:
        lines = lines.repartition(cores)
    return lines


def fields_schema(fields: Sequence[str]) -> T.StructType:
    """Every input field as a string, plus the corrupt-record column."""
    return T.StructType(
        [T.StructField(name, T.StringType()) for name in fields] + [T.StructField(CORRUPT, T.StringType())]
    )


def json_lines(lines: DataFrame, fields: Sequence[str]) -> DataFrame:
    """JSON Lines records from physical lines (``line_id``, ``value``): one record per line.

    Each line is parsed once with a schema whose fields are all strings: Spark keeps the raw text
    of numbers, arrays and objects in a string field, so a transform can say exactly what is
    wrong with a value. Field names match JSON keys exactly.
    """
    out = lines
    for stage in _json_line_stages(tuple(fields)):
        out = out.select(*stage)
    return out


@cache
def _json_line_stages(fields: tuple[str, ...]) -> tuple[list[Column | str], ...]:
    """The projections of json_lines, built once per field list (unresolved columns can be reused
    by any number of DataFrames, and building them costs Py4J calls)."""
    raw = F.regexp_replace(F.col("value"), "^\ufeff", "")
    parsed = [
        F.col("line_id"),
        raw.alias("raw_record"),
        F.coalesce(raw.rlike(r"^\s*$"), F.lit(True)).alias("is_blank"),
        F.from_json(raw, fields_schema(fields), JSON_OPTIONS).alias("f"),
    ]
    f = F.col("f")
    # Jackson stops after the first complete value, so `{"a": 1} junk` would parse: a line must
    # also end with the object's closing brace.
    malformed = ~F.col("is_blank") & (f.isNull() | f[CORRUPT].isNotNull() | ~F.col("raw_record").rlike(r"\}\s*$"))
    checked = ["line_id", "raw_record", "is_blank", F.when(malformed, F.lit("malformed_json")).alias("reason"), "f"]
    return parsed, checked


@dataclass(frozen=True)
class Reading:
    """A file's records (see the module docstring) and what the reader learnt about the file."""

    records: DataFrame
    format: RecordFormat
    # The layout the file's header chose (CSV); None where each record carries its own keys.
    layout: Layout | None = None
    # Input fields the file has that no layout knows (kept out of the tables, reported).
    unknown_fields: tuple[str, ...] = ()
    # Physical lines that belong to no record (a CSV header).
    structural_lines: int = 0
    # The line number of the first line the records' line ids count from.
    first_line: int = 1


def record_format(dataset: Dataset, source_uri: str, scan: ObjectScan) -> RecordFormat:
    """The file's record format: by its suffix, and for ``.json`` by its first character."""
    formats = dataset.formats_for(source_uri)
    if not formats:
        raise UnsupportedFileType(f"{source_uri}: {dataset.name} accepts none of this file's formats")
    if RecordFormat.JSON_ARRAY in formats and (scan.first_char == "[" or len(formats) == 1):
        return RecordFormat.JSON_ARRAY
    return next(f for f in formats if f != RecordFormat.JSON_ARRAY)


def read(spark: SparkSession, path: str, dataset: Dataset, source_uri: str, scan: ObjectScan) -> Reading:
    """Every record of one object, in its format. Raises an ObjectRejected error for a file that
    is unusable as a whole."""
    fmt = record_format(dataset, source_uri, scan)
    if fmt == RecordFormat.JSON_LINES:
        return Reading(json_lines(read_lines(spark, path), dataset.fields(fmt)), fmt)
    raise UnsupportedFileType(f"{source_uri}: no reader for {fmt.value} yet")
