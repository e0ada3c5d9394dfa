{#- The shop's users as SCD type 2 over city and address (macros/cdc.sql: cdc_history): a user who
    moves city is two rows. -#}

{{ cdc_history('stg_shop_db__dim_users_changes', key='user_id', tracked=['city', 'address']) }}
