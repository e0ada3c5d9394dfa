{#- Every status an order was captured in, with the period it held it (macros/cdc.sql). -#}

{{ cdc_history('stg_shop_db__fact_sales_changes', key='sale_id', tracked=['status']) }}
