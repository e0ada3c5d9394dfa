{#- Every captured version (and deletion) of a dim_users row, once each: see macros/cdc.sql. -#}

{{ cdc_versions('cdc_dim_users', key='user_id', columns=['user_id', 'name', 'email', 'city', 'address', 'updated_at']) }}
