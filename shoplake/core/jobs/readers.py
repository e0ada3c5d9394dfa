"""The generic readers: a landed object's records, whatever the dataset, as one DataFrame.

Every reader produces one row per record (blank records included) with

* ``line_id`` — increasing in file order, from the text scan (see :func:`with_line_ids`), of the
  physical line the record starts on; the accounting turns it into a 1-based line number;
* ``raw_record`` — the record's text as it arrived (a UTF-8 BOM removed);
* ``is_blank`` — not a record, only counted as physical lines: an empty or white-space line, a
  CSV header row;
* ``lines`` — (optional, default 1) the physical lines the row spans, and ``line_number`` —
  (optional) the line it starts on, where a reader numbers its records itself;
* ``reason`` — the reader's quarantine reason (``malformed_json``, ``malformed_row``), else null;
* ``f`` — a struct of the dataset's input fields, each as its raw text (null where absent).

Only Spark's own readers and built-in functions run per record: no Python.
"""

from __future__ import annotations

import csv
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import chain

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from shoplake.core.contracts import Dataset, Layout, RecordFormat
from shoplake.core.errors import MalformedDocument, MissingColumns, ReconciliationError, UnsupportedFileType
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


def without_bom(c: Column) -> Column:
    """The text without a leading UTF-8 byte order mark."""
    return F.when(F.startswith(c, F.lit("\ufeff")), F.substring(c, 2, 2**31 - 1)).otherwise(c)


def blank(c: Column) -> Column:
    """Empty, null or white space only. A record line starts with what it holds (``{``): checked
    first, as bytes, so the regular expression runs over the few other lines only."""
    return F.when(F.startswith(c, F.lit("{")), F.lit(False)).otherwise(F.coalesce(c.rlike(r"^\s*$"), F.lit(True)))


# monotonically_increasing_id() puts the partition index in the upper 31 bits and the row's
# position within its partition in the lower 33.
ROW_BITS = 33
ROW_MASK = (1 << ROW_BITS) - 1


def partition_offsets(lines_per_partition: Mapping[int, int]) -> dict[int, int]:
    """How many lines precede each text partition (partitions are the file's splits in order)."""
    offsets, seen = {}, 0
    for partition in sorted(lines_per_partition):
        offsets[partition] = seen
        seen += lines_per_partition[partition]
    return offsets


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
    raw = without_bom(F.col("value"))
    parsed = [
        F.col("line_id"),
        raw.alias("raw_record"),
        blank(raw).alias("is_blank"),
        F.from_json(raw, fields_schema(fields), JSON_OPTIONS).alias("f"),
    ]
    f = F.col("f")
    # Jackson stops after the first complete value, so `{"a": 1} junk` would parse: a line must
    # also end with the object's closing brace.
    raw_record = F.col("raw_record")
    # A byte comparison for the usual line; the regular expression only for one with trailing space.
    closed = F.when(F.endswith(raw_record, F.lit("}")), F.lit(True)).otherwise(raw_record.rlike(r"\}\s*$"))
    malformed = ~F.col("is_blank") & (f.isNull() | f[CORRUPT].isNotNull() | ~closed)
    checked = ["line_id", "raw_record", "is_blank", F.when(malformed, F.lit("malformed_json")).alias("reason"), "f"]
    return parsed, checked


# --- CSV ---------------------------------------------------------------------------------------

# RFC 4180: a quote inside a quoted field is doubled (Spark's default escape is a backslash).
CSV_OPTIONS = {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT, "escape": '"'}


@dataclass(frozen=True)
class FileColumns:
    """A file's column names as written (a CSV header row, a Parquet schema) and the layout they choose."""

    columns: tuple[str, ...]
    layout: Layout
    # Columns (as written) that name no field of the chosen layout.
    unknown: tuple[str, ...]
    # field of the layout, lower case → the column (as written) that carries it.
    fields: dict[str, str]


def csv_header(dataset: Dataset, first_line: str, source_uri: str) -> FileColumns:
    """Parse a CSV file's header row (names match fields in any letter case and order) and pick
    the first layout whose required fields it has; reject the file if none fits."""
    if not first_line.strip():
        raise MalformedDocument(f"{source_uri}: the first line is empty; a CSV file starts with its header row")
    if first_line.count('"') % 2:
        raise MalformedDocument(f"{source_uri}: the header row has an unterminated quoted name")
    columns = tuple(name.strip() for name in next(csv.reader([first_line])))
    return choose_layout(dataset, columns, source_uri, RecordFormat.CSV, "header")


def choose_layout(dataset: Dataset, columns: Sequence[str], source_uri: str, fmt: RecordFormat,
                  what: str) -> FileColumns:  # fmt: skip
    """The first layout (of those for ``fmt``) whose required fields are all among a file's
    column names (matched in any letter case and order); reject the file if none fits."""
    columns = tuple(columns)
    lowered = [c.lower() for c in columns]
    repeated = sorted({c for c in lowered if lowered.count(c) > 1})
    if repeated:
        raise MalformedDocument(f"{source_uri}: the {what} names {', '.join(repeated)} more than once")
    layouts = [layout for layout in dataset.layouts if fmt in layout.formats]
    misses = []
    for layout in layouts:
        missing = [f for f in layout.required if f.lower() not in lowered]
        if not missing:
            by_lower = {c.lower(): c for c in columns}
            fields = {f.lower(): by_lower[f.lower()] for f in layout.fields if f.lower() in by_lower}
            known = {f.lower() for f in layout.fields}
            return FileColumns(columns, layout, tuple(c for c in columns if c.lower() not in known), fields)
        misses.append((len(missing), layout, missing))
    if not misses:
        raise MissingColumns(f"{source_uri}: no layout of {dataset.name} is read from {fmt.value} files")
    _, closest, missing = min(misses, key=lambda m: m[0])
    raise MissingColumns(
        f"{source_uri}: the {what} lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
        f"required by the {closest.name} layout of {dataset.name} ({what}: {', '.join(columns)})"
    )


def csv_records(lines: DataFrame, dataset: Dataset, header: FileColumns) -> tuple[DataFrame, dict[int, int] | None]:
    """CSV records from physical lines (``line_id``, ``value``), and the lines before each text
    partition where records span lines (else None: every record is one line).

    A record is one line, or several where a quoted field holds line breaks: a line with an odd
    number of quotes opens or closes such a field (RFC 4180 doubles quotes inside quoted fields,
    so only those lines change the parity). Records are parsed by Spark's CSV parser (``from_csv``)
    with the header's columns; a record with more or fewer fields than the header, or a quoted
    field never closed, is ``malformed_row``. The header line is not a record (``is_blank``).

    Finding the records that span lines takes one pass over the text, in parallel: the odd lines'
    ids and each text partition's last line id, per partition. The driver pairs the odd lines
    (the first opens a record, the next closes it, ...) into line id ranges; only the lines of
    those ranges are grouped (a shuffle of a few lines), the others stay records of one line.
    """
    odd = ((F.length("value") - F.length(F.regexp_replace("value", '"', ""))) % 2 == 1).alias("odd")
    lines = lines.select("line_id", "value", odd)
    last_of, odd_ids = _odd_lines(lines)
    offsets = None
    if not odd_ids:
        # Every record is one line: no reordering, no shuffle.
        grouped = lines.select("line_id", F.col("value").alias("raw_record"), F.lit(False).alias("open_quote"))
    else:
        spark = lines.sparkSession
        segments = spark.createDataFrame(_spanning_records(last_of, odd_ids), "record_id long, lo long, hi long")
        members = segments.select("record_id", F.explode(F.sequence("lo", "hi")).alias("line_id"))
        single = lines.join(members, "line_id", "left_anti").select(
            "line_id", F.col("value").alias("raw_record"), F.lit(False).alias("open_quote")
        )
        spanning = (
            lines.join(members, "line_id")
            .groupBy("record_id")
            .agg(
                F.sort_array(F.collect_list(F.struct("line_id", "value"))).alias("parts"),
                (F.sum(F.col("odd").cast("int")) % 2 == 1).alias("open_quote"),
            )
            .select(
                F.col("record_id").alias("line_id"),
                F.array_join(F.transform("parts", lambda p: p["value"]), "\n").alias("raw_record"),
                "open_quote",
            )
        )
        grouped = single.unionByName(spanning)
        # A record is counted in the partition it starts in, with all its lines: the lines before
        # each partition come from the partitions' own line counts instead.
        offsets = partition_offsets({part: (last & ROW_MASK) + 1 for part, last in last_of.items()})
    names = [f"c{i}" for i in range(len(header.columns))]
    schema = T.StructType([T.StructField(n, T.StringType()) for n in names] + [T.StructField(CORRUPT, T.StringType())])
    position = {c: f"c{i}" for i, c in enumerate(header.columns)}
    is_header = F.col("line_id") == 0
    raw = F.col("raw_record")
    parsed = grouped.select("*", F.from_csv(raw, schema.simpleString(), CSV_OPTIONS).alias("p"))
    blank = is_header | F.coalesce(F.trim(raw) == "", F.lit(True))
    p = F.col("p")
    fields = [
        (
            p[position[header.fields[name.lower()]]] if name.lower() in header.fields else F.lit(None).cast("string")
        ).alias(name)
        for name in dataset.fields
    ]
    malformed = ~blank & (F.col("open_quote") | p[CORRUPT].isNotNull())
    records = parsed.select(
        "line_id",
        raw.alias("raw_record"),
        blank.alias("is_blank"),
        F.when(malformed, F.lit("malformed_row")).alias("reason"),
        F.struct(*fields).alias("f"),
    )
    return records, offsets


def _odd_lines(lines: DataFrame) -> tuple[dict[int, int], list[int]]:
    """(the last line id of each text partition, the ids of the lines with an odd number of
    quotes in file order), from one aggregation over the lines (``line_id``, ``odd``)."""
    rows = (
        lines.groupBy(F.shiftright(F.col("line_id"), ROW_BITS).alias("part"))
        .agg(F.max("line_id").alias("last"), F.collect_list(F.when(F.col("odd"), F.col("line_id"))).alias("odd"))
        .collect()
    )
    return {r["part"]: r["last"] for r in rows}, sorted(chain.from_iterable(r["odd"] for r in rows))


def _spanning_records(last_of: dict[int, int], odd_ids: list[int]) -> list[tuple[int, int, int]]:
    """(record id, first line id, last line id) of the records that span lines, one row per text
    partition a record touches (line ids are consecutive within a partition only). A record is
    identified by its first line's id; one whose quote never closes runs to the end of the file."""
    parts = sorted(last_of)
    end_of_file = last_of[parts[-1]]
    segments = []
    for i in range(0, len(odd_ids), 2):
        start = odd_ids[i]
        end = odd_ids[i + 1] if i + 1 < len(odd_ids) else end_of_file
        first, last = start >> ROW_BITS, end >> ROW_BITS
        for part in parts[bisect_left(parts, first) : bisect_right(parts, last)]:
            lo = start if part == first else part << ROW_BITS
            hi = end if part == last else last_of[part]
            segments.append((start, lo, hi))
    return segments


# --- JSON arrays --------------------------------------------------------------------------------


def json_array_records(spark: SparkSession, path: str, dataset: Dataset, source_uri: str) -> DataFrame:
    """The elements of a file that is one top-level JSON array, one record each.

    Jackson (``from_json`` to an array of strings) gives each element's text; the physical line
    each element starts on comes from the text itself: with string literals blanked out (a JSON
    string cannot span lines), a line's brackets and values say where elements begin. Both
    readings must find the same number of elements, or the job fails loudly. The whole document
    is one JSON value, so it is parsed in one task: fine for catalogue exports, not for logs.
    """
    text = without_bom(F.col("value"))
    whole = spark.read.text(literal_path(path), wholetext=True).select(
        F.from_json(text, T.ArrayType(T.StringType())).alias("elements")
    )
    if whole.filter(F.col("elements").isNotNull()).limit(1).count() == 0:
        raise MalformedDocument(f"{source_uri}: the file is not one well-formed JSON array")
    elements = whole.select(F.posexplode("elements").alias("pos", "raw_record")).select(
        (F.col("pos") + 1).cast("long").alias("element"), "raw_record"
    )

    # Where elements start: per line, strings → v, other scalars → v, then only [ ] { } , v are
    # kept; an element starts where a [, { or v stands at depth 1 (inside the top-level array).
    by_line = Window.orderBy("line_number")
    tokens = F.regexp_replace(
        F.regexp_replace(F.regexp_replace("value", r'"(?:[^"\\]|\\.)*"', "v"), r"[A-Za-z0-9.+\-]+", "v"),
        r"[^\[\]{},v]",
        "",
    )
    lines = with_line_ids(spark.read.text(literal_path(path))).select(
        F.row_number().over(Window.orderBy("line_id")).alias("line_number"), tokens.alias("t")
    )
    delta = F.length(F.regexp_replace("t", r"[^\[{]", "")) - F.length(F.regexp_replace("t", r"[^\]}]", ""))
    depth = F.coalesce(F.sum(delta).over(by_line.rowsBetween(Window.unboundedPreceding, -1)), F.lit(0))
    starts = lines.select("line_number", "t", depth.alias("depth")).select(
        "line_number",
        F.aggregate(
            F.split("t", ""),
            F.struct(F.col("depth").alias("d"), F.lit(0).alias("n")),
            lambda acc, c: F.struct(
                (acc["d"] + F.when(c.isin("[", "{"), 1).when(c.isin("]", "}"), -1).otherwise(0)).alias("d"),
                (acc["n"] + F.when((acc["d"] == 1) & c.isin("[", "{", "v"), 1).otherwise(0)).alias("n"),
            ),
            lambda acc: acc["n"],
        ).alias("starts"),
    )
    before = F.coalesce(F.sum("starts").over(by_line.rowsBetween(Window.unboundedPreceding, -1)), F.lit(0))
    first = (before + 1).cast("long")
    last = (before + F.col("starts")).cast("long")
    first_lines = (
        starts.select("line_number", "starts", first.alias("first"), last.alias("last"))
        .filter(F.col("starts") > 0)
        .select(F.explode(F.sequence("first", "last")).alias("element"), "line_number")
    )
    totals = starts.agg(F.count(F.lit(1)).alias("lines"), F.coalesce(F.sum("starts"), F.lit(0)).alias("starts")).first()
    found = elements.count()
    if found != totals["starts"]:
        raise ReconciliationError(
            f"{source_uri}: Jackson read {found} array elements, the text has {totals['starts']} element starts"
        )

    # Each element spans the lines up to the next one's start (the last one, to the end); the
    # lines before the first element are counted with it, so the lines add up to the file's.
    by_element = Window.orderBy("element")
    next_start = F.coalesce(F.lead("line_number").over(by_element), F.lit(totals["lines"] + 1))
    spans = (next_start - F.col("line_number")) + F.when(F.col("element") == 1, F.col("line_number") - 1).otherwise(0)
    numbered = elements.join(first_lines, "element").select(
        "element", "raw_record", F.col("line_number").cast("long").alias("line_number"), spans.alias("lines")
    )
    parsed = numbered.select(
        F.col("element").alias("line_id"),
        "raw_record",
        F.lit(False).alias("is_blank"),
        F.from_json("raw_record", fields_schema(dataset.fields), JSON_OPTIONS).alias("f"),
        "lines",
        "line_number",
    )
    malformed = F.col("f").isNull() | F.col("f")[CORRUPT].isNotNull() | ~F.col("raw_record").rlike(r"^\s*\{")
    records = parsed.select(
        "line_id", "raw_record", "is_blank", F.when(malformed, F.lit("malformed_json")).alias("reason"), "f",
        "lines", "line_number",
    )  # fmt: skip
    if found == 0:
        # An empty array: no records, only lines.
        empty = spark.range(1).select(
            F.lit(0).cast("long").alias("line_id"),
            F.lit("").alias("raw_record"),
            F.lit(True).alias("is_blank"),
            F.lit(None).cast("string").alias("reason"),
            F.lit(None).cast(fields_schema(dataset.fields)).alias("f"),
            F.lit(totals["lines"]).alias("lines"),
            F.lit(1).cast("long").alias("line_number"),
        )
        return empty
    return records


@dataclass(frozen=True)
class Reading:
    """A file's records (see the module docstring) and what the reader learnt about the file."""

    records: DataFrame
    format: RecordFormat
    # The layout the file's header chose (CSV); None where each record carries its own keys.
    layout: Layout | None = None
    # Input fields the file has that no layout knows (kept out of the tables, reported).
    unknown_fields: tuple[str, ...] = ()
    # Where records may span lines and the reader did not count them (``lines``): the physical
    # lines of a record, from the parsed row's ``raw_record``; None: one each (or ``lines``).
    record_lines: Column | None = None
    # The physical lines before each text partition, where the reader knows them and the counts
    # cannot tell (records spanning partitions); None: from the counts.
    line_offsets: dict[int, int] | None = None


# --- Parquet ------------------------------------------------------------------------------------

# Timestamps as text keep their microseconds and say their zone: an instant (Parquet's
# isAdjustedToUTC) gets its UTC offset, a local date-time (TIMESTAMP_NTZ) none, so a transform
# can refuse a time whose zone is unknown.
INSTANT_TEXT = "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX"
LOCAL_TEXT = "yyyy-MM-dd'T'HH:mm:ss.SSSSSS"


def _as_text(c: Column, dtype: T.DataType) -> Column:
    if isinstance(dtype, T.TimestampType):
        return F.date_format(c, INSTANT_TEXT)
    if isinstance(dtype, T.TimestampNTZType):
        return F.date_format(c, LOCAL_TEXT)
    if isinstance(dtype, T.BinaryType):
        return F.base64(c)
    if isinstance(dtype, (T.StructType, T.ArrayType, T.MapType)):
        return F.to_json(c)
    return c.cast("string")


def parquet_records(spark: SparkSession, path: str, dataset: Dataset, source_uri: str) -> Reading:
    """A Parquet file's rows, one record each, numbered in file order (row 1 is line 1).

    The file's column names pick the layout (in any letter case, as a CSV header's do); each field
    reaches the transform as text (see :func:`_as_text`), so one transform serves every format,
    and the raw record is the row as JSON.
    """
    rows = spark.read.parquet(literal_path(path))
    types = {f.name: f.dataType for f in rows.schema.fields}
    chosen = choose_layout(dataset, rows.columns, source_uri, RecordFormat.PARQUET, "schema")
    texts = {name: _as_text(F.col(f"`{name}`"), dtype) for name, dtype in types.items()}
    absent = F.lit(None).cast("string")
    fields = [
        (texts[chosen.fields[name.lower()]] if name.lower() in chosen.fields else absent).alias(name)
        for name in dataset.fields
    ]
    raw = F.to_json(F.struct(*[texts[name].alias(name) for name in rows.columns]))
    records = rows.select(F.monotonically_increasing_id().alias("line_id"), *[F.col(f"`{n}`") for n in rows.columns])
    records = records.select(
        "line_id",
        raw.alias("raw_record"),
        F.lit(False).alias("is_blank"),
        F.lit(None).cast("string").alias("reason"),
        F.struct(*fields).alias("f"),
    )
    return Reading(records, RecordFormat.PARQUET, chosen.layout, chosen.unknown)


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
    is unusable as a whole (a CSV header without a required column, a broken JSON array)."""
    fmt = record_format(dataset, source_uri, scan)
    if fmt == RecordFormat.PARQUET:
        return parquet_records(spark, path, dataset, source_uri)
    if fmt == RecordFormat.JSON_LINES:
        return Reading(json_lines(read_lines(spark, path), dataset.fields), fmt)
    if fmt == RecordFormat.CSV:
        header = csv_header(dataset, scan.first_line, source_uri)
        records, offsets = csv_records(read_lines(spark, path), dataset, header)
        # A record's physical lines: its raw text is its lines joined by LF (line ends are not values).
        spans = None if offsets is None else F.size(F.split(F.col("raw_record"), "\n"))
        return Reading(records, fmt, header.layout, header.unknown, record_lines=spans, line_offsets=offsets)
    return Reading(json_array_records(spark, path, dataset, source_uri), fmt)
