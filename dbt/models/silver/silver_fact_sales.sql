{#- The operational fact_sales as of the newest captured change: one row per live key, the source's
    columns and names (a deleted row is gone). -#}

{{ config(alias='fact_sales', materialized='view') }}

select sale_id, user_id, product_id, quantity, total_amount, status, created_at, updated_at
from {{ ref('silver_fact_sales_state') }}
where change_op = 'upsert'
