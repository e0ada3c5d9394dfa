{#- GENERATED from the dataset contracts by shoplake/tooling/dbt.py: do not edit; run
    `.venv/bin/python -m shoplake.tooling.generate`. The transactions dataset's data-quality checks,
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
    dataset='transactions',
    raw=source('shop', 'transactions'),
    mart=ref('fct_order_lines'),
    identity=['transaction_id'],
    required=['transaction_id', 'order_id', 'is_guest', 'product_id', 'quantity', 'price', 'total_amount', 'currency', 'status', 'transaction_ts', 'transaction_date', 'source_format', 'source_uri', 'line_number', 'ingested_at', 'run_id'],
    stale_after_hours=24,
    measure='total_amount',
    where='status = \'completed\'',
    mart_where='',
    date_column='transaction_date',
    mart_ingested_at='ingested_at',
) }}
