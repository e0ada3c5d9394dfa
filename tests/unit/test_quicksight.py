"""The QuickSight definition (shoplake/reporting/quicksight/ → resources/quicksight.yml) without AWS: the
committed file is the generator's output, the data sets read the columns dbt builds, the dashboard
repeats the local app's settings, and every reference inside the dashboard resolves — what
QuickSight would otherwise only report when the stack is deployed. The compiled templates are
checked in test_cloud_definition.py (conditions per stage, cfn-lint)."""

from __future__ import annotations

import inspect
import re
from collections import Counter
from pathlib import Path

import pytest

from shoplake.reporting import quicksight as qs

DUCKDB_TO_QUICKSIGHT = {
    "VARCHAR": qs.STRING,
    "INTEGER": qs.INTEGER,
    "BIGINT": qs.INTEGER,
    "HUGEINT": qs.INTEGER,
    "DOUBLE": qs.DECIMAL,
    "DATE": qs.DATETIME,
    "TIMESTAMP": qs.DATETIME,
    "BOOLEAN": qs.BIT,
}


def quicksight_type(duckdb_type: str) -> str:
    return qs.DECIMAL if duckdb_type.startswith("DECIMAL(") else DUCKDB_TO_QUICKSIGHT[duckdb_type]


def test_the_committed_file_is_the_generators_output():
    assert qs.OUTPUT.read_text() == qs.render(), (
        "resources/quicksight.yml is stale: run `python -m shoplake.tooling.generate`"
    )


# ─── the data sets read what dbt builds ─────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def mart_columns(tmp_path_factory) -> dict[str, list[tuple[str, str]]]:
    """{TABLE: [(COLUMN, DuckDB type)]} of the marts dbt builds on an empty local warehouse."""
    from tests.fixture_warehouse import dbt, make_home, query

    home = make_home(tmp_path_factory.mktemp("quicksight") / "home")
    selected = ("--select", "+marts", "+quality")
    result = dbt(home, "build", *selected, "--exclude-resource-type", "test", "unit_test", "--quiet")
    assert result.success
    rows = query(
        home / "warehouse.duckdb",
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'marts' order by table_name, ordinal_position",
    )
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, typ in rows:
        out.setdefault(table.upper(), []).append((column.upper(), typ))
    return out


@pytest.mark.parametrize("key", qs.DATA_SETS)
def test_data_set_columns_are_the_marts_columns_in_order(mart_columns, key):
    # Given the data set's mart as dbt builds it (Snowflake upper-cases unquoted identifiers)
    ds = qs.DATA_SETS[key]
    built = [(name, quicksight_type(typ)) for name, typ in mart_columns[ds.table.name]]
    # Then the data set reads every column, in order, with the QuickSight type of its SQL type
    assert list(ds.table.columns) == built


def test_the_name_lookup_reads_existing_columns_of_dim_reviewers(mart_columns):
    lookup, key, added = qs.DATA_SETS["reviewer_activity"].lookup
    built = {name: DUCKDB_TO_QUICKSIGHT[typ] for name, typ in mart_columns[lookup.name]}
    assert lookup.name == "DIM_REVIEWERS"
    assert dict(lookup.columns) == {key: built[key], added: built[added]}
    assert [c for c, _ in qs.DATA_SETS["reviewer_activity"].columns] == [
        *qs.REVIEWER_ACTIVITY.column_names,
        "REVIEWER_NAME",
    ]


def test_every_mart_the_local_dashboard_queries_has_a_data_set():
    # (the shop pages' summaries read fct_order_lines for any period; QuickSight sums revenue_daily)
    folder = qs.REPO / "shoplake" / "reporting" / "dashboard"
    queries = (folder / "queries.py").read_text() + (folder / "shop_queries.py").read_text()
    read = {m.upper() for m in re.findall(r"(?:from|join)\s+marts\.(\w+)", queries)} - {"FCT_ORDER_LINES"}
    tables = {ds.table.name for ds in qs.DATA_SETS.values()}
    tables |= {ds.lookup[0].name for ds in qs.DATA_SETS.values() if ds.lookup}
    assert read == tables


# ─── the dashboard repeats the local app ────────────────────────────────────────────────────


def test_dashboard_settings_are_the_local_apps():
    from shoplake.reporting.dashboard import queries
    from shoplake.reporting.dashboard.views import products

    assert (qs.RANKED, qs.DEFAULT_MIN_REVIEWS) == (products.RANKED, products.DEFAULT_MIN_REVIEWS)
    assert inspect.signature(queries.most_helpful_reviews).parameters["limit"].default == qs.HELPFUL_REVIEWS
    assert qs.ACTIVITY_BUCKETS == queries.ACTIVITY_BUCKETS


def _evaluate_ifelse(expression: str, review_count: int) -> str:
    """QuickSight's ifelse(cond, value, …, else) over {REVIEW_COUNT} comparisons and string literals."""
    inner = re.fullmatch(r"ifelse\((.*)\)", expression).group(1)
    args = [a.strip() for a in re.split(r",(?=(?:[^']*'[^']*')*[^']*$)", inner)]
    for cond, value in zip(args[:-1:2], args[1:-1:2], strict=True):
        op, bound = re.fullmatch(r"\{REVIEW_COUNT\} (=|<=) (\d+)", cond).groups()
        if (review_count == int(bound)) if op == "=" else (review_count <= int(bound)):
            return value.strip("'")
    return args[-1].strip("'")


def test_activity_buckets_are_the_local_apps():
    (expression,) = [c["Expression"] for c in qs.CALCULATED_FIELDS if c["Name"] == "REVIEWS_WRITTEN"]
    buckets = [_evaluate_ifelse(expression, n) for n in range(1, 13)]
    assert buckets == ["1", "2", "3–4", "3–4", "5–9", "5–9", "5–9", "5–9", "5–9", "10+", "10+", "10+"]
    assert list(dict.fromkeys(buckets)) == list(qs.ACTIVITY_BUCKETS)


def test_quarantine_reasons_chart_stacks_the_long_form_records_by_reason():
    # One measure coloured by the reason column: every dataset's reasons, none listed here
    (visual,) = [v for v in qs.PIPELINE_HEALTH.visuals if v.visual_id == "pipeline-quarantined-by-reason"]
    assert [(v.ds, v.column, v.role) for v in visual.values] == [("fct_quarantine_reasons", "RECORDS", "sum")]
    assert (visual.colors.ds, visual.colors.column) == ("fct_quarantine_reasons", "QUARANTINE_REASON")
    wells = visual.build()["BarChartVisual"]["ChartConfiguration"]["FieldWells"]["BarChartAggregatedFieldWells"]
    assert wells["Colors"] == [
        {
            "CategoricalDimensionField": {
                "FieldId": "pipeline-quarantined-by-reason.quarantine_reason.category",
                "Column": {"DataSetIdentifier": "fct_quarantine_reasons", "ColumnName": "QUARANTINE_REASON"},
            }
        }
    ]


def test_the_pipeline_sheet_has_a_dataset_filter_over_every_visual_and_data_set():
    (flt,) = [f for f in qs.FILTERS if f.group_id == "pipeline-dataset"]
    built = flt.build()
    assert built["CrossDataset"] == "ALL_DATASETS"
    assert flt.visual_ids == tuple(v.visual_id for v in qs.PIPELINE_HEALTH.visuals)
    read = {fld.ds for v in qs.PIPELINE_HEALTH.visuals for fld in (*v.values, *((v.category,) if v.category else ()))}
    assert all("DATASET" in qs.DATA_SETS[ds].table.column_names for ds in read)
    assert [c["Dropdown"]["SourceFilterId"] for c in qs.PIPELINE_HEALTH.filter_controls][0] == "pipeline-dataset-filter"


# ─── every reference inside the dashboard resolves ─────────────────────────────────────────


def _walk(node, path=""):
    if isinstance(node, dict):
        yield path, node
        for k, v in node.items():
            yield from _walk(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, f"{path}/{i}")


@pytest.fixture(scope="module")
def definition() -> dict:
    return qs.template()["Resources"][qs.DASHBOARD]["Properties"]["Definition"]


def _data_set_columns(template: dict) -> dict[str, set[str]]:
    """{identifier in the dashboard: columns its data set offers} from the data set resources."""
    resources = template["Resources"]
    out = {}
    for decl in template["Resources"][qs.DASHBOARD]["Properties"]["Definition"]["DataSetIdentifierDeclarations"]:
        props = resources[decl["DataSetArn"]["Fn::GetAtt"][0]]["Properties"]
        projected = [
            t["ProjectOperation"]["ProjectedColumns"]
            for table in props["LogicalTableMap"].values()
            for t in table.get("DataTransforms", [])
            if "ProjectOperation" in t
        ]
        if projected:
            (columns,) = projected
        else:
            (physical,) = props["PhysicalTableMap"].values()
            columns = [c["Name"] for c in physical["RelationalTable"]["InputColumns"]]
        out[decl["Identifier"]] = set(columns)
    return out


def test_every_column_reference_names_a_column_of_its_data_set(definition):
    columns = _data_set_columns(qs.template())
    for calc in definition["CalculatedFields"]:
        columns[calc["DataSetIdentifier"]].add(calc["Name"])
    unknown = [
        (path, node["DataSetIdentifier"], node["ColumnName"])
        for path, node in _walk(definition)
        if "ColumnName" in node and node["ColumnName"] not in columns[node["DataSetIdentifier"]]
    ]
    assert unknown == []
    # calculated fields only use columns of their own data set
    for calc in definition["CalculatedFields"]:
        used = set(re.findall(r"\{(\w+)\}", calc["Expression"]))
        assert used <= columns[calc["DataSetIdentifier"]], calc["Name"]


def test_field_ids_are_unique_and_sorts_name_fields_of_their_visual(definition):
    field_ids = [node["FieldId"] for path, node in _walk(definition) if "FieldId" in node and "Column" in node]
    assert [f for f, n in Counter(field_ids).items() if n > 1] == []
    for sheet in definition["Sheets"]:
        for visual in sheet["Visuals"]:
            ((_, body),) = visual.items()
            own = {n["FieldId"] for _, n in _walk(body) if "FieldId" in n and "Column" in n}
            referenced = {n["FieldId"] for _, n in _walk(body) if "FieldId" in n and "Column" not in n}
            referenced |= set(body["ChartConfiguration"].get("FieldOptions", {}).get("Order", []))
            assert referenced <= own, body["VisualId"]


def test_layouts_place_every_visual_of_their_sheet_once(definition):
    for sheet in definition["Sheets"]:
        ((layout,),) = [sheet["Layouts"]]
        placed = [e["ElementId"] for e in layout["Configuration"]["GridLayout"]["Elements"]]
        visuals = [next(iter(v.values()))["VisualId"] for v in sheet["Visuals"]]
        assert placed == visuals
        for e in layout["Configuration"]["GridLayout"]["Elements"]:
            assert e["ColumnIndex"] + e["ColumnSpan"] <= 36


def test_filters_apply_to_visuals_of_their_data_set_on_their_sheet(definition):
    reads = {}  # (sheet, visual) -> data sets its fields read
    for sheet in definition["Sheets"]:
        for visual in sheet["Visuals"]:
            ((_, body),) = visual.items()
            reads[sheet["SheetId"], body["VisualId"]] = {
                n["DataSetIdentifier"] for _, n in _walk(body) if "ColumnName" in n
            }
    for group in definition["FilterGroups"]:
        ((_, flt),) = group["Filters"][0].items()
        ds = flt["Column"]["DataSetIdentifier"]
        (scope,) = group["ScopeConfiguration"]["SelectedSheets"]["SheetVisualScopingConfigurations"]
        assert scope["VisualIds"], group["FilterGroupId"]
        for visual_id in scope["VisualIds"]:
            if group["CrossDataset"] == "ALL_DATASETS":
                # every data set the visual reads has the filtered column
                column = flt["Column"]["ColumnName"]
                for other in reads[scope["SheetId"], visual_id]:
                    assert column in qs.DATA_SETS[other].table.column_names, (group["FilterGroupId"], visual_id)
            else:
                assert reads[scope["SheetId"], visual_id] == {ds}, (group["FilterGroupId"], visual_id)


def test_parameters_and_filter_controls_resolve(definition):
    declared = {next(iter(p.values()))["Name"] for p in definition["ParameterDeclarations"]}
    used = {
        node.get("ParameterName") or node.get("Parameter") or node.get("SourceParameterName")
        for _, node in _walk(definition)
        if {"ParameterName", "Parameter", "SourceParameterName"} & set(node)
    }
    assert used == declared
    filters = {
        group["Filters"][0][kind]["FilterId"]: group["ScopeConfiguration"]["SelectedSheets"][
            "SheetVisualScopingConfigurations"
        ][0]["SheetId"]
        for group in definition["FilterGroups"]
        for kind in group["Filters"][0]
    }
    for sheet in definition["Sheets"]:
        for control in sheet.get("FilterControls", []):
            ((_, body),) = control.items()
            assert filters[body["SourceFilterId"]] == sheet["SheetId"]


def test_the_reviewer_name_is_a_left_join_on_the_dimensions_key():
    props = qs.data_set(qs.DATA_SETS["reviewer_activity"])["Properties"]
    joined = props["LogicalTableMap"]["reviewer-activity-named"]
    assert joined["Source"]["JoinInstruction"] == {
        "LeftOperand": "reviewer-activity",
        "RightOperand": "dim-reviewers",
        "Type": "LEFT",
        "OnClause": "{REVIEWER_ID} = {DIM_REVIEWERS_REVIEWER_ID}",
    }
    assert props["LogicalTableMap"]["dim-reviewers"]["DataTransforms"] == [
        {"RenameColumnOperation": {"ColumnName": "REVIEWER_ID", "NewColumnName": "DIM_REVIEWERS_REVIEWER_ID"}}
    ]


def test_generated_yaml_loads_back_to_the_template():
    import yaml

    loaded = yaml.safe_load(Path(qs.OUTPUT).read_text())
    assert loaded == qs.template()
