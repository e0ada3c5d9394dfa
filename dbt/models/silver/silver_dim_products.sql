{#- The operational dim_products as of the newest captured change: one row per live key, the source's
    columns and names (a deleted row is gone). -#}

{{ config(alias='dim_products', materialized='view') }}

select product_id, name, category, price, updated_at
from {{ ref('silver_dim_products_state') }}
where change_op = 'upsert'
