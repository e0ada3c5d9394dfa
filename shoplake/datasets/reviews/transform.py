"""Reviews: Amazon review records in, canonical ``reviews`` rows and their images out.

Three generations of Amazon review dumps arrive, possibly mixed line by line:

* ``amazon_2014`` — reviewerID, asin, reviewerName, helpful [helpful, total], reviewText, overall,
  summary, unixReviewTime (s), reviewTime ("MM D, YYYY"); also as Python dict literals;
* ``amazon_2018`` — as 2014 without helpful, plus vote ("1,234"), verified, style, image;
* ``amazon_2023`` — rating, title, text, images, asin, parent_asin, user_id, timestamp (ms),
  helpful_vote, verified_purchase.

The generic reader hands over every top-level field as its raw text (numbers, arrays and objects
included), so validation can say exactly what is wrong (a reason code) instead of silently
nulling a field; nested parts are parsed again from that text. Everything here is built-in
Spark functions: no Python runs per record. Reading, numbering, duplicates, quarantine rows and
counts are the generic jobs' (``shoplake.core.transform``).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache, reduce

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from shoplake.core.columns import boolean as _boolean
from shoplake.core.columns import count as _count
from shoplake.core.columns import iso_timestamp, sha_id
from shoplake.core.columns import number as _number
from shoplake.core.columns import present as _present
from shoplake.core.columns import strip as _strip
from shoplake.core.spark import typed
from shoplake.core.transform import DatasetTransform, ParseContext
from shoplake.datasets.reviews.contract import REVIEWS

REVIEWS_TABLE = REVIEWS.table("reviews")
IMAGES_TABLE = REVIEWS.table("review_images")
PARTITION_COLUMN = REVIEWS_TABLE.partition_by or "review_year"

FORMAT_2014, FORMAT_2018, FORMAT_2023 = "amazon_2014", "amazon_2018", "amazon_2023"
FORMAT_STORE = "store_csv"

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

# A review time is usable within [1994-01-01, 2100-01-01) UTC.
FIRST_USABLE_DAY, FIRST_UNUSABLE_DAY = date(1994, 1, 1), date(2100, 1, 1)
_EPOCH_FROM = (FIRST_USABLE_DAY - date(1970, 1, 1)).days * 86_400  # 757_382_400 s
_EPOCH_UNTIL = (FIRST_UNUSABLE_DAY - date(1970, 1, 1)).days * 86_400  # 4_102_444_800 s
_USABLE_FROM, _USABLE_UNTIL = datetime(1994, 1, 1), datetime(2100, 1, 1)

_REVIEW_TIME = r"^\s*(\d{1,2})\s+(\d{1,2}),\s*(\d{4})\s*$"  # "09 13, 2009", "01 5, 2014"


# --- helpers ---------------------------------------------------------------------------------


def _review_date(c: Column) -> Column:
    """The date of a "MM D, YYYY" text, or null. Spark's datetime patterns raise instead of
    returning null on some inputs (SparkUpgradeException), so the parts are taken by regex."""
    month = F.regexp_extract(c, _REVIEW_TIME, 1).try_cast("int")
    day = F.regexp_extract(c, _REVIEW_TIME, 2).try_cast("int")
    year = F.regexp_extract(c, _REVIEW_TIME, 3).try_cast("int")
    matched = F.coalesce(c.rlike(_REVIEW_TIME), F.lit(False))
    first_of_month = F.make_date(year, month, F.lit(1))
    return F.when(
        matched & month.between(1, 12) & (day >= 1),
        F.when(day <= F.dayofmonth(F.last_day(first_of_month)), F.make_date(year, month, day)),
    )


# --- the pipeline -----------------------------------------------------------------------------


def parse_reviews(records: DataFrame, layout: str | None = None) -> DataFrame:
    """Detect the generation, validate and normalise every record of a generic reader.

    Input: line_id, raw_record, is_blank, reason (the reader's), f. Output: line_id, raw_record,
    is_blank, reason (null when valid), source_format and the work columns. ``layout`` is the
    file's layout where its header decided it (``store_csv``); JSON records tell their own.
    """
    out = records
    for stage in _parse_stages(layout):
        out = out.select(*stage)
    return out


@cache
def _parse_stages(layout: str | None) -> tuple[list[Column | str], ...]:
    """The projections of parse_reviews, built once per process and layout.

    Building these few hundred expressions costs about 1,600 Py4J calls (~0.5 s); unresolved
    columns can be reused by any number of DataFrames, so they are built only once.
    """
    j = F.col("f")
    malformed = F.col("reason").isNotNull()

    def any_present(names: tuple[str, ...]) -> Column:
        return reduce(lambda a, b: a | b, [j[n].isNotNull() for n in names])

    source_format = F.when(F.col("is_blank") | malformed, F.lit(None).cast("string"))
    if layout == FORMAT_STORE:
        source_format = source_format.otherwise(F.lit(FORMAT_STORE))
    else:
        source_format = (
            source_format.when(any_present(_MARKERS_2023), F.lit(FORMAT_2023))
            .when(any_present(_MARKERS_2014), F.lit(FORMAT_2014))
            .when(any_present(_MARKERS_2018), F.lit(FORMAT_2018))
        )
    detected: list[Column | str] = [
        "line_id",
        "raw_record",
        "is_blank",
        F.col("reason").alias("read_reason"),
        malformed.alias("malformed"),
        source_format.alias("source_format"),
        F.col("f").alias("j"),
    ]
    j = F.col("j")

    is_2023 = F.col("source_format") == FORMAT_2023
    is_2018 = F.col("source_format") == FORMAT_2018
    is_2014 = F.col("source_format") == FORMAT_2014
    is_store = F.col("source_format") == FORMAT_STORE

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
    store_ts = iso_timestamp(j["review_date"])
    ts_store = F.when((store_ts >= F.lit(_USABLE_FROM)) & (store_ts < F.lit(_USABLE_UNTIL)), store_ts)
    time_given = (
        F.when(is_store, _present(j["review_date"]))
        .when(is_2023, _present(j["timestamp"]))
        .otherwise(_present(j["unixReviewTime"]) | _present(j["reviewTime"]))
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
        "read_reason",
        "malformed",
        "source_format",
        F.when(is_store, _strip(j["review_id"])).alias("store_review_id"),
        F.when(is_store, _strip(j["product_id"])).otherwise(j["asin"]).alias("product_id"),
        F.when(is_2023, j["parent_asin"]).alias("parent_product_id"),
        F.when(is_store, _strip(j["customer_id"]))
        .when(is_2023, j["user_id"])
        .otherwise(j["reviewerID"])
        .alias("reviewer_id"),
        F.when(is_2023 | is_store, F.lit(None).cast("string")).otherwise(j["reviewerName"]).alias("reviewer_name"),
        F.when(is_2023 | is_store, j["rating"]).otherwise(j["overall"]).alias("rating_text"),
        F.when(is_2023, j["title"]).when(is_store, F.lit(None).cast("string")).otherwise(j["summary"]).alias("title"),
        F.when(is_store, j["review_text"]).when(is_2023, j["text"]).otherwise(j["reviewText"]).alias("review_text"),
        F.when(is_store, ts_store).when(is_2023, ts_2023).otherwise(ts_2014_2018).alias("review_ts"),
        time_given.alias("time_given"),
        F.when(is_store, F.lit(0).cast("long"))
        .when(is_2023, F.when(j["helpful_vote"].isNull(), F.lit(0)).otherwise(_count(j["helpful_vote"])))
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
        .when(F.col("malformed"), F.col("read_reason"))
        .when(F.col("source_format").isNull(), F.lit("unknown_format"))
        .when(
            (F.col("source_format") == FORMAT_STORE) & ~_present(F.col("store_review_id")), F.lit("missing_review_id")
        )
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
    review_id = sha_id(F.col("product_id"), F.col("reviewer_id"), F.unix_millis(F.col("review_ts")))
    with_reason: list[Column | str] = ["*", reason.alias("reason")]
    valid = F.col("reason").isNull() & ~F.col("is_blank")
    output: list[Column | str] = [
        "line_id",
        "raw_record",
        "is_blank",
        "reason",
        "source_format",
        F.when(valid, F.coalesce(F.col("store_review_id"), review_id)).alias("review_id"),
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
    return detected, fields, with_reason, output


def to_published_reviews(records: DataFrame) -> DataFrame:
    """Work records → the ``reviews`` table: its columns plus the partition column (it goes into the path)."""
    columns = {name: F.col(name) for name in REVIEWS_TABLE.column_names}
    return records.select(*typed(REVIEWS_TABLE, columns, {PARTITION_COLUMN: F.col(PARTITION_COLUMN)}))


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
    return exploded.select(*typed(IMAGES_TABLE, columns, {PARTITION_COLUMN: F.col(PARTITION_COLUMN)}))


class ReviewsTransform(DatasetTransform):
    dataset = REVIEWS
    work_extras = (T.StructField("images", IMAGE_TYPE),)

    def parse(self, records: DataFrame, ctx: ParseContext) -> DataFrame:
        return parse_reviews(records, ctx.layout.name if ctx.layout else None)

    def publish(self, records: DataFrame) -> dict[str, DataFrame]:
        return {REVIEWS_TABLE.name: to_published_reviews(records), IMAGES_TABLE.name: to_review_images(records)}


TRANSFORM = ReviewsTransform()
