"""Reviews: raw JSON lines in, canonical ``reviews`` records, quarantine rows and images out.

Three generations of Amazon review dumps arrive, possibly mixed line by line:

* ``amazon_2014`` — reviewerID, asin, reviewerName, helpful [helpful, total], reviewText, overall,
  summary, unixReviewTime (s), reviewTime ("MM D, YYYY"); also as Python dict literals;
* ``amazon_2018`` — as 2014 without helpful, plus vote ("1,234"), verified, style, image;
* ``amazon_2023`` — rating, title, text, images, asin, parent_asin, user_id, timestamp (ms),
  helpful_vote, verified_purchase.

Each line is parsed once with a schema whose top-level fields are all strings: Spark keeps the
raw text of numbers, arrays and objects in a string field, so validation can say exactly what
is wrong (a reason code) instead of silently nulling a field. Nested parts are parsed again
from that text. Everything here is built-in Spark functions: no Python runs per record.

The pipeline is ``with_line_ids`` → ``parse_reviews`` → ``mark_duplicates`` → (the job counts
lines per partition) → ``with_line_numbers`` → ``to_reviews`` / ``to_quarantine``; the
flatten job then applies ``to_published_reviews`` and ``to_review_images``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import cache, reduce
from itertools import chain

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from shoplake.core.contracts import Table
from shoplake.core.spark import schema_for, spark_type
from shoplake.datasets.reviews.contract import REVIEWS

REVIEWS_TABLE = REVIEWS.table("reviews")
IMAGES_TABLE = REVIEWS.table("review_images")
QUARANTINE_TABLE = REVIEWS.table("reviews_quarantine")
PARTITION_COLUMN = REVIEWS_TABLE.partition_by or "review_year"

FORMAT_2014, FORMAT_2018, FORMAT_2023 = "amazon_2014", "amazon_2018", "amazon_2023"

# What became of each physical line.
BLANK, PROCESSED, QUARANTINED, DUPLICATE = "blank", "processed", "quarantined", "duplicate"

# Every top-level field of the three layouts. Read as strings: see the module docstring.
_RAW_FIELDS = (
    "reviewerID", "asin", "reviewerName", "helpful", "reviewText", "overall", "summary",
    "unixReviewTime", "reviewTime", "vote", "verified", "style", "image",
    "rating", "title", "text", "images", "parent_asin", "user_id", "timestamp",
    "helpful_vote", "verified_purchase",
)  # fmt: skip
_CORRUPT = "_corrupt_record"
RAW_SCHEMA = T.StructType(
    [T.StructField(name, T.StringType()) for name in _RAW_FIELDS] + [T.StructField(_CORRUPT, T.StringType())]
)
# PERMISSIVE + a corrupt-record column: a line Jackson cannot read as one JSON object (also `[1]`,
# `42`, `null`) fills only _corrupt_record. Single quotes and \' make Python dict literals readable
# (the "loose" 2014 dumps) without ever evaluating them.
_JSON_OPTIONS = {
    "mode": "PERMISSIVE",
    "columnNameOfCorruptRecord": _CORRUPT,
    "allowSingleQuotes": "true",
    "allowBackslashEscapingAnyCharacter": "true",
}

# A field that only one generation has decides the generation (checked 2023, then 2014, then 2018).
_MARKERS_2023 = ("rating", "user_id", "parent_asin", "timestamp", "helpful_vote", "verified_purchase")
_MARKERS_2014 = ("helpful",)
_MARKERS_2018 = ("reviewerID", "overall", "vote", "verified", "style", "image")

_IMAGES_2023 = T.ArrayType(
    T.StructType(
        [
            T.StructField(name, T.StringType())
            for name in ("small_image_url", "medium_image_url", "large_image_url", "attachment_type")
        ]
    )
)
_VARIANTS_2023 = ("small", "medium", "large")
IMAGE_TYPE = T.ArrayType(
    T.StructType([T.StructField("image_url", T.StringType()), T.StructField("variant", T.StringType())])
)

# The cleaned records the clean job hands to the flatten job: the reviews table, its partition
# column and the images that become review_images.
WORK_RECORD_SCHEMA = T.StructType(
    [
        *schema_for(REVIEWS_TABLE).fields,
        T.StructField(PARTITION_COLUMN, T.StringType()),
        T.StructField("images", IMAGE_TYPE),
    ]
)
QUARANTINE_SCHEMA = schema_for(QUARANTINE_TABLE)

# A review time is usable within [1994-01-01, 2100-01-01) UTC.
FIRST_USABLE_DAY, FIRST_UNUSABLE_DAY = date(1994, 1, 1), date(2100, 1, 1)
_EPOCH_FROM = (FIRST_USABLE_DAY - date(1970, 1, 1)).days * 86_400  # 757_382_400 s
_EPOCH_UNTIL = (FIRST_UNUSABLE_DAY - date(1970, 1, 1)).days * 86_400  # 4_102_444_800 s

# monotonically_increasing_id() puts the partition index in the upper 31 bits and the row's
# position within its partition in the lower 33.
_ROW_BITS = 33
_ROW_MASK = (1 << _ROW_BITS) - 1

_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_THOUSANDS = r"^\d{1,3}(,\d{3})+$"
_REVIEW_TIME = r"^\s*(\d{1,2})\s+(\d{1,2}),\s*(\d{4})\s*$"  # "09 13, 2009", "01 5, 2014"


# --- small column helpers -------------------------------------------------------------------


def _present(c: Column) -> Column:
    """Not null and not only whitespace."""
    return F.coalesce(c.rlike(r"\S"), F.lit(False))


def _number(c: Column) -> Column:
    """The number in a raw text, or null. Checked by pattern first so no cast can fail (ANSI or not)."""
    t = F.trim(c)
    return F.when(t.rlike(_NUMBER), t.cast("double"))


def _count(c: Column) -> Column:
    """A non-negative integral count ("1,234" → 1234), or null when it is not one."""
    t = F.trim(c)
    n = _number(F.when(t.rlike(_THOUSANDS), F.regexp_replace(t, ",", "")).otherwise(t))
    return F.when((n == F.floor(n)) & (n >= 0) & (n < 2**53), n.cast("long"))


def _boolean(c: Column) -> Column:
    t = F.lower(F.trim(c))
    return F.when(t == "true", F.lit(True)).when(t == "false", F.lit(False))


def _strip(c: Column) -> Column:
    return F.regexp_replace(c, r"^\s+|\s+$", "")


def _review_date(c: Column) -> Column:
    """The date of a "MM D, YYYY" text, or null. Spark's datetime patterns raise instead of
    returning null on some inputs (SparkUpgradeException), so the parts are taken by regex."""
    month = F.regexp_extract(c, _REVIEW_TIME, 1).cast("int")
    day = F.regexp_extract(c, _REVIEW_TIME, 2).cast("int")
    year = F.regexp_extract(c, _REVIEW_TIME, 3).cast("int")
    matched = F.coalesce(c.rlike(_REVIEW_TIME), F.lit(False))
    first_of_month = F.make_date(year, month, F.lit(1))
    return F.when(
        matched & month.between(1, 12) & (day >= 1),
        F.when(day <= F.dayofmonth(F.last_day(first_of_month)), F.make_date(year, month, day)),
    )


def _typed(table: Table, columns: Mapping[str, Column], extra: Mapping[str, Column] | None = None) -> list[Column]:
    """The table's columns, in contract order and cast to contract types, then any extra ones."""
    if list(columns) != table.column_names:
        raise ValueError(f"{table.name}: columns {list(columns)} differ from the contract {table.column_names}")
    typed = [columns[c.name].cast(spark_type(c.type)).alias(c.name) for c in table.columns]
    return typed + [col.alias(name) for name, col in (extra or {}).items()]


# --- the pipeline -----------------------------------------------------------------------------


def with_line_ids(text: DataFrame) -> DataFrame:
    """Give every line of ``spark.read.text`` output an id increasing in file order.

    Must be applied directly to the text scan (before any shuffle): text partitions are the
    file's splits in order, so (partition index, row in partition) orders the lines.
    Output: line_id bigint, value string.
    """
    return text.select(F.monotonically_increasing_id().alias("line_id"), F.col("value"))


def parse_reviews(lines: DataFrame) -> DataFrame:
    """Parse, detect the generation, validate and normalise every line.

    Input: line_id, value. Output: one row per line with line_id, raw_record (BOM stripped),
    is_blank, reason (null when valid), source_format and the canonical review fields.
    """
    out = lines
    for stage in _parse_stages():
        out = out.select(*stage)
    return out


@cache
def _parse_stages() -> tuple[list[Column | str], ...]:
    """The projections of parse_reviews, built once per process.

    Building these few hundred expressions costs about 1,600 Py4J calls (~0.5 s); unresolved
    columns can be reused by any number of DataFrames, so they are built only once.
    """
    raw = F.regexp_replace(F.col("value"), "^\ufeff", "")
    parsed = [
        F.col("line_id"),
        raw.alias("raw_record"),
        F.coalesce(raw.rlike(r"^\s*$"), F.lit(True)).alias("is_blank"),
        F.from_json(raw, RAW_SCHEMA, _JSON_OPTIONS).alias("j"),
    ]

    j = F.col("j")
    # Jackson stops after the first complete value, so `{"a": 1} junk` would parse: a line must
    # also end with the object's closing brace.
    malformed = ~F.col("is_blank") & (j.isNull() | j[_CORRUPT].isNotNull() | ~F.col("raw_record").rlike(r"\}\s*$"))

    def any_present(names: tuple[str, ...]) -> Column:
        return reduce(lambda a, b: a | b, [j[n].isNotNull() for n in names])

    source_format = (
        F.when(F.col("is_blank") | malformed, F.lit(None).cast("string"))
        .when(any_present(_MARKERS_2023), F.lit(FORMAT_2023))
        .when(any_present(_MARKERS_2014), F.lit(FORMAT_2014))
        .when(any_present(_MARKERS_2018), F.lit(FORMAT_2018))
    )
    detected: list[Column | str] = [
        "line_id",
        "raw_record",
        "is_blank",
        malformed.alias("malformed"),
        source_format.alias("source_format"),
        "j",
    ]

    is_2023 = F.col("source_format") == FORMAT_2023
    is_2018 = F.col("source_format") == FORMAT_2018
    is_2014 = F.col("source_format") == FORMAT_2014

    # Review time: 2014/2018 epoch seconds, else their "MM D, YYYY" date; 2023 epoch millis.
    seconds = _number(j["unixReviewTime"])
    day = _review_date(j["reviewTime"])
    millis = _number(j["timestamp"])
    ts_2014_2018 = F.when(
        (seconds >= _EPOCH_FROM) & (seconds < _EPOCH_UNTIL), F.timestamp_seconds(seconds.cast("long"))
    ).when(
        (day >= F.lit(FIRST_USABLE_DAY)) & (day < F.lit(FIRST_UNUSABLE_DAY)),
        F.timestamp_seconds(F.unix_date(day).cast("long") * 86400),
    )
    ts_2023 = F.when(
        (millis >= _EPOCH_FROM * 1000) & (millis < _EPOCH_UNTIL * 1000),
        F.timestamp_millis(millis.cast("long")),
    )
    time_given = F.when(is_2023, _present(j["timestamp"])).otherwise(
        _present(j["unixReviewTime"]) | _present(j["reviewTime"])
    )

    helpful_2014 = F.from_json(j["helpful"], T.ArrayType(T.LongType()))
    urls_2018 = F.filter(F.from_json(j["image"], T.ArrayType(T.StringType())), _present)
    objects_2023 = F.filter(F.from_json(j["images"], _IMAGES_2023), lambda o: o.isNotNull())
    images_2018 = F.transform(urls_2018, lambda u: F.struct(u.alias("image_url"), F.lit("original").alias("variant")))
    images_2023 = F.flatten(
        F.transform(
            objects_2023,
            lambda o: F.filter(
                F.array(
                    *[
                        F.struct(o[f"{v}_image_url"].alias("image_url"), F.lit(v).alias("variant"))
                        for v in _VARIANTS_2023
                    ]
                ),
                lambda i: _present(i["image_url"]),
            ),
        )
    )
    no_images = F.array().cast(IMAGE_TYPE)
    images = (
        F.when(is_2023, F.coalesce(images_2023, no_images))
        .when(is_2018, F.coalesce(images_2018, no_images))
        .otherwise(no_images)
    )

    # Style keys: "Size:" → "size", " Color Name: " → "color name"; the first of equal keys wins.
    style_entries = F.transform(
        F.map_entries(F.from_json(j["style"], T.MapType(T.StringType(), T.StringType()))),
        lambda e: F.struct(
            F.lower(F.regexp_replace(e["key"], r"^\s+|\s*:?\s*$", "")).alias("key"),
            _strip(e["value"]).alias("value"),
        ),
    )

    fields: list[Column | str] = [
        "line_id",
        "raw_record",
        "is_blank",
        "malformed",
        "source_format",
        j["asin"].alias("product_id"),
        F.when(is_2023, j["parent_asin"]).alias("parent_product_id"),
        F.when(is_2023, j["user_id"]).otherwise(j["reviewerID"]).alias("reviewer_id"),
        F.when(is_2023, F.lit(None).cast("string")).otherwise(j["reviewerName"]).alias("reviewer_name"),
        F.when(is_2023, j["rating"]).otherwise(j["overall"]).alias("rating_text"),
        F.when(is_2023, j["title"]).otherwise(j["summary"]).alias("title"),
        F.when(is_2023, j["text"]).otherwise(j["reviewText"]).alias("review_text"),
        F.when(is_2023, ts_2023).otherwise(ts_2014_2018).alias("review_ts"),
        time_given.alias("time_given"),
        F.when(is_2023, F.when(j["helpful_vote"].isNull(), F.lit(0)).otherwise(_count(j["helpful_vote"])))
        .when(is_2018, F.when(j["vote"].isNull(), F.lit(0)).otherwise(_count(j["vote"])))
        .when(is_2014, F.get(helpful_2014, 0))
        .alias("helpful_votes"),
        F.when(is_2014, F.get(helpful_2014, 1)).alias("total_votes"),
        F.when(is_2023, _boolean(j["verified_purchase"]))
        .when(is_2018, _boolean(j["verified"]))
        .alias("verified_purchase"),
        F.when(is_2023, F.size(F.coalesce(objects_2023, F.array().cast(_IMAGES_2023))))
        .otherwise(F.size(images))
        .alias("image_count"),
        F.when(is_2018, style_entries).alias("style_entries"),
        images.alias("images"),
    ]

    rating = _number(F.col("rating_text"))
    reason = (
        F.when(F.col("is_blank"), F.lit(None).cast("string"))
        .when(F.col("malformed"), F.lit("malformed_json"))
        .when(F.col("source_format").isNull(), F.lit("unknown_format"))
        .when(~_present(F.col("product_id")), F.lit("missing_product_id"))
        .when(~_present(F.col("reviewer_id")), F.lit("missing_reviewer_id"))
        .when(~_present(F.col("rating_text")), F.lit("missing_rating"))
        .when(
            ~F.coalesce((rating == F.floor(rating)) & rating.between(1, 5), F.lit(False)),
            F.lit("invalid_rating"),
        )
        .when(~F.col("time_given"), F.lit("missing_review_time"))
        .when(F.col("review_ts").isNull(), F.lit("invalid_review_time"))
    )
    keys = F.transform(F.col("style_entries"), lambda e: e["key"])
    first_of_each_key = F.filter(
        F.col("style_entries"), lambda e, i: ~F.exists(F.slice(keys, 1, i), lambda k: k == e["key"])
    )
    review_date = F.date_from_unix_date(F.floor(F.unix_seconds(F.col("review_ts")) / 86400).cast("int"))
    identity = F.concat_ws(
        "\x1f", F.col("product_id"), F.col("reviewer_id"), F.unix_millis(F.col("review_ts")).cast("string")
    )
    with_reason: list[Column | str] = ["*", reason.alias("reason")]
    valid = F.col("reason").isNull() & ~F.col("is_blank")
    output: list[Column | str] = [
        "line_id",
        "raw_record",
        "is_blank",
        "reason",
        "source_format",
        F.when(valid, F.substring(F.sha2(identity, 256), 1, 32)).alias("review_id"),
        "product_id",
        "parent_product_id",
        "reviewer_id",
        "reviewer_name",
        F.when(valid, rating.cast("int")).alias("rating"),
        "title",
        "review_text",
        F.when(valid, F.col("review_ts")).alias("review_ts"),
        F.when(valid, review_date).alias("review_date"),
        "helpful_votes",
        "total_votes",
        "verified_purchase",
        "image_count",
        F.map_from_entries(first_of_each_key).alias("style"),
        F.when(valid, F.format_string("%04d", F.year(review_date))).alias(PARTITION_COLUMN),
        "images",
    ]
    return parsed, detected, fields, with_reason, output


def mark_duplicates(parsed: DataFrame) -> DataFrame:
    """Add ``status``: blank | quarantined | duplicate | processed.

    Within one file a valid record whose identity (product id, reviewer id, review time) an
    earlier valid line already had is a duplicate: the first line is kept, later ones counted.
    """
    valid = F.col("reason").isNull() & ~F.col("is_blank")
    window = Window.partitionBy(valid, *[F.col(c) for c in REVIEWS.identity]).orderBy("line_id")
    status = (
        F.when(F.col("is_blank"), F.lit(BLANK))
        .when(F.col("reason").isNotNull(), F.lit(QUARANTINED))
        .when(F.row_number().over(window) > 1, F.lit(DUPLICATE))
        .otherwise(F.lit(PROCESSED))
    )
    return parsed.select("*", status.alias("status"))


def line_stats(marked: DataFrame) -> DataFrame:
    """Lines per (text partition, status, reason, source_format): all the clean job counts, in one pass."""
    return (
        marked.groupBy(
            F.shiftright(F.col("line_id"), _ROW_BITS).alias("partition"), "status", "reason", "source_format"
        )
        .count()
        .select("partition", "status", "reason", "source_format", F.col("count").alias("lines"))
    )


def partition_offsets(lines_per_partition: Mapping[int, int]) -> dict[int, int]:
    """How many lines precede each text partition (partitions are the file's splits in order)."""
    offsets, seen = {}, 0
    for partition in sorted(lines_per_partition):
        offsets[partition] = seen
        seen += lines_per_partition[partition]
    return offsets


def with_line_numbers(df: DataFrame, offsets: Mapping[int, int]) -> DataFrame:
    """Add the 1-based physical line_number from line_id and the lines preceding each partition."""
    pairs = chain.from_iterable((F.lit(p).cast("long"), F.lit(o).cast("long")) for p, o in sorted(offsets.items()))
    offset = F.element_at(F.create_map(*pairs), F.shiftright(F.col("line_id"), _ROW_BITS)) if offsets else F.lit(0)
    line_number = offset + F.col("line_id").bitwiseAND(F.lit(_ROW_MASK)) + 1
    return df.select("*", line_number.cast("long").alias("line_number"))


def to_reviews(df: DataFrame, *, source_uri: str, run_id: str, ingested_at: datetime) -> DataFrame:
    """The kept records as canonical ``reviews`` rows, plus review_year and images (WORK_RECORD_SCHEMA)."""
    # Every column but the job's own three comes from parse_reviews under its contract name
    # (updating a key keeps its place, so the contract order holds).
    columns = {name: F.col(name) for name in REVIEWS_TABLE.column_names} | {
        "source_uri": F.lit(source_uri),
        "ingested_at": F.lit(ingested_at),
        "run_id": F.lit(run_id),
    }
    extra = {PARTITION_COLUMN: F.col(PARTITION_COLUMN), "images": F.col("images").cast(IMAGE_TYPE)}
    return df.filter(F.col("status") == PROCESSED).select(*_typed(REVIEWS_TABLE, columns, extra))


def to_quarantine(df: DataFrame, *, source_uri: str, run_id: str) -> DataFrame:
    """The quarantined lines as ``reviews_quarantine`` rows."""
    columns = {
        "source_uri": F.lit(source_uri),
        "line_number": F.col("line_number"),
        "reason": F.col("reason"),
        "raw_record": F.col("raw_record"),
        "run_id": F.lit(run_id),
    }
    return df.filter(F.col("status") == QUARANTINED).select(*_typed(QUARANTINE_TABLE, columns))


def to_published_reviews(records: DataFrame) -> DataFrame:
    """Work records → the ``reviews`` table: its columns plus the partition column (it goes into the path)."""
    columns = {name: F.col(name) for name in REVIEWS_TABLE.column_names}
    return records.select(*_typed(REVIEWS_TABLE, columns, {PARTITION_COLUMN: F.col(PARTITION_COLUMN)}))


def to_review_images(records: DataFrame) -> DataFrame:
    """Work records → the ``review_images`` table, one row per image variant, with the review's year."""
    exploded = records.select("review_id", "source_uri", "run_id", PARTITION_COLUMN, F.explode("images").alias("image"))
    columns = {
        "review_id": F.col("review_id"),
        "image_url": F.col("image.image_url"),
        "variant": F.col("image.variant"),
        "source_uri": F.col("source_uri"),
        "run_id": F.col("run_id"),
    }
    return exploded.select(*_typed(IMAGES_TABLE, columns, {PARTITION_COLUMN: F.col(PARTITION_COLUMN)}))
