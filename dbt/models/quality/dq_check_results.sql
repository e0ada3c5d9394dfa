{#- GENERATED from the dataset contracts by shoplake/tooling/dbt.py: do not edit; run
    `.venv/bin/python -m shoplake.tooling.generate`. Every data-quality check result, of every dataset and build: the history in one place. -#}

{{ config(materialized='view') }}

with

unioned as (

    select * from {{ ref('dq_checks__reviews') }}
    union all
    select * from {{ ref('dq_checks__products') }}
    union all
    select * from {{ ref('dq_checks__transactions') }}
    union all
    select * from {{ ref('dq_checks__clickstream') }}
    union all
    select * from {{ ref('dq_checks__cart_events') }}
    union all
    select * from {{ ref('dq_checks__cdc_fact_sales') }}
    union all
    select * from {{ ref('dq_checks__cdc_dim_users') }}
    union all
    select * from {{ ref('dq_checks__cdc_dim_products') }}
    union all
    select * from {{ ref('dq_checks__pipeline') }}

)

select * from unioned
