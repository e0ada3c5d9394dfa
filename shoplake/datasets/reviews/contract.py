"""The reviews dataset: Amazon review dumps (2014, 2018 and 2023 generations, mixed line by line)."""

from __future__ import annotations

from shoplake.core.contracts import Column as _C
from shoplake.core.contracts import Dataset, Layout, Quality, RecordFormat, Table, lineage_columns

JSON = (RecordFormat.JSON_LINES,)
CSV = (RecordFormat.CSV,)

LAYOUTS = (
    Layout(
        "amazon_2014",
        ("reviewerID", "asin", "reviewerName", "helpful", "reviewText", "overall", "summary",
         "unixReviewTime", "reviewTime"),
        formats=JSON,
        description="2014 dumps (also as Python dict literals): helpful [helpful, total], unixReviewTime in s",
    ),
    Layout(
        "amazon_2018",
        ("reviewerID", "asin", "reviewerName", "vote", "verified", "style", "image", "reviewText", "overall",
         "summary", "unixReviewTime", "reviewTime"),
        formats=JSON,
        description="2018 dumps: vote (\"1,234\"), verified, style, image",
    ),
    Layout(
        "amazon_2023",
        ("rating", "title", "text", "images", "asin", "parent_asin", "user_id", "timestamp", "helpful_vote",
         "verified_purchase"),
        formats=JSON,
        description="2023 dumps: timestamp in ms, images with small/medium/large URLs",
    ),
    Layout(
        "store_csv",
        ("review_id", "product_id", "customer_id", "rating", "review_text", "review_date"),
        required=("review_id", "product_id", "customer_id", "rating", "review_date"),
        formats=CSV,
        description="the shop's own review form export: the reviewer is the customer, review_id the shop's id",
    ),
)  # fmt: skip

REVIEWS = Dataset(
    name="reviews",
    description="Product reviews: Amazon review dumps and the shop's own review form.",
    formats=(RecordFormat.JSON_LINES, RecordFormat.CSV),
    layouts=LAYOUTS,
    dbt_source="amazon",
    # For Amazon records review_id is a hash of (product, reviewer, review time), so a repeated
    # review is a repeated id; a store review's id is the shop's own.
    identity=("review_id",),
    quality=Quality(model="fct_reviews", date_column="review_date"),
    published=(
        Table(
            name="reviews",
            partition_by="review_year",
            description=(
                "One row per review per publishing run (a review repeated in a later file appears once per file)."
            ),
            unique_key=("review_id", "run_id"),
            columns=(
                _C(
                    "review_id",
                    "string",
                    "Amazon: sha256 of product, reviewer and review time (32 hex); store: its id",
                    required=True,
                ),
                _C("product_id", "string", "asin / product_id"),
                _C("parent_product_id", "string", "parent_asin (2023 only)"),
                _C("reviewer_id", "string", "reviewerID / user_id / customer_id"),
                _C("reviewer_name", "string"),
                _C("rating", "int", "1 to 5", required=True, values=(1, 2, 3, 4, 5)),
                _C("title", "string", "summary / title"),
                _C("review_text", "string", "reviewText / text"),
                _C("review_ts", "timestamp", "UTC"),
                _C("review_date", "date", "UTC date of review_ts"),
                _C("helpful_votes", "bigint"),
                _C("total_votes", "bigint", "2014 only"),
                _C("verified_purchase", "boolean", "null for 2014"),
                _C("image_count", "int"),
                _C("style", "map<string,string>", "keys lower-cased, trailing colon removed"),
                _C("source_format", "string", "amazon_2014 | amazon_2018 | amazon_2023 | store_csv"),
                *lineage_columns(),
            ),
        ),
        Table(
            name="review_images",
            partition_by="review_year",
            description="One row per image of a review per publishing run.",
            unique_key=("run_id", "review_id", "variant", "image_url"),
            columns=(
                _C("review_id", "string"),
                _C("image_url", "string"),
                _C("variant", "string", "original (2018) | small | medium | large (2023)"),
                _C("source_uri", "string"),
                _C("run_id", "string"),
            ),
        ),
    ),
    reasons={
        "unknown_format": "the object matches none of the 2014 / 2018 / 2023 review layouts",
        "missing_review_id": "a store review without its review_id",
        "missing_product_id": "asin / product_id is missing or empty",
        "missing_reviewer_id": "reviewerID / user_id / customer_id is missing or empty",
        "missing_rating": "overall / rating is missing",
        "invalid_rating": "the rating is not an integral number from 1 to 5",
        "missing_review_time": "no review time: unixReviewTime / reviewTime / timestamp / review_date all missing",
        "invalid_review_time": "the review time is present but unusable (or before 1994, or from 2100 on)",
    },
)

CONTRACT = REVIEWS
