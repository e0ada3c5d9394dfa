{#- Every captured version (and deletion) of a dim_products row, once each: see macros/cdc.sql. -#}

{{ cdc_versions('cdc_dim_products', key='product_id', columns=['product_id', 'name', 'category', 'price', 'updated_at']) }}
