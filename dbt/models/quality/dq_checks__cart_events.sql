{#- GENERATED from the dataset contracts by shoplake/tooling/dbt.py: do not edit; run
    `.venv/bin/python -m shoplake.tooling.generate`. The cart_events dataset's data-quality checks,
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
    dataset='cart_events',
    raw=source('shop', 'cart_events'),
    mart=ref('fct_cart_events'),
    identity=['event_id'],
    required=['event_id', 'cart_id', 'customer_id', 'event_type', 'event_ts', 'source_format', 'source_uri', 'line_number', 'ingested_at', 'run_id'],
    stale_after_hours=6,
    measure='1',
    where='',
    mart_where='',
    date_column='event_date',
    mart_ingested_at='ingested_at',
) }}
