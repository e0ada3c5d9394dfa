{#- GENERATED from the dataset contracts by shoplake/tooling/dbt.py: do not edit; run
    `.venv/bin/python -m shoplake.tooling.generate`. The products dataset's data-quality checks,
    one batch appended per build (the history). -#}

{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=false,
        tmp_relation_type=('transient' if target.name == 'fakesnow' else none),
    )
}}

{{ dq_dataset_checks(
    dataset='products',
    raw=source('shop', 'products'),
    mart=ref('dim_products'),
    identity=['product_id'],
    required=['product_id', 'name', 'category', 'updated_at', 'updated_at_given', 'source_format', 'source_uri', 'line_number', 'ingested_at', 'run_id'],
    stale_after_hours=168,
    measure='1',
    where='',
    mart_where='in_catalogue',
    date_column=none,
    mart_ingested_at=none,
) }}
