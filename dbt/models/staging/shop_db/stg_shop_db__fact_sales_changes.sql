{#- Every captured version (and deletion) of a fact_sales row, once each: see macros/cdc.sql. -#}

{{ cdc_versions('cdc_fact_sales', key='sale_id', columns=['sale_id', 'user_id', 'product_id', 'quantity', 'total_amount', 'status', 'created_at', 'updated_at']) }}
