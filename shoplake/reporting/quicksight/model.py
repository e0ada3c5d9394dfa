"""The building blocks of a QuickSight dashboard definition: the marts' tables and data sets,
fields, visuals, filters and sheets, each rendered to the JSON QuickSight's CloudFormation wants."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# QuickSight input column types.
STRING, INTEGER, DECIMAL, DATETIME, BIT = "STRING", "INTEGER", "DECIMAL", "DATETIME", "BIT"


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
    colors: Field | None = None  # bars: one colour (and one stack part) per value of this dimension

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
            "heatmap": "HeatMapVisual",
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
            if self.colors:
                wells["Colors"] = [self.colors.build(vid)]
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
        elif self.kind == "heatmap":
            body["ChartConfiguration"] = {
                "FieldWells": {
                    "HeatMapAggregatedFieldWells": {
                        "Rows": [self.category.build(vid)],
                        "Columns": [self.colors.build(vid)],
                        "Values": measures,
                    }
                }
            }
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
    """Bars of one measure per category, or (stacked=True) of several measures stacked, or of one
    measure stacked by the values of a ``colors`` dimension."""
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


def heatmap(visual_id: str, title: str, value: Field, rows: Field, columns: Field) -> Visual:
    """One cell per (rows, columns) value pair, coloured by the measure (the cohort grid)."""
    return Visual(visual_id, "heatmap", title, (value,), rows, colors=columns)


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
    # Applies to every data set of the scoped visuals that has the filtered column's name (the
    # dataset filter of the pipeline sheet); otherwise to the filtered column's data set only.
    cross_dataset: bool = False

    @property
    def filter_id(self) -> str:
        return f"{self.group_id}-filter"

    def build(self) -> dict[str, Any]:
        ((kind, spec),) = self.body.items()
        return {
            "FilterGroupId": self.group_id,
            "CrossDataset": "ALL_DATASETS" if self.cross_dataset else "SINGLE_DATASET",
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

    def visual_ids_reading(self, ds: str) -> tuple[str, ...]:
        """The sheet's visuals that read the data set (what a filter on it should scope)."""

        def reads(v: Visual) -> bool:
            return any(fld.ds == ds for fld in (*v.values, *v.lines, *((v.category,) if v.category else ())))

        return tuple(v.visual_id for v in self.visuals if reads(v))

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
