{#- The newest captured version of each fact_sales row, tombstones included (macros/cdc.sql);
    silver.fact_sales is its live rows. -#}

{{
    config(
        alias='fact_sales_state',
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='sale_id',
        on_schema_change='fail',
    )
}}

{{ cdc_latest_state('stg_shop_db__fact_sales_changes', key='sale_id', columns=['sale_id', 'user_id', 'product_id', 'quantity', 'total_amount', 'status', 'created_at', 'updated_at'],
                     lookback_hours=var('ingestion_lookback_hours')) }}
