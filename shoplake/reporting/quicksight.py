"""Amazon QuickSight over the Snowflake marts, as CloudFormation: ``resources/quicksight.yml``.

A data source on Snowflake (credentials from a Secrets Manager secret), one direct-query data set
per mart the local dashboard reads, and a dashboard that repeats the local Streamlit app
(``shoplake/reporting/dashboard``) sheet by sheet. A dashboard definition is long and repetitive JSON, so it
is generated from the compact description below: ``python -m shoplake.reporting.quicksight`` rewrites
``resources/quicksight.yml``, and a unit test checks that the committed file is this module's
output. Everything is created only when the stage param ``quicksight`` is ``'true'``.

Snowflake stores dbt's unquoted identifiers in upper case, so table and column names here are
upper case. Booleans are ``BIT`` (QuickSight reads them as 0/1 integers): the average of
``IS_VERIFIED_PURCHASE`` is the verified share over the reviews whose verification is known,
exactly as the local app computes it.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from shoplake.datasets.reviews.contract import REVIEWS
from shoplake.project import REPO_ROOT

REPO = REPO_ROOT
OUTPUT = REPO / "resources" / "quicksight.yml"

# snowflake/stages.yml `martsSchema` (a test keeps them equal): where dbt builds the marts.
MARTS_SCHEMA = "MARTS"
REASONS: tuple[str, ...] = tuple(REVIEWS.reason_codes)

# QuickSight input column types.
STRING, INTEGER, DECIMAL, DATETIME, BIT = "STRING", "INTEGER", "DECIMAL", "DATETIME", "BIT"

# Resource names: `${self:service}-${sls:stage}-…`, resolved by `sls package` like every other
# resource name; the stage's Snowflake database and warehouse come from serverless.yml params.
PREFIX = "${self:service}-${sls:stage}"
CONDITION = "QuickSightOn"
MISCONFIGURED = "QuickSightMisconfigured"
DATA_SOURCE = "QuickSightSnowflakeDataSource"
DASHBOARD = "QuickSightDashboard"

# What the principal (the QuickSight user or group of the stage's readers) may do: use the data
# source and data sets in its own analyses, and view the dashboard. Ownership stays with the stack.
DATA_SOURCE_ACTIONS = [
    "quicksight:DescribeDataSource",
    "quicksight:DescribeDataSourcePermissions",
    "quicksight:PassDataSource",
]
DATA_SET_ACTIONS = [
    "quicksight:DescribeDataSet",
    "quicksight:DescribeDataSetPermissions",
    "quicksight:PassDataSet",
    "quicksight:DescribeIngestion",
    "quicksight:ListIngestions",
]
DASHBOARD_ACTIONS = ["quicksight:DescribeDashboard", "quicksight:ListDashboardVersions", "quicksight:QueryDashboard"]


# ─── the marts ──────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Table:
    """A Snowflake table of the marts schema, and the columns a data set reads from it."""

    name: str
    columns: tuple[tuple[str, str], ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.columns)


@dataclass(frozen=True)
class DataSet:
    """A direct-query data set: one mart, or a mart joined with a dimension for a name."""

    key: str  # the dbt model; the data set's identifier in the dashboard
    table: Table
    # (table, its key column, the column it adds): a left join on the key.
    lookup: tuple[Table, str, str] | None = None

    @property
    def logical_id(self) -> str:
        return "QuickSightDataSet" + "".join(part.capitalize() for part in self.key.split("_"))

    @property
    def physical_id(self) -> str:
        return self.key.replace("_", "-")

    @property
    def columns(self) -> tuple[tuple[str, str], ...]:
        """What the data set offers: the mart's columns, then the looked-up one."""
        if self.lookup is None:
            return self.table.columns
        lookup_table, _, added = self.lookup
        return (*self.table.columns, *((c, t) for c, t in lookup_table.columns if c == added))


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
        *((f"QUARANTINED_{reason.upper()}", INTEGER) for reason in REASONS),
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
        *((f"QUARANTINED_{reason.upper()}", INTEGER) for reason in REASONS),
        ("PROCESSING_SECONDS", DECIMAL),
        ("QUARANTINE_RATE", DECIMAL),
        ("DUPLICATE_RATE", DECIMAL),
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
        DataSet("fct_quarantined_records", FCT_QUARANTINED_RECORDS),
    )
}
REVIEWS_DS, SUMMARY_DS, MONTHLY_DS, ACTIVITY_DS = (
    "fct_reviews",
    "product_rating_summary",
    "product_reviews_monthly",
    "reviewer_activity",
)
RUNS_DS, DAILY_DS, QUARANTINE_DS = "fct_pipeline_runs", "pipeline_health_daily", "fct_quarantined_records"


# ─── fields ─────────────────────────────────────────────────────────────────────────────────
# A field is (data set, column, how it is used); its FieldId is made unique per visual when the
# visual is built. Formats: "count" (thousands), "rating" (two decimals), "share" (percent).

_FORMATS = {
    "count": {"NumberDisplayFormatConfiguration": {"DecimalPlacesConfiguration": {"DecimalPlaces": 0}}},
    "rating": {"NumberDisplayFormatConfiguration": {"DecimalPlacesConfiguration": {"DecimalPlaces": 2}}},
    "share": {"PercentageDisplayFormatConfiguration": {"DecimalPlacesConfiguration": {"DecimalPlaces": 1}}},
}


@dataclass(frozen=True)
class Field:
    ds: str
    column: str
    role: str  # count | distinct | sum | average | min | max | latest | category | date | number | row
    label: str | None = None
    fmt: str | None = None
    granularity: str | None = None  # date dimensions

    def ident(self) -> dict[str, str]:
        return {"DataSetIdentifier": self.ds, "ColumnName": self.column}

    def field_id(self, visual_id: str) -> str:
        return f"{visual_id}.{self.column.lower()}.{self.role}"

    def number_format(self) -> dict | None:
        return {"FormatConfiguration": _FORMATS[self.fmt]} if self.fmt else None

    def build(self, visual_id: str) -> dict[str, Any]:
        """The field as a measure, a dimension, or an unaggregated table column."""
        common = {"FieldId": self.field_id(visual_id), "Column": self.ident()}
        fmt = self.number_format()
        if self.role in ("count", "distinct"):
            agg = "COUNT" if self.role == "count" else "DISTINCT_COUNT"
            return {"CategoricalMeasureField": {**common, "AggregationFunction": agg}}
        if self.role == "latest":
            return {
                "DateMeasureField": {
                    **common,
                    "AggregationFunction": "MAX",
                    "FormatConfiguration": {"DateTimeFormat": "YYYY-MM-DD HH:mm"},
                }
            }
        if self.role in ("sum", "average", "min", "max"):
            measure = {**common, "AggregationFunction": {"SimpleNumericalAggregation": self.role.upper()}}
            if fmt:
                measure["FormatConfiguration"] = fmt
            return {"NumericalMeasureField": measure}
        if self.role == "category":
            return {"CategoricalDimensionField": common}
        if self.role == "number":
            return {"NumericalDimensionField": common}
        if self.role == "date":
            return {"DateDimensionField": {**common, "DateGranularity": self.granularity or "DAY"}}
        if self.role == "row":
            return {**common, **({"FormatConfiguration": {"NumberFormatConfiguration": fmt}} if fmt else {})}
        raise ValueError(f"unknown field role {self.role!r}")


def col(
    ds: str, column: str, role: str, label: str | None = None, fmt: str | None = None, granularity: str | None = None
) -> Field:
    return Field(ds, column, role, label, fmt, granularity)


# ─── visuals ────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Visual:
    visual_id: str
    kind: str  # kpi | bar | stacked | line | combo | table | rows
    title: str
    values: tuple[Field, ...]
    category: Field | None = None
    lines: tuple[Field, ...] = ()  # combo: the line measures (values are the bars)
    sort: tuple[str, str] | None = None  # (column of one of the fields, ASC | DESC)
    horizontal: bool = False
    page_size: int | None = None  # rows: show this many, first by the sort

    @property
    def type_key(self) -> str:
        return {
            "kpi": "KPIVisual",
            "bar": "BarChartVisual",
            "stacked": "BarChartVisual",
            "line": "LineChartVisual",
            "combo": "ComboChartVisual",
            "table": "TableVisual",
            "rows": "TableVisual",
        }[self.kind]

    def _title(self) -> dict:
        return {"Visibility": "VISIBLE", "FormatText": {"PlainText": self.title}}

    def _sort_field_id(self) -> str:
        column, _ = self.sort
        for fld in (*self.values, *self.lines, *((self.category,) if self.category else ())):
            if fld.column == column:
                return fld.field_id(self.visual_id)
        raise ValueError(f"{self.visual_id}: sort column {column} is not one of its fields")

    def build(self) -> dict[str, Any]:
        vid = self.visual_id
        measures = [v.build(vid) for v in self.values]
        body: dict[str, Any] = {"VisualId": vid, "Title": self._title()}
        if self.kind == "kpi":
            body["ChartConfiguration"] = {"FieldWells": {"Values": measures}}
        elif self.kind in ("bar", "stacked"):
            wells: dict[str, Any] = {"Values": measures}
            if self.category:
                wells["Category"] = [self.category.build(vid)]
            config: dict[str, Any] = {
                "FieldWells": {"BarChartAggregatedFieldWells": wells},
                "Orientation": "HORIZONTAL" if self.horizontal else "VERTICAL",
                "BarsArrangement": "STACKED" if self.kind == "stacked" else "CLUSTERED",
            }
            if self.sort:
                config["SortConfiguration"] = {"CategorySort": [self._category_sort()]}
            body["ChartConfiguration"] = config
        elif self.kind == "line":
            body["ChartConfiguration"] = {
                "FieldWells": {
                    "LineChartAggregatedFieldWells": {"Category": [self.category.build(vid)], "Values": measures}
                },
                "Type": "LINE",
            }
        elif self.kind == "combo":
            body["ChartConfiguration"] = {
                "FieldWells": {
                    "ComboChartAggregatedFieldWells": {
                        "Category": [self.category.build(vid)],
                        "BarValues": measures,
                        "LineValues": [v.build(vid) for v in self.lines],
                    }
                }
            }
        elif self.kind in ("table", "rows"):
            body["ChartConfiguration"] = self._table_config(measures)
        return {self.type_key: body}

    def _category_sort(self) -> dict:
        column, direction = self.sort
        if self.category and self.category.column == column:
            return {"FieldSort": {"FieldId": self.category.field_id(self.visual_id), "Direction": direction}}
        # Sort the categories by another column (the activity buckets by their smallest count).
        return {
            "ColumnSort": {
                "SortBy": {"DataSetIdentifier": self.category.ds, "ColumnName": column},
                "Direction": direction,
                "AggregationFunction": {"NumericalAggregationFunction": {"SimpleNumericalAggregation": "MIN"}},
            }
        }

    def _table_config(self, measures: list[dict]) -> dict:
        vid = self.visual_id
        if self.kind == "rows":
            wells = {"TableUnaggregatedFieldWells": {"Values": measures}}
        else:
            wells = {"TableAggregatedFieldWells": {"GroupBy": [self.category.build(vid)], "Values": measures}}
        labelled = [*((self.category,) if self.category else ()), *self.values]
        config: dict[str, Any] = {
            "FieldWells": wells,
            "FieldOptions": {
                "SelectedFieldOptions": [
                    {"FieldId": fld.field_id(vid), "CustomLabel": fld.label or fld.column} for fld in labelled
                ],
                "Order": [fld.field_id(vid) for fld in labelled],
            },
        }
        if self.sort:
            _, direction = self.sort
            sort: dict[str, Any] = {
                "RowSort": [{"FieldSort": {"FieldId": self._sort_field_id(), "Direction": direction}}]
            }
            if self.page_size:
                sort["PaginationConfiguration"] = {"PageSize": self.page_size, "PageNumber": 1}
            config["SortConfiguration"] = sort
        return config


def kpi(visual_id: str, title: str, value: Field) -> Visual:
    return Visual(visual_id, "kpi", title, (value,))


def bar(visual_id: str, title: str, values: Field | tuple[Field, ...], by: Field, **options: Any) -> Visual:
    """Bars of one measure per category, or (stacked=True) of several measures stacked."""
    kind = "stacked" if options.pop("stacked", False) else "bar"
    return Visual(visual_id, kind, title, values if isinstance(values, tuple) else (values,), by, **options)


def line(visual_id: str, title: str, value: Field, by: Field) -> Visual:
    return Visual(visual_id, "line", title, (value,), by)


def combo(visual_id: str, title: str, bars: Field, lines: Field, by: Field) -> Visual:
    return Visual(visual_id, "combo", title, (bars,), by, lines=(lines,))


def ranking(visual_id: str, title: str, group_by: Field, values: tuple[Field, ...], sort: tuple[str, str]) -> Visual:
    """A table of one row per group_by value (the rows a TopBottomFilter keeps)."""
    return Visual(visual_id, "table", title, values, group_by, sort=sort)


def listing(visual_id: str, title: str, ds: str, columns: tuple[tuple[str, ...], ...], **options: Any) -> Visual:
    """A table of the data set's rows: columns are (column, label) or (column, label, format)."""
    return Visual(visual_id, "rows", title, tuple(col(ds, c[0], "row", *c[1:]) for c in columns), **options)


def row(height: int, *visuals: Visual) -> tuple[int, tuple[Visual, ...]]:
    """Visuals side by side, sharing the sheet's width."""
    return height, visuals


def date_picker(control_id: str, title: str, parameter: str) -> dict:
    return {
        "DateTimePicker": {
            "ParameterControlId": control_id,
            "Title": title,
            "SourceParameterName": parameter,
            "DisplayOptions": {"DateTimeFormat": "YYYY-MM-DD"},
        }
    }


def text_field(control_id: str, title: str, parameter: str) -> dict:
    return {"TextField": {"ParameterControlId": control_id, "Title": title, "SourceParameterName": parameter}}


def dropdown(control_id: str, title: str, parameter: str, values_from: Field) -> dict:
    return {
        "Dropdown": {
            "ParameterControlId": control_id,
            "Title": title,
            "SourceParameterName": parameter,
            "Type": "SINGLE_SELECT",
            "SelectableValues": {"LinkToDataSetColumn": values_from.ident()},
        }
    }


# ─── filters, parameters, controls ──────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Filter:
    """One filter in its own group, applied to chosen visuals of one sheet."""

    group_id: str
    sheet_id: str
    visual_ids: tuple[str, ...]
    body: dict[str, Any]  # {"<Kind>Filter": {...}} without its FilterId

    @property
    def filter_id(self) -> str:
        return f"{self.group_id}-filter"

    def build(self) -> dict[str, Any]:
        ((kind, spec),) = self.body.items()
        return {
            "FilterGroupId": self.group_id,
            "CrossDataset": "SINGLE_DATASET",
            "Status": "ENABLED",
            "Filters": [{kind: {"FilterId": self.filter_id, **spec}}],
            "ScopeConfiguration": {
                "SelectedSheets": {
                    "SheetVisualScopingConfigurations": [
                        {"SheetId": self.sheet_id, "Scope": "SELECTED_VISUALS", "VisualIds": list(self.visual_ids)}
                    ]
                }
            },
        }


def equals_parameter(ds: str, column: str, parameter: str) -> dict:
    return {
        "CategoryFilter": {
            "Column": {"DataSetIdentifier": ds, "ColumnName": column},
            "Configuration": {
                "CustomFilterConfiguration": {
                    "MatchOperator": "EQUALS",
                    "ParameterName": parameter,
                    "NullOption": "NON_NULLS_ONLY",
                }
            },
        }
    }


def is_true(ds: str, column: str) -> dict:
    """A BIT column equal to 1."""
    return {
        "NumericEqualityFilter": {
            "Column": {"DataSetIdentifier": ds, "ColumnName": column},
            "MatchOperator": "EQUALS",
            "Value": 1,
            "NullOption": "NON_NULLS_ONLY",
        }
    }


def ranked(ds: str, column: str, by: str, limit: int, direction: str) -> dict:
    return {
        "TopBottomFilter": {
            "Column": {"DataSetIdentifier": ds, "ColumnName": column},
            "Limit": limit,
            "AggregationSortConfigurations": [
                {
                    "Column": {"DataSetIdentifier": ds, "ColumnName": by},
                    "SortDirection": direction,
                    "AggregationFunction": {"NumericalAggregationFunction": {"SimpleNumericalAggregation": "MAX"}},
                }
            ],
        }
    }


@dataclass(frozen=True)
class Sheet:
    sheet_id: str
    name: str
    rows: tuple[tuple[int, tuple[Visual, ...]], ...]  # (height, visuals side by side)
    parameter_controls: tuple[dict, ...] = ()
    filter_controls: tuple[dict, ...] = ()

    @property
    def visuals(self) -> tuple[Visual, ...]:
        return tuple(v for _, row in self.rows for v in row)

    def layout(self) -> dict:
        """A 36-column grid: each row's visuals share its width equally."""
        elements, row_index = [], 0
        for height, row in self.rows:
            width = 36 // len(row)
            for i, visual in enumerate(row):
                elements.append(
                    {
                        "ElementId": visual.visual_id,
                        "ElementType": "VISUAL",
                        "ColumnIndex": i * width,
                        "ColumnSpan": width,
                        "RowIndex": row_index,
                        "RowSpan": height,
                    }
                )
            row_index += height
        return {
            "Configuration": {
                "GridLayout": {
                    "Elements": elements,
                    "CanvasSizeOptions": {
                        "ScreenCanvasSizeOptions": {"ResizeOption": "FIXED", "OptimizedViewPortWidth": "1600px"}
                    },
                }
            }
        }

    def build(self) -> dict[str, Any]:
        sheet: dict[str, Any] = {
            "SheetId": self.sheet_id,
            "Name": self.name,
            "Title": self.name,
            "ContentType": "INTERACTIVE",
            "Visuals": [v.build() for v in self.visuals],
            "Layouts": [self.layout()],
        }
        if self.parameter_controls:
            sheet["ParameterControls"] = list(self.parameter_controls)
        if self.filter_controls:
            sheet["FilterControls"] = list(self.filter_controls)
        return sheet


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
                tuple(col(DAILY_DS, f"QUARANTINED_{reason.upper()}", "sum", fmt="count") for reason in REASONS),
                _DAY,
                stacked=True,
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
                    ("SOURCE_URI", "File"),
                    ("SOURCE_LINE_NUMBER", "Line"),
                    ("QUARANTINE_REASON", "Reason"),
                    ("RAW_RECORD", "Line as it arrived"),
                ),
                sort=("SOURCE_LINE_NUMBER", "ASC"),
            ),
        ),
    ),
    filter_controls=(
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

SHEETS = (OVERVIEW, PRODUCTS, REVIEWERS, PIPELINE_HEALTH)


def _visual_ids(sheet: Sheet, ds: str) -> tuple[str, ...]:
    """The sheet's visuals that read the data set."""

    def reads(v: Visual) -> bool:
        return any(fld.ds == ds for fld in (*v.values, *v.lines, *((v.category,) if v.category else ())))

    return tuple(v.visual_id for v in sheet.visuals if reads(v))


FILTERS = (
    # Overview: the period the reviews were written in (every review visual, not the freshness).
    Filter(
        "overview-period",
        "overview",
        _visual_ids(OVERVIEW, REVIEWS_DS),
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
    # Pipeline health: the totals are over the current run of every file (what raw.* shows).
    Filter(
        "pipeline-current-runs",
        "pipeline-health",
        ("pipeline-files-published", "pipeline-records-read", "pipeline-quarantined", "pipeline-duplicates"),
        is_true(RUNS_DS, "IS_CURRENT_RUN"),
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
)


# ─── CloudFormation ─────────────────────────────────────────────────────────────────────────


def _permissions(actions: list[str]) -> list[dict]:
    return [{"Principal": {"Ref": "QuickSightPrincipalArn"}, "Actions": actions}]


def data_source() -> dict:
    return {
        "Type": "AWS::QuickSight::DataSource",
        "Condition": CONDITION,
        "Properties": {
            "AwsAccountId": {"Ref": "AWS::AccountId"},
            "DataSourceId": f"{PREFIX}-snowflake",
            "Name": f"{PREFIX} Snowflake marts",
            "Type": "SNOWFLAKE",
            "DataSourceParameters": {
                "SnowflakeParameters": {
                    "Host": {"Ref": "SnowflakeAccountHost"},
                    "Database": "${param:snowflakeDatabase}",
                    "Warehouse": "${param:snowflakeWarehouse}",
                }
            },
            # A partial ARN (the name without Secrets Manager's random suffix): Secrets Manager
            # resolves it, so the stack needs only the secret's name, like the refresh function.
            "Credentials": {
                "SecretArn": {
                    "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}"
                    ":secret:${param:quicksightSnowflakeSecretName}"
                }
            },
            "SslProperties": {"DisableSsl": False},
            "Permissions": _permissions(DATA_SOURCE_ACTIONS),
        },
    }


def _relational_table(table: Table) -> dict:
    return {
        "RelationalTable": {
            "DataSourceArn": {"Fn::GetAtt": [DATA_SOURCE, "Arn"]},
            "Schema": MARTS_SCHEMA,
            "Name": table.name,
            "InputColumns": [{"Name": name, "Type": typ} for name, typ in table.columns],
        }
    }


def data_set(ds: DataSet) -> dict:
    physical = {ds.physical_id: _relational_table(ds.table)}
    if ds.lookup is None:
        logical = {ds.physical_id: {"Alias": ds.table.name, "Source": {"PhysicalTableId": ds.physical_id}}}
    else:
        lookup, key, _ = ds.lookup
        lookup_id = lookup.name.lower().replace("_", "-")
        physical[lookup_id] = _relational_table(lookup)
        lookup_key = f"{lookup.name}_{key}"  # the join needs distinct column names
        logical = {
            ds.physical_id: {"Alias": ds.table.name, "Source": {"PhysicalTableId": ds.physical_id}},
            lookup_id: {
                "Alias": lookup.name,
                "Source": {"PhysicalTableId": lookup_id},
                "DataTransforms": [{"RenameColumnOperation": {"ColumnName": key, "NewColumnName": lookup_key}}],
            },
            f"{ds.physical_id}-named": {
                "Alias": f"{ds.table.name} with names",
                "Source": {
                    "JoinInstruction": {
                        "LeftOperand": ds.physical_id,
                        "RightOperand": lookup_id,
                        "Type": "LEFT",
                        "OnClause": f"{{{key}}} = {{{lookup_key}}}",
                    }
                },
                "DataTransforms": [{"ProjectOperation": {"ProjectedColumns": [c for c, _ in ds.columns]}}],
            },
        }
    return {
        "Type": "AWS::QuickSight::DataSet",
        "Condition": CONDITION,
        "Properties": {
            "AwsAccountId": {"Ref": "AWS::AccountId"},
            "DataSetId": f"{PREFIX}-{ds.physical_id}",
            "Name": f"{PREFIX} {MARTS_SCHEMA}.{ds.table.name}",
            "ImportMode": "DIRECT_QUERY",
            "PhysicalTableMap": physical,
            "LogicalTableMap": logical,
            "Permissions": _permissions(DATA_SET_ACTIONS),
        },
    }


def definition() -> dict:
    return {
        "DataSetIdentifierDeclarations": [
            {"Identifier": ds.key, "DataSetArn": {"Fn::GetAtt": [ds.logical_id, "Arn"]}} for ds in DATA_SETS.values()
        ],
        "CalculatedFields": list(CALCULATED_FIELDS),
        "ParameterDeclarations": list(PARAMETERS),
        "FilterGroups": [flt.build() for flt in FILTERS],
        "Sheets": [sheet.build() for sheet in SHEETS],
    }


def dashboard() -> dict:
    return {
        "Type": "AWS::QuickSight::Dashboard",
        "Condition": CONDITION,
        "Properties": {
            "AwsAccountId": {"Ref": "AWS::AccountId"},
            "DashboardId": f"{PREFIX}-reviews",
            "Name": f"{PREFIX} reviews",
            "Definition": definition(),
            "DashboardPublishOptions": {
                "AdHocFilteringOption": {"AvailabilityStatus": "DISABLED"},
                "ExportToCSVOption": {"AvailabilityStatus": "ENABLED"},
                "SheetControlsOption": {"VisibilityState": "EXPANDED"},
            },
            # LENIENT: a definition QuickSight finds fault with is still created, its errors shown
            # on the dashboard (describe-dashboard → Version.Errors), instead of rolling back the
            # whole stack update, the pipeline's resources with it.
            "ValidationStrategy": {"Mode": "LENIENT"},
            "Permissions": _permissions(DASHBOARD_ACTIONS),
        },
    }


def _not_empty(parameter: str) -> dict:
    return {"Fn::Not": [{"Fn::Equals": [{"Ref": parameter}, ""]}]}


def template() -> dict:
    requested = {"Fn::Equals": [{"Ref": "QuickSight"}, "true"]}
    return {
        "Parameters": {
            "QuickSight": {
                "Type": "String",
                "Default": "${param:quicksight}",
                "AllowedValues": ["true", "false"],
                "Description": "Create the QuickSight data source, data sets and dashboard (param quicksight).",
            },
            "QuickSightPrincipalArn": {
                "Type": "String",
                "Default": "${param:quicksightPrincipalArn}",
                "AllowedPattern": (
                    "^$|^arn:aws[a-z-]*:quicksight:[a-z0-9-]+:[0-9]{12}:(user|group)/[A-Za-z0-9+=,.@_/-]+$"
                ),
                "Description": "QuickSight user or group that may use the data sets and view the dashboard.",
            },
            "SnowflakeAccountHost": {
                "Type": "String",
                "Default": "${param:snowflakeAccountHost}",
                "AllowedPattern": "^$|^[A-Za-z0-9_.-]+\\.snowflakecomputing\\.(com|cn)$",
                "Description": "Snowflake account host, e.g. xy12345.eu-west-1.snowflakecomputing.com.",
            },
        },
        "Conditions": {
            CONDITION: {
                "Fn::And": [requested, _not_empty("QuickSightPrincipalArn"), _not_empty("SnowflakeAccountHost")]
            },
            MISCONFIGURED: {"Fn::And": [requested, {"Fn::Not": [{"Condition": CONDITION}]}]},
        },
        "Resources": {
            # QuickSight requested without the principal or the host: this wait condition is never
            # signalled, so the deploy fails on it (by name) before anything else changes. (osls
            # rejects a template `Rules` section under configValidationMode: error.)
            "QuickSightSettingsCheckHandle": {
                "Type": "AWS::CloudFormation::WaitConditionHandle",
                "Condition": MISCONFIGURED,
            },
            "QuickSightNeedsPrincipalArnAndSnowflakeAccountHost": {
                "Type": "AWS::CloudFormation::WaitCondition",
                "Condition": MISCONFIGURED,
                "Properties": {"Handle": {"Ref": "QuickSightSettingsCheckHandle"}, "Timeout": "1", "Count": 1},
            },
            DATA_SOURCE: data_source(),
            **{ds.logical_id: data_set(ds) for ds in DATA_SETS.values()},
            DASHBOARD: dashboard(),
        },
        "Outputs": {
            "QuickSightDashboardId": {"Condition": CONDITION, "Value": f"{PREFIX}-reviews"},
            "QuickSightDashboardUrl": {
                "Condition": CONDITION,
                "Value": {
                    "Fn::Sub": "https://${AWS::Region}.quicksight.aws.amazon.com/sn/dashboards/" + f"{PREFIX}-reviews"
                },
            },
        },
    }


# ─── rendering ──────────────────────────────────────────────────────────────────────────────

HEADER = """\
# Amazon QuickSight on the Snowflake marts: a data source, one data set per mart the local dashboard
# reads, and a dashboard with the local app's four pages (shoplake/reporting/dashboard). Created only when the
# stage param `quicksight` is 'true' (prod); see "QuickSight" in README.md for what the operator
# sets up first (the reporter secret, QuickSight's access to it, the readers' principal).
#
# GENERATED by shoplake/reporting/quicksight.py — edit that module and run `python -m shoplake.reporting.quicksight`;
# tests/unit/test_quicksight.py fails when this file and the module disagree.
"""


class _Dumper(yaml.SafeDumper):
    """The repository's YAML style: indented block lists, small mappings and lists on one line."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _depth(data: Any) -> int:
    if isinstance(data, dict):
        return 1 + max((_depth(v) for v in data.values()), default=0)
    if isinstance(data, list):
        return 1 + max((_depth(v) for v in data), default=0)
    return 0


def _inline(data: dict | list) -> bool:
    if isinstance(data, dict) and any(":" in k for k in data):  # Fn::… keys read better in block style
        return False
    return bool(data) and _depth(data) <= 2 and len(json.dumps(data, ensure_ascii=False)) <= 72


def _represent_dict(dumper: yaml.SafeDumper, data: dict) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=_inline(data))


def _represent_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=_inline(data))


_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(list, _represent_list)


def render() -> str:
    body = yaml.dump(
        template(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=200, default_flow_style=False
    )
    return HEADER + body


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    args.output.write_text(render())
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
