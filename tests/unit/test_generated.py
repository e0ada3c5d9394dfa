"""The committed files generated from the dataset contracts are what their generators give."""

from __future__ import annotations

from shoplake.datasets import DATASETS
from shoplake.tooling import generate


def test_every_generated_file_is_up_to_date():
    # When a contract changes, `python -m shoplake.tooling.generate` rewrites these files.
    assert generate.stale() == []


def test_the_generated_files_are_the_ones_the_platform_reads():
    # one dbt sources file per dbt source the contracts name, and the pipeline's own
    sources = {ds.dbt_source for ds in DATASETS.values()} | {"shoplake"}
    # per dataset with a quality contract its check history and its gate, and their union
    quality = [ds.name for ds in DATASETS.values() if ds.quality is not None]
    assert quality == ["reviews", "products", "transactions", "clickstream", "cart_events", "cdc_fact_sales",
                       "cdc_dim_users", "cdc_dim_products"]  # fmt: skip
    assert sorted(str(p) for p in generate.generated_files()) == sorted(
        [
            "dbt/models/quality/_quality__models.yml",
            "dbt/models/quality/dq_check_results.sql",
            *(f"dbt/models/quality/dq_{kind}__{name}.sql" for name in quality for kind in ("checks", "gate")),
            *(f"dbt/models/staging/{s}/_{s}__sources.yml" for s in sources),
            "dbt/models/staging/shoplake/stg_shoplake__quarantined_records.sql",
            "dbt/seeds/quarantine_reason_codes.csv",
            "resources/datasets.yml",
            "resources/lake_catalog.yml",
            "resources/quicksight.yml",
            "snowflake/R__external_tables.sql",
        ]
    )
