"""The committed files generated from the dataset contracts are what their generators give."""

from __future__ import annotations

from shoplake.tooling import generate


def test_every_generated_file_is_up_to_date():
    # When a contract changes, `python -m shoplake.tooling.generate` rewrites these files.
    assert generate.stale() == []


def test_the_generated_files_are_the_ones_the_platform_reads():
    assert sorted(str(p) for p in generate.generated_files()) == [
        "dbt/models/staging/amazon/_amazon__sources.yml",
        "dbt/models/staging/shoplake/_shoplake__sources.yml",
        "dbt/models/staging/shoplake/stg_shoplake__quarantined_records.sql",
        "dbt/seeds/quarantine_reason_codes.csv",
        "resources/datasets.yml",
        "resources/quicksight.yml",
        "snowflake/R__external_tables.sql",
    ]
