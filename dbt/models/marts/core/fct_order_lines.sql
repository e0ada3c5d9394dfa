{{
    config(
        materialized='incremental',
        unique_key='transaction_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        tmp_relation_type=('transient' if target.name == 'fakesnow' else none),
    )
}}

{#-
    One row per order line (transaction_id) across every file: a line that arrives again in a
    later file (an order system re-export, a status update) is kept once, with the values of its
    latest ingestion. Incremental: each build reads only the runs it has not loaded yet
    (macros/latest_ingestion.sql says why incremental and full builds agree).
-#}

with

{{ latest_ingestion_ctes('stg_shop__transactions', 'transaction_id', var('ingestion_lookback_hours')) }},

final as (

    select
        transaction_id,
        order_id,
        customer_id,
        is_guest,
        product_id,
        product_name_hint,
        quantity,
        unit_price,
        total_amount,
        currency,
        status,
        status = 'completed' as is_kept,
        case when status in ('returned', 'refunded') then quantity else 0 end as returned_units,
        case when status in ('returned', 'refunded') then total_amount else 0 end as returned_amount,
        transaction_ts,
        transaction_date,
        cast({{ dbt.date_trunc('month', 'transaction_date') }} as date) as transaction_month,
        customer_country,
        source_format,
        source_uri,
        source_line_number,
        run_id,
        ingested_at

    from latest_rows

)

select * from final
