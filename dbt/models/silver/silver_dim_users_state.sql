{#- The newest captured version of each dim_users row, tombstones included (macros/cdc.sql);
    silver.dim_users is its live rows. -#}

{{
    config(
        alias='dim_users_state',
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='user_id',
        on_schema_change='fail',
    )
}}

{{ cdc_latest_state('stg_shop_db__dim_users_changes', key='user_id', columns=['user_id', 'name', 'email', 'city', 'address', 'updated_at'],
                     lookback_hours=var('ingestion_lookback_hours')) }}
