"""The reviews dataset: Amazon review dumps (2014, 2018, 2023 generations)."""

from __future__ import annotations

from shoplake.core.contracts import Column as _C
from shoplake.core.contracts import Dataset, Table

REVIEWS = Dataset(
    name="reviews",
    prefix="reviews/",
    extensions=(".json", ".jsonl", ".ndjson"),
    compressions=(".gz",),
    identity=("product_id", "reviewer_id", "review_ts"),
    tables=(
        Table(
            name="reviews",
            partition_by="review_year",
            columns=(
                _C("review_id", "string", "sha256 of product id, reviewer id and review time (32 hex)"),
                _C("product_id", "string", "asin"),
                _C("parent_product_id", "string", "parent_asin (2023 only)"),
                _C("reviewer_id", "string", "reviewerID / user_id"),
                _C("reviewer_name", "string"),
                _C("rating", "int", "1 to 5"),
                _C("title", "string", "summary / title"),
                _C("review_text", "string", "reviewText / text"),
                _C("review_ts", "timestamp", "UTC"),
                _C("review_date", "date", "UTC date of review_ts"),
                _C("helpful_votes", "bigint"),
                _C("total_votes", "bigint", "2014 only"),
                _C("verified_purchase", "boolean", "null for 2014"),
                _C("image_count", "int"),
                _C("style", "map<string,string>", "keys lower-cased, trailing colon removed"),
                _C("source_format", "string", "amazon_2014 | amazon_2018 | amazon_2023"),
                _C("source_uri", "string"),
                _C("line_number", "bigint", "line of the record in its source object"),
                _C("ingested_at", "timestamp"),
                _C("run_id", "string"),
            ),
        ),
        Table(
            name="review_images",
            partition_by="review_year",
            columns=(
                _C("review_id", "string"),
                _C("image_url", "string"),
                _C("variant", "string", "original (2018) | small | medium | large (2023)"),
                _C("source_uri", "string"),
                _C("run_id", "string"),
            ),
        ),
        Table(
            name="reviews_quarantine",
            columns=(
                _C("source_uri", "string"),
                _C("line_number", "bigint"),
                _C("reason", "string"),
                _C("raw_record", "string"),
                _C("run_id", "string"),
            ),
        ),
    ),
    reason_codes={
        "malformed_json": "the line is not a JSON object (nor a Python dict literal)",
        "unknown_format": "the object matches none of the 2014 / 2018 / 2023 review layouts",
        "missing_product_id": "asin is missing or empty",
        "missing_reviewer_id": "reviewerID / user_id is missing or empty",
        "missing_rating": "overall / rating is missing",
        "invalid_rating": "the rating is not an integral number from 1 to 5",
        "missing_review_time": "no review time: unixReviewTime / reviewTime / timestamp all missing",
        "invalid_review_time": "the review time is present but unusable",
    },
)
