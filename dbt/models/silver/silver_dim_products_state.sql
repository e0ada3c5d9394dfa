{#- The newest captured version of each dim_products row, tombstones included (macros/cdc.sql);
    silver.dim_products is its live rows. -#}

{{
    config(
        alias='dim_products_state',
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='product_id',
        on_schema_change='fail',
    )
}}

{{ cdc_latest_state('stg_shop_db__dim_products_changes', key='product_id', columns=['product_id', 'name', 'category', 'price', 'updated_at'],
                     lookback_hours=var('ingestion_lookback_hours')) }}
