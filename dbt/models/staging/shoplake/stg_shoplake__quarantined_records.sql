{#- GENERATED from the dataset contracts by shoplake/tooling/dbt.py: do not edit; run
    `.venv/bin/python -m shoplake.tooling.generate`. One row per quarantined record of the
    current run of each file, of every dataset (each dataset's quarantine table). -#}

with

reviews as (

    select
        'reviews' as dataset,
        run_id,
        source_uri,
        line_number as source_line_number,
        reason as quarantine_reason,
        raw_record
    from {{ source('amazon', 'reviews_quarantine') }}

),

products as (

    select
        'products' as dataset,
        run_id,
        source_uri,
        line_number as source_line_number,
        reason as quarantine_reason,
        raw_record
    from {{ source('shop', 'products_quarantine') }}

),

transactions as (

    select
        'transactions' as dataset,
        run_id,
        source_uri,
        line_number as source_line_number,
        reason as quarantine_reason,
        raw_record
    from {{ source('shop', 'transactions_quarantine') }}

),

clickstream as (

    select
        'clickstream' as dataset,
        run_id,
        source_uri,
        line_number as source_line_number,
        reason as quarantine_reason,
        raw_record
    from {{ source('shop', 'clickstream_quarantine') }}

),

cart_events as (

    select
        'cart_events' as dataset,
        run_id,
        source_uri,
        line_number as source_line_number,
        reason as quarantine_reason,
        raw_record
    from {{ source('shop', 'cart_events_quarantine') }}

),

cdc_fact_sales as (

    select
        'cdc_fact_sales' as dataset,
        run_id,
        source_uri,
        line_number as source_line_number,
        reason as quarantine_reason,
        raw_record
    from {{ source('shop_db', 'cdc_fact_sales_quarantine') }}

),

cdc_dim_users as (

    select
        'cdc_dim_users' as dataset,
        run_id,
        source_uri,
        line_number as source_line_number,
        reason as quarantine_reason,
        raw_record
    from {{ source('shop_db', 'cdc_dim_users_quarantine') }}

),

cdc_dim_products as (

    select
        'cdc_dim_products' as dataset,
        run_id,
        source_uri,
        line_number as source_line_number,
        reason as quarantine_reason,
        raw_record
    from {{ source('shop_db', 'cdc_dim_products_quarantine') }}

),

unioned as (

    select * from reviews
    union all
    select * from products
    union all
    select * from transactions
    union all
    select * from clickstream
    union all
    select * from cart_events
    union all
    select * from cdc_fact_sales
    union all
    select * from cdc_dim_users
    union all
    select * from cdc_dim_products

)

select * from unioned
