"""Which dbt nodes a transform run builds (shoplake.orchestration.selection), on a small graph
written out here: two sources feeding one mart each through staging, and a mart of both."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from shoplake.orchestration.build import failure_summary, selectors
from shoplake.orchestration.events import rebuilt_models
from shoplake.orchestration.selection import Manifest, changed_tables, plan

GRAPH = Manifest(
    fingerprint="fp-1",
    children={
        "source.shoplake.shop.a": ("model.shoplake.stg_a", "test.shoplake.source_not_null_a"),
        "source.shoplake.shop.b": ("model.shoplake.stg_b",),
        "model.shoplake.stg_a": ("model.shoplake.mart_a", "model.shoplake.mart_ab", "test.shoplake.unique_stg_a"),
        "model.shoplake.stg_b": ("model.shoplake.mart_ab",),
        "model.shoplake.mart_ab": ("test.shoplake.ab_reconciles",),
        "seed.shoplake.codes": ("model.shoplake.mart_ab",),
    },
    resource_types={
        "source.shoplake.shop.a": "source",
        "source.shoplake.shop.b": "source",
        "model.shoplake.stg_a": "model",
        "model.shoplake.stg_b": "model",
        "model.shoplake.mart_a": "model",
        "model.shoplake.mart_ab": "model",
        "seed.shoplake.codes": "seed",
        "test.shoplake.source_not_null_a": "test",
        "test.shoplake.unique_stg_a": "test",
        "test.shoplake.ab_reconciles": "test",
    },
    sources_by_table={"a": ("source.shoplake.shop.a",), "b": ("source.shoplake.shop.b",)},
)


def test_a_changed_table_builds_its_descendants_and_the_marts_that_join_it():
    chosen = plan(GRAPH, ["b"], built="fp-1")
    assert not chosen.full
    assert sorted(chosen.build) == ["model.shoplake.mart_ab", "model.shoplake.stg_b", "seed.shoplake.codes"]
    assert chosen.sources == ("source.shoplake.shop.b",)
    # dbt is asked for b's source and everything below it, and the seeds: a's side is left alone
    assert selectors(chosen) == ["source:shop.b+", "resource_type:seed"]


def test_both_tables_changed_build_both_sides():
    chosen = plan(GRAPH, ["a", "b"], built="fp-1")
    assert sorted(chosen.build) == [
        "model.shoplake.mart_a", "model.shoplake.mart_ab", "model.shoplake.stg_a", "model.shoplake.stg_b",
        "seed.shoplake.codes",
    ]  # fmt: skip


def test_everything_is_built_when_the_project_was_not_built_or_changed_or_no_tables_are_known():
    assert plan(GRAPH, ["a"], built=None).describe() == {
        "full": True, "reason": "the dbt project was not built completely yet", "tables": [], "models": 0
    }  # fmt: skip
    assert plan(GRAPH, ["a"], built="fp-0").reason == "the dbt project changed"
    assert plan(GRAPH, None, built="fp-1").reason == "scheduled or started without tables"
    assert plan(GRAPH, ["a"], built="fp-1", full_refresh=True).reason == "full refresh requested"
    # a complete build selects nothing: dbt builds everything
    assert selectors(plan(GRAPH, ["b"], built=None)) == []


def test_an_unknown_table_builds_nothing_but_the_seeds():
    chosen = plan(GRAPH, ["nope"], built="fp-1")
    assert sorted(chosen.build) == ["seed.shoplake.codes"]


@dataclass(frozen=True)
class Key:
    """An asset as a key of triggering_asset_events."""

    uri: str


def test_the_changed_tables_come_from_the_run_conf_or_the_triggering_asset_events():
    def context(conf=None, events=None):
        return {"dag_run": SimpleNamespace(conf=conf or {}, run_id="r"), "triggering_asset_events": events or {}}

    assert changed_tables(context({"tables": ["reviews"]})) == ["reviews"]
    announcement = {"assets": ["shoplake://warehouse/raw/reviews", "shoplake://warehouse/raw/pipeline_runs"]}
    assert changed_tables(context({"announcements": [announcement]})) == ["reviews", "pipeline_runs"]
    # Airflow's asset scheduling: every event since the last run, keyed by asset
    events = {
        Key("shoplake://warehouse/raw/review_images"): [object()],
        Key("shoplake://warehouse/raw/reviews"): [object(), object()],
        Key("s3://somewhere/else"): [object()],
    }
    assert changed_tables(context(events=events)) == ["review_images", "reviews"]
    # neither: a scheduled or manual run
    assert changed_tables(context()) is None


def test_the_models_announced_are_those_built_whose_tests_passed_or_warned():
    nodes = {
        "model.shoplake.stg_a": "success",
        "test.shoplake.unique_stg_a": "fail",  # stg_a was built, but its test failed
        "model.shoplake.stg_b": "success",
        "model.shoplake.mart_ab": "success",
        "test.shoplake.ab_reconciles": "warn",
        "model.shoplake.mart_a": "skipped",
        "seed.shoplake.codes": "success",  # a seed is not a model
    }
    assert rebuilt_models(nodes, GRAPH) == ["mart_ab", "stg_b"]
    assert rebuilt_models({}, GRAPH) == []


def test_a_build_fails_on_a_failed_node_or_when_dbt_could_not_run_and_says_which():
    report = {"errors": [], "failed": [], "skipped": 0}
    assert failure_summary(report) is None
    failed = report | {"failed": ["test.shoplake.unique_stg_a"], "skipped": 2}
    assert failure_summary(failed) == "dbt: 1 node(s) failed (test.shoplake.unique_stg_a); 2 skipped below them"
    broken = report | {"errors": ["dbt build could not run: no profile"]}
    assert failure_summary(broken) == "dbt build could not run: no profile"
