{#- GENERATED from the dataset contracts by shoplake/tooling/dbt.py: do not edit; run
    `.venv/bin/python -m shoplake.tooling.generate`. The clickstream dataset's data-quality checks,
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
    dataset='clickstream',
    raw=source('shop', 'clickstream_events'),
    mart=ref('fct_clickstream_events'),
    identity=['event_id'],
    required=['event_id', 'session_id', 'is_anonymous', 'event_type', 'event_ts', 'device', 'source_format', 'source_uri', 'line_number', 'ingested_at', 'run_id'],
    stale_after_hours=24,
    measure='1',
    where='',
    mart_where='',
    date_column='event_date',
    mart_ingested_at='ingested_at',
) }}
