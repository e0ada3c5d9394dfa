"""Dataset contracts: what each dataset accepts, how it is laid out, what it publishes.

The pipeline is generic over these. One name per thing across layers: the dataset ``reviews``
is the landing prefix, the contract, the Glue job argument, the processed tables' stem and the
dbt source. Types are written once here in a neutral notation (``string``, ``bigint``, ``int``,
``double``, ``boolean``, ``timestamp``, ``date``, ``map<string,string>``) and mapped to Spark,
DuckDB and Snowflake where each needs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str = ""


@dataclass(frozen=True)
class Table:
    """A published table: Parquet under ``<processed>/<name>/source=<id>/run=<run>/[<partition>=…/]``."""

    name: str
    columns: tuple[Column, ...]
    # Hive-style partition column derived from the data; it lives in the path, not in the files.
    partition_by: str | None = None
    partition_type: str = "int"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class Dataset:
    name: str
    # Landing prefix in the raw bucket (also the EventBridge rule's prefix filter).
    prefix: str
    extensions: tuple[str, ...]
    compressions: tuple[str, ...]
    tables: tuple[Table, ...]
    # The columns that identify a record; a second record with the same identity in a file is a duplicate.
    identity: tuple[str, ...]
    # Every reason a record can be quarantined for, with what it means.
    reason_codes: dict[str, str] = field(default_factory=dict)

    def table(self, name: str) -> Table:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)

    def accepts(self, key: str) -> bool:
        return accepted_suffix(self, key) is not None


def accepted_suffix(dataset: Dataset, key: str) -> str | None:
    """The accepted suffix the key ends with (e.g. ``.jsonl.gz``), or None."""
    name = key.rsplit("/", 1)[-1].lower()
    for ext in dataset.extensions:
        for comp in ("", *dataset.compressions):
            if name.endswith(ext + comp) and len(name) > len(ext + comp):
                return ext + comp
    return None


_C = Column

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

DATASETS: dict[str, Dataset] = {REVIEWS.name: REVIEWS}

# One row per execution that published a source (the run manifests under _manifests/<dataset>/runs/):
# the pipeline's own health record, for every dataset.
PIPELINE_RUNS = Table(
    name="pipeline_runs",
    columns=(
        _C("dataset", "string"),
        _C("source_uri", "string"),
        _C("source_id", "string"),
        _C("run_id", "string"),
        _C("pipeline_version", "string"),
        _C("committed_at", "timestamp"),
        _C("lines_read", "bigint"),
        _C("processed", "bigint"),
        _C("quarantined", "bigint"),
        _C("duplicates", "bigint"),
        _C("quarantine_reasons", "map<string,bigint>", "records quarantined per reason code"),
        _C("clean_seconds", "double"),
        _C("flatten_seconds", "double"),
    ),
)


def dataset_for_key(key: str) -> Dataset | None:
    """The dataset whose landing prefix the key is under."""
    for ds in DATASETS.values():
        if key.startswith(ds.prefix):
            return ds
    return None


def get_dataset(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; known: {sorted(DATASETS)}") from None
