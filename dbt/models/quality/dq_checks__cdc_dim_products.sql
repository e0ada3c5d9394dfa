{#- GENERATED from the dataset contracts by shoplake/tooling/dbt.py: do not edit; run
    `.venv/bin/python -m shoplake.tooling.generate`. The cdc_dim_products dataset's data-quality checks,
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
    dataset='cdc_dim_products',
    raw=source('shop_db', 'cdc_dim_products'),
    mart=ref('stg_shop_db__dim_products_changes'),
    identity=['product_id', 'change_op', 'changed_at'],
    required=['product_id', 'change_op', 'changed_at', 'source_uri', 'line_number', 'ingested_at', 'run_id'],
    stale_after_hours=1,
    measure='1',
    where='',
    mart_where='',
    date_column='change_date',
    mart_ingested_at='ingested_at',
) }}
