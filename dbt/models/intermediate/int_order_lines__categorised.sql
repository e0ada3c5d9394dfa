{#-
    Every order line with its product's category (dim_products: the catalogue's current version,
    else the store export's category code), 'uncategorised' when nobody names one. The sales and
    returns marts group by it.
-#}
-- Built only when its inputs passed their data-quality gates (models/quality/).
-- depends_on: {{ ref('dq_gate__transactions') }}
-- depends_on: {{ ref('dq_gate__products') }}

with

order_lines as (

    select * from {{ ref('fct_order_lines') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

final as (

    select
        order_lines.transaction_id,
        order_lines.order_id,
        order_lines.customer_id,
        order_lines.is_guest,
        order_lines.product_id,
        coalesce(products.category, 'uncategorised') as category,
        order_lines.quantity,
        order_lines.total_amount,
        order_lines.status,
        order_lines.is_kept,
        order_lines.returned_units,
        order_lines.returned_amount,
        order_lines.transaction_date,
        order_lines.transaction_month

    from order_lines
    left join products
        on order_lines.product_id = products.product_id

)

select * from final
