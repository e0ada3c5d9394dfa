"""What the QuickSight dashboard shows: the marts it reads and the local app's pages
(``shoplake/reporting/dashboard``), sheet by sheet; the shop's questions and data quality are in
``shop_sheets``."""

from __future__ import annotations

from shoplake.reporting.quicksight import shop_sheets
from shoplake.reporting.quicksight.model import (
    BIT,
    DATETIME,
    DECIMAL,
    INTEGER,
    STRING,
    DataSet,
    Filter,
    Sheet,
    Table,
    bar,
    col,
    combo,
    date_picker,
    dropdown,
    equals_parameter,
    is_true,
    kpi,
    line,
    listing,
    ranked,
    ranking,
    row,
    text_field,
)

FCT_REVIEWS = Table(
    "FCT_REVIEWS",
    (
        ("REVIEW_ID", STRING),
        ("PRODUCT_ID", STRING),
        ("PARENT_PRODUCT_ID", STRING),
        ("REVIEWER_ID", STRING),
        ("REVIEWER_NAME", STRING),
        ("RATING", INTEGER),
        ("REVIEW_TITLE", STRING),
        ("REVIEW_TEXT", STRING),
        ("REVIEWED_AT", DATETIME),
        ("REVIEW_DATE", DATETIME),
        ("REVIEW_MONTH", DATETIME),
        ("REVIEW_YEAR", INTEGER),
        ("HELPFUL_VOTES", INTEGER),
        ("TOTAL_VOTES", INTEGER),
        ("IS_VERIFIED_PURCHASE", BIT),
        ("IMAGE_COUNT", INTEGER),
        ("STYLE_SIZE", STRING),
        ("STYLE_COLOR", STRING),
        ("STYLE_FORMAT", STRING),
        ("SOURCE_FORMAT", STRING),
        ("SOURCE_URI", STRING),
        ("SOURCE_LINE_NUMBER", INTEGER),
        ("RUN_ID", STRING),
        ("INGESTED_AT", DATETIME),
    ),
)
PRODUCT_RATING_SUMMARY = Table(
    "PRODUCT_RATING_SUMMARY",
    (
        ("PRODUCT_ID", STRING),
        ("REVIEW_COUNT", INTEGER),
        ("AVERAGE_RATING", DECIMAL),
        *((f"RATING_{stars}_COUNT", INTEGER) for stars in range(1, 6)),
        ("VERIFIED_REVIEW_COUNT", INTEGER),
        ("VERIFIED_SHARE", DECIMAL),
        ("HELPFUL_WEIGHTED_AVERAGE", DECIMAL),
        ("BAYESIAN_AVERAGE", DECIMAL),
        ("FIRST_REVIEW_DATE", DATETIME),
        ("LAST_REVIEW_DATE", DATETIME),
    ),
)
PRODUCT_REVIEWS_MONTHLY = Table(
    "PRODUCT_REVIEWS_MONTHLY",
    (
        ("PRODUCT_ID", STRING),
        ("REVIEW_MONTH", DATETIME),
        ("REVIEW_COUNT", INTEGER),
        ("AVERAGE_RATING", DECIMAL),
        ("PREVIOUS_MONTH_REVIEW_COUNT", INTEGER),
        ("PREVIOUS_MONTH_AVERAGE_RATING", DECIMAL),
        ("REVIEW_COUNT_CHANGE", INTEGER),
        ("AVERAGE_RATING_CHANGE", DECIMAL),
    ),
)
REVIEWER_ACTIVITY = Table(
    "REVIEWER_ACTIVITY",
    (
        ("REVIEWER_ID", STRING),
        ("REVIEW_COUNT", INTEGER),
        ("DISTINCT_PRODUCTS", INTEGER),
        ("FIRST_REVIEWED_AT", DATETIME),
        ("LAST_REVIEWED_AT", DATETIME),
        ("ACTIVE_DAYS", INTEGER),
        ("MAX_REVIEWS_IN_ONE_DAY", INTEGER),
        ("AVERAGE_RATING_GIVEN", DECIMAL),
        ("FIVE_STAR_SHARE", DECIMAL),
        ("VERIFIED_SHARE", DECIMAL),
        ("IS_UNUSUAL", BIT),
    ),
)
# Only the name: the other columns of dim_reviewers repeat reviewer_activity's.
DIM_REVIEWERS = Table("DIM_REVIEWERS", (("REVIEWER_ID", STRING), ("REVIEWER_NAME", STRING)))
FCT_PIPELINE_RUNS = Table(
    "FCT_PIPELINE_RUNS",
    (
        ("RUN_ID", STRING),
        ("DATASET", STRING),
        ("SOURCE_URI", STRING),
        ("SOURCE_ID", STRING),
        ("PIPELINE_VERSION", STRING),
        ("COMMITTED_AT", DATETIME),
        ("COMMITTED_DATE", DATETIME),
        ("IS_CURRENT_RUN", BIT),
        ("RECORDS_READ", INTEGER),
        ("PROCESSED", INTEGER),
        ("QUARANTINED", INTEGER),
        ("DUPLICATES", INTEGER),
        ("QUARANTINE_RATE", DECIMAL),
        ("DUPLICATE_RATE", DECIMAL),
        ("QUARANTINE_ROWS", INTEGER),
        ("CLEAN_SECONDS", DECIMAL),
        ("FLATTEN_SECONDS", DECIMAL),
    ),
)
PIPELINE_HEALTH_DAILY = Table(
    "PIPELINE_HEALTH_DAILY",
    (
        ("DATASET", STRING),
        ("COMMITTED_DATE", DATETIME),
        ("RUNS", INTEGER),
        ("FILES", INTEGER),
        ("RECORDS_READ", INTEGER),
        ("PROCESSED", INTEGER),
        ("QUARANTINED", INTEGER),
        ("DUPLICATES", INTEGER),
        ("PROCESSING_SECONDS", DECIMAL),
        ("QUARANTINE_RATE", DECIMAL),
        ("DUPLICATE_RATE", DECIMAL),
    ),
)
FCT_QUARANTINE_REASONS = Table(
    "FCT_QUARANTINE_REASONS",
    (
        ("QUARANTINE_REASON_ID", STRING),
        ("RUN_ID", STRING),
        ("DATASET", STRING),
        ("SOURCE_URI", STRING),
        ("COMMITTED_AT", DATETIME),
        ("COMMITTED_DATE", DATETIME),
        ("IS_CURRENT_RUN", BIT),
        ("QUARANTINE_REASON", STRING),
        ("REASON_DESCRIPTION", STRING),
        ("RECORDS", INTEGER),
    ),
)
FCT_QUARANTINED_RECORDS = Table(
    "FCT_QUARANTINED_RECORDS",
    (
        ("QUARANTINED_RECORD_ID", STRING),
        ("RUN_ID", STRING),
        ("DATASET", STRING),
        ("SOURCE_URI", STRING),
        ("COMMITTED_AT", DATETIME),
        ("SOURCE_LINE_NUMBER", INTEGER),
        ("QUARANTINE_REASON", STRING),
        ("RAW_RECORD", STRING),
    ),
)

DATA_SETS: dict[str, DataSet] = {
    ds.key: ds
    for ds in (
        DataSet("fct_reviews", FCT_REVIEWS),
        DataSet("product_rating_summary", PRODUCT_RATING_SUMMARY),
        DataSet("product_reviews_monthly", PRODUCT_REVIEWS_MONTHLY),
        DataSet("reviewer_activity", REVIEWER_ACTIVITY, lookup=(DIM_REVIEWERS, "REVIEWER_ID", "REVIEWER_NAME")),
        DataSet("fct_pipeline_runs", FCT_PIPELINE_RUNS),
        DataSet("pipeline_health_daily", PIPELINE_HEALTH_DAILY),
        DataSet("fct_quarantine_reasons", FCT_QUARANTINE_REASONS),
        DataSet("fct_quarantined_records", FCT_QUARANTINED_RECORDS),
        *shop_sheets.DATA_SETS,
    )
}
REVIEWS_DS, SUMMARY_DS, MONTHLY_DS, ACTIVITY_DS = (
    "fct_reviews",
    "product_rating_summary",
    "product_reviews_monthly",
    "reviewer_activity",
)
RUNS_DS, DAILY_DS, QUARANTINE_DS = "fct_pipeline_runs", "pipeline_health_daily", "fct_quarantined_records"
REASONS_DS = "fct_quarantine_reasons"


# ─── the dashboard: the local app's four pages ─────────────────────────────────────────────

RANKED = 10  # shoplake/reporting/dashboard/views/products.py
DEFAULT_MIN_REVIEWS = 10
HELPFUL_REVIEWS = 5  # shoplake/reporting/dashboard/queries.py most_helpful_reviews
ACTIVITY_BUCKETS = ("1", "2", "3–4", "5–9", "10+")  # shoplake/reporting/dashboard/queries.py

CALCULATED_FIELDS = (
    {
        "DataSetIdentifier": ACTIVITY_DS,
        "Name": "REVIEWS_WRITTEN",
        "Expression": (
            "ifelse({REVIEW_COUNT} = 1, '1', {REVIEW_COUNT} = 2, '2', {REVIEW_COUNT} <= 4, '3–4', "
            "{REVIEW_COUNT} <= 9, '5–9', '10+')"
        ),
    },
    {"DataSetIdentifier": ACTIVITY_DS, "Name": "WROTE_ONE_REVIEW", "Expression": "ifelse({REVIEW_COUNT} = 1, 1, 0)"},
)

PARAMETERS = (
    {
        "DateTimeParameterDeclaration": {
            "Name": "PeriodStart",
            "TimeGranularity": "DAY",
            "DefaultValues": {"StaticValues": ["1990-01-01T00:00:00.000Z"]},
        }
    },
    {
        "DateTimeParameterDeclaration": {
            "Name": "PeriodEnd",
            "TimeGranularity": "DAY",
            "DefaultValues": {"RollingDate": {"Expression": "truncDate('DD', now())"}},
        }
    },
    {
        "IntegerParameterDeclaration": {
            "Name": "MinReviews",
            "ParameterValueType": "SINGLE_VALUED",
            "DefaultValues": {"StaticValues": [DEFAULT_MIN_REVIEWS]},
        }
    },
    {
        "StringParameterDeclaration": {
            "Name": "Product",
            "ParameterValueType": "SINGLE_VALUED",
            "ValueWhenUnset": {"ValueWhenUnsetOption": "NULL"},
        }
    },
    *shop_sheets.PARAMETERS,
)

_MONTH = col(REVIEWS_DS, "REVIEW_MONTH", "date", granularity="MONTH")
_REVIEWS = col(REVIEWS_DS, "REVIEW_ID", "count")
_RATING = col(REVIEWS_DS, "RATING", "average", fmt="rating")

# shoplake/reporting/dashboard/views/overview.py: the period's headline numbers, how fresh the data is.
OVERVIEW = Sheet(
    "overview",
    "Overview",
    rows=(
        row(
            6,
            kpi("overview-reviews", "Reviews", _REVIEWS),
            kpi("overview-products", "Products", col(REVIEWS_DS, "PRODUCT_ID", "distinct")),
            kpi("overview-reviewers", "Reviewers", col(REVIEWS_DS, "REVIEWER_ID", "distinct")),
        ),
        row(
            6,
            kpi("overview-average-rating", "Average rating", _RATING),
            kpi(
                "overview-verified-purchases",
                "Verified purchases",
                col(REVIEWS_DS, "IS_VERIFIED_PURCHASE", "average", fmt="share"),
            ),
            kpi(
                "overview-data-freshness",
                "Data freshness: newest file committed",
                col(RUNS_DS, "COMMITTED_AT", "latest"),
            ),
        ),
        row(
            12,
            bar("overview-reviews-per-month", "Reviews per month", _REVIEWS, _MONTH),
            line("overview-average-rating-per-month", "Average rating per month", _RATING, _MONTH),
        ),
    ),
    parameter_controls=(
        date_picker("overview-period-start", "Reviews written from", "PeriodStart"),
        date_picker("overview-period-end", "Reviews written until", "PeriodEnd"),
    ),
)

_PRODUCT = col(SUMMARY_DS, "PRODUCT_ID", "category", "Product")
_RANKED_VALUES = (
    col(SUMMARY_DS, "REVIEW_COUNT", "sum", "Reviews", "count"),
    col(SUMMARY_DS, "AVERAGE_RATING", "max", "Average", "rating"),
    col(SUMMARY_DS, "BAYESIAN_AVERAGE", "max", "Bayesian average", "rating"),
    col(SUMMARY_DS, "VERIFIED_SHARE", "max", "Verified", "share"),
)
_STARS = col(REVIEWS_DS, "RATING", "number", "Rating")

# shoplake/reporting/dashboard/views/products.py: best and worst by Bayesian average, the rating
# distribution, one product's trend, ratings and most helpful reviews.
PRODUCTS = Sheet(
    "products",
    "Products",
    rows=(
        row(
            12,
            ranking(
                "products-top",
                f"Top {RANKED} by Bayesian average",
                _PRODUCT,
                _RANKED_VALUES,
                ("BAYESIAN_AVERAGE", "DESC"),
            ),
            ranking(
                "products-bottom",
                f"Bottom {RANKED} by Bayesian average",
                _PRODUCT,
                _RANKED_VALUES,
                ("BAYESIAN_AVERAGE", "ASC"),
            ),
        ),
        row(
            8,
            bar(
                "products-rating-distribution",
                "Rating distribution, all products",
                _REVIEWS,
                _STARS,
                sort=("RATING", "DESC"),
                horizontal=True,
            ),
        ),
        row(
            6,
            kpi(
                "products-product-reviews",
                "Reviews of this product",
                col(SUMMARY_DS, "REVIEW_COUNT", "sum", fmt="count"),
            ),
            kpi(
                "products-product-average-rating",
                "Its average rating",
                col(SUMMARY_DS, "AVERAGE_RATING", "max", fmt="rating"),
            ),
            kpi(
                "products-product-bayesian-average",
                "Its Bayesian average",
                col(SUMMARY_DS, "BAYESIAN_AVERAGE", "max", fmt="rating"),
            ),
        ),
        row(
            10,
            combo(
                "products-monthly-trend",
                "Monthly trend",
                bars=col(MONTHLY_DS, "REVIEW_COUNT", "sum", fmt="count"),
                lines=col(MONTHLY_DS, "AVERAGE_RATING", "max", fmt="rating"),
                by=col(MONTHLY_DS, "REVIEW_MONTH", "date", granularity="MONTH"),
            ),
            bar("products-product-ratings", "Its ratings", _REVIEWS, _STARS, sort=("RATING", "DESC"), horizontal=True),
        ),
        row(
            10,
            listing(
                "products-most-helpful-reviews",
                "Most helpful reviews",
                REVIEWS_DS,
                (
                    ("REVIEW_DATE", "Written"),
                    ("RATING", "Rating"),
                    ("HELPFUL_VOTES", "Helpful votes", "count"),
                    ("REVIEW_TITLE", "Title"),
                    ("REVIEW_TEXT", "Review"),
                    ("REVIEWER_ID", "Reviewer"),
                ),
                sort=("HELPFUL_VOTES", "DESC"),
                page_size=HELPFUL_REVIEWS,
            ),
        ),
    ),
    parameter_controls=(
        text_field("products-min-reviews", "Minimum reviews per product", "MinReviews"),
        dropdown("products-product", "Product", "Product", values_from=_PRODUCT),
    ),
)

# shoplake/reporting/dashboard/views/reviewers.py: how much people review, and the unusual reviewers.
REVIEWERS = Sheet(
    "reviewers",
    "Reviewers",
    rows=(
        row(
            6,
            kpi("reviewers-reviewers", "Reviewers", col(ACTIVITY_DS, "REVIEWER_ID", "count")),
            kpi(
                "reviewers-reviews-per-reviewer",
                "Reviews per reviewer",
                col(ACTIVITY_DS, "REVIEW_COUNT", "average", fmt="rating"),
            ),
            kpi(
                "reviewers-wrote-one-review",
                "Wrote one review",
                col(ACTIVITY_DS, "WROTE_ONE_REVIEW", "average", fmt="share"),
            ),
            kpi("reviewers-unusual-reviewers", "Unusual reviewers", col(ACTIVITY_DS, "IS_UNUSUAL", "sum", fmt="count")),
        ),
        row(
            10,
            bar(
                "reviewers-activity-distribution",
                "Activity distribution",
                col(ACTIVITY_DS, "REVIEWER_ID", "count", "Reviewers"),
                col(ACTIVITY_DS, "REVIEWS_WRITTEN", "category", "Reviews written"),
                sort=("REVIEW_COUNT", "ASC"),  # the buckets in order: by their smallest review count
            ),
        ),
        row(
            12,
            listing(
                "reviewers-unusual",
                "Unusual reviewers",
                ACTIVITY_DS,
                (
                    ("REVIEWER_ID", "Reviewer"),
                    ("REVIEWER_NAME", "Name"),
                    ("REVIEW_COUNT", "Reviews", "count"),
                    ("MAX_REVIEWS_IN_ONE_DAY", "Most in one day", "count"),
                    ("ACTIVE_DAYS", "Active days", "count"),
                    ("DISTINCT_PRODUCTS", "Products", "count"),
                    ("AVERAGE_RATING_GIVEN", "Average given", "rating"),
                    ("FIVE_STAR_SHARE", "Five stars", "share"),
                    ("VERIFIED_SHARE", "Verified", "share"),
                ),
                sort=("MAX_REVIEWS_IN_ONE_DAY", "DESC"),
            ),
        ),
    ),
)

_DAY = col(DAILY_DS, "COMMITTED_DATE", "date", "Day", granularity="DAY")

# shoplake/reporting/dashboard/views/pipeline_health.py: totals over the current runs, records and
# quarantine reasons per day, the runs, a file's quarantined lines. (The local app's "Recent
# executions" come from Step Functions, not the marts: here the runs table takes their place.)
PIPELINE_HEALTH = Sheet(
    "pipeline-health",
    "Pipeline health",
    rows=(
        row(
            6,
            kpi("pipeline-files-published", "Files published", col(RUNS_DS, "RUN_ID", "count")),
            kpi("pipeline-records-read", "Records read", col(RUNS_DS, "RECORDS_READ", "sum", fmt="count")),
            kpi("pipeline-quarantined", "Quarantined", col(RUNS_DS, "QUARANTINED", "sum", fmt="count")),
            kpi("pipeline-duplicates", "Duplicates", col(RUNS_DS, "DUPLICATES", "sum", fmt="count")),
        ),
        row(
            12,
            bar(
                "pipeline-records-per-day",
                "Records per day",
                tuple(col(DAILY_DS, c, "sum", fmt="count") for c in ("PROCESSED", "QUARANTINED", "DUPLICATES")),
                _DAY,
                stacked=True,
            ),
            bar(
                "pipeline-quarantined-by-reason",
                "Quarantined by reason per day",
                col(REASONS_DS, "RECORDS", "sum", fmt="count"),
                col(REASONS_DS, "COMMITTED_DATE", "date", "Day", granularity="DAY"),
                stacked=True,
                colors=col(REASONS_DS, "QUARANTINE_REASON", "category", "Reason"),
            ),
        ),
        row(
            8,
            listing(
                "pipeline-quarantine-reasons",
                "Quarantine reasons of each file",
                REASONS_DS,
                (
                    ("DATASET", "Dataset"),
                    ("SOURCE_URI", "File"),
                    ("QUARANTINE_REASON", "Reason"),
                    ("REASON_DESCRIPTION", "What it means"),
                    ("RECORDS", "Records", "count"),
                ),
                sort=("RECORDS", "DESC"),
            ),
        ),
        row(
            12,
            listing(
                "pipeline-runs",
                "Runs",
                RUNS_DS,
                (
                    ("COMMITTED_AT", "Committed"),
                    ("DATASET", "Dataset"),
                    ("SOURCE_URI", "File"),
                    ("RUN_ID", "Run"),
                    ("PIPELINE_VERSION", "Pipeline version"),
                    ("IS_CURRENT_RUN", "Current run (1 = yes)"),
                    ("RECORDS_READ", "Read", "count"),
                    ("PROCESSED", "Processed", "count"),
                    ("QUARANTINED", "Quarantined", "count"),
                    ("DUPLICATES", "Duplicates", "count"),
                ),
                sort=("COMMITTED_AT", "DESC"),
            ),
        ),
        row(
            12,
            listing(
                "pipeline-quarantined-records",
                "Quarantined records of a file",
                QUARANTINE_DS,
                (
                    ("DATASET", "Dataset"),
                    ("SOURCE_URI", "File"),
                    ("SOURCE_LINE_NUMBER", "Line"),
                    ("QUARANTINE_REASON", "Reason"),
                    ("RAW_RECORD", "Record as it arrived"),
                ),
                sort=("SOURCE_LINE_NUMBER", "ASC"),
            ),
        ),
    ),
    filter_controls=(
        {
            "Dropdown": {
                "FilterControlId": "pipeline-dataset",
                "Title": "Dataset",
                "SourceFilterId": "pipeline-dataset-filter",
                "Type": "MULTI_SELECT",
            }
        },
        {
            "Dropdown": {
                "FilterControlId": "pipeline-quarantine-file",
                "Title": "File",
                "SourceFilterId": "pipeline-quarantine-file-filter",
                "Type": "SINGLE_SELECT",
            }
        },
    ),
)

SHEETS = (OVERVIEW, *shop_sheets.SHEETS[:6], PRODUCTS, REVIEWERS, PIPELINE_HEALTH, shop_sheets.DQ_SHEET)


FILTERS = (
    # Overview: the period the reviews were written in (every review visual, not the freshness).
    Filter(
        "overview-period",
        "overview",
        OVERVIEW.visual_ids_reading(REVIEWS_DS),
        {
            "TimeRangeFilter": {
                "Column": {"DataSetIdentifier": REVIEWS_DS, "ColumnName": "REVIEW_DATE"},
                "RangeMinimumValue": {"Parameter": "PeriodStart"},
                "RangeMaximumValue": {"Parameter": "PeriodEnd"},
                "IncludeMinimum": True,
                "IncludeMaximum": True,
                "TimeGranularity": "DAY",
                "NullOption": "NON_NULLS_ONLY",
            }
        },
    ),
    # Products: the rankings only count products with the minimum reviews.
    Filter(
        "products-min-reviews",
        "products",
        ("products-top", "products-bottom"),
        {
            "NumericRangeFilter": {
                "Column": {"DataSetIdentifier": SUMMARY_DS, "ColumnName": "REVIEW_COUNT"},
                "RangeMinimum": {"Parameter": "MinReviews"},
                "IncludeMinimum": True,
                "NullOption": "NON_NULLS_ONLY",
            }
        },
    ),
    Filter(
        "products-top-ranked",
        "products",
        ("products-top",),
        ranked(SUMMARY_DS, "PRODUCT_ID", "BAYESIAN_AVERAGE", RANKED, "DESC"),
    ),
    Filter(
        "products-bottom-ranked",
        "products",
        ("products-bottom",),
        ranked(SUMMARY_DS, "PRODUCT_ID", "BAYESIAN_AVERAGE", RANKED, "ASC"),
    ),
    # Products: the chosen product, in each data set its visuals read.
    Filter(
        "products-product-summary",
        "products",
        ("products-product-reviews", "products-product-average-rating", "products-product-bayesian-average"),
        equals_parameter(SUMMARY_DS, "PRODUCT_ID", "Product"),
    ),
    Filter(
        "products-product-monthly",
        "products",
        ("products-monthly-trend",),
        equals_parameter(MONTHLY_DS, "PRODUCT_ID", "Product"),
    ),
    Filter(
        "products-product-reviews",
        "products",
        ("products-product-ratings", "products-most-helpful-reviews"),
        equals_parameter(REVIEWS_DS, "PRODUCT_ID", "Product"),
    ),
    Filter("reviewers-unusual", "reviewers", ("reviewers-unusual",), is_true(ACTIVITY_DS, "IS_UNUSUAL")),
    # Pipeline health: every visual shows the chosen datasets (all by default); each of the
    # sheet's data sets has a DATASET column, so one filter serves them all.
    Filter(
        "pipeline-dataset",
        "pipeline-health",
        tuple(v.visual_id for v in PIPELINE_HEALTH.visuals),
        {
            "CategoryFilter": {
                "Column": {"DataSetIdentifier": RUNS_DS, "ColumnName": "DATASET"},
                "Configuration": {
                    "FilterListConfiguration": {"MatchOperator": "EQUALS", "SelectAllOptions": "FILTER_ALL_VALUES"}
                },
            }
        },
        cross_dataset=True,
    ),
    # Pipeline health: the totals are over the current run of every file (what raw.* shows).
    Filter(
        "pipeline-current-runs",
        "pipeline-health",
        ("pipeline-files-published", "pipeline-records-read", "pipeline-quarantined", "pipeline-duplicates"),
        is_true(RUNS_DS, "IS_CURRENT_RUN"),
    ),
    Filter(
        "pipeline-current-reasons",
        "pipeline-health",
        ("pipeline-quarantine-reasons",),
        is_true(REASONS_DS, "IS_CURRENT_RUN"),
    ),
    Filter(
        "pipeline-quarantine-file",
        "pipeline-health",
        ("pipeline-quarantined-records",),
        {
            "CategoryFilter": {
                "Column": {"DataSetIdentifier": QUARANTINE_DS, "ColumnName": "SOURCE_URI"},
                "Configuration": {
                    "FilterListConfiguration": {"MatchOperator": "EQUALS", "SelectAllOptions": "FILTER_ALL_VALUES"}
                },
            }
        },
    ),
    *shop_sheets.FILTERS,
)
