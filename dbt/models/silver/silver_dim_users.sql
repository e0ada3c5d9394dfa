{#- The operational dim_users as of the newest captured change: one row per live key, the source's
    columns and names (a deleted row is gone). -#}

{{ config(alias='dim_users', materialized='view') }}

select user_id, name, email, city, address, updated_at
from {{ ref('silver_dim_users_state') }}
where change_op = 'upsert'
