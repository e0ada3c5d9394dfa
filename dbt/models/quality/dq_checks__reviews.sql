{#- GENERATED from the dataset contracts by shoplake/tooling/dbt.py: do not edit; run
    `.venv/bin/python -m shoplake.tooling.generate`. The reviews dataset's data-quality checks,
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
    dataset='reviews',
    raw=source('amazon', 'reviews'),
    mart=ref('fct_reviews'),
    identity=['review_id'],
    required=['review_id', 'rating', 'source_uri', 'line_number', 'ingested_at', 'run_id'],
    stale_after_hours=24,
    measure='1',
    where='',
    mart_where='',
    date_column='review_date',
    mart_ingested_at='ingested_at',
) }}
