{#-
    Market-basket pairs: two products in the same order (any line status: they were bought
    together even if one came back). For each ordered pair (A, B) seen in at least
    var('min_orders_together') orders:
      support    = orders with A and B / all orders
      confidence = orders with A and B / orders with A      (how often B joins A)
      lift       = confidence / (orders with B / all orders) (> 1: more often than chance)
    Both directions are rows: confidence is not symmetric.
-#}
-- Built only when its inputs passed their data-quality gates (models/quality/).
-- depends_on: {{ ref('dq_gate__transactions') }}

with

order_products as (

    select distinct
        order_id,
        product_id
    from {{ ref('fct_order_lines') }}

),

all_orders as (

    select count(distinct order_id) as orders
    from order_products

),

product_orders as (

    select
        product_id,
        count(*) as orders
    from order_products
    group by product_id

),

pairs as (

    select
        this_product.product_id,
        other_product.product_id as other_product_id,
        count(*) as orders_together
    from order_products as this_product
    inner join order_products as other_product
        on
            this_product.order_id = other_product.order_id
            and this_product.product_id != other_product.product_id
    group by this_product.product_id, other_product.product_id

),

final as (

    select
        pairs.product_id,
        pairs.other_product_id,
        pairs.orders_together,
        {{ safe_ratio('pairs.orders_together', 'all_orders.orders') }} as support,
        {{ safe_ratio('pairs.orders_together', 'this_product.orders') }} as confidence,
        ({{ safe_ratio('pairs.orders_together', 'this_product.orders') }})
        / ({{ safe_ratio('other_product.orders', 'all_orders.orders') }}) as lift

    from pairs
    cross join all_orders
    inner join product_orders as this_product
        on pairs.product_id = this_product.product_id
    inner join product_orders as other_product
        on pairs.other_product_id = other_product.product_id
    where pairs.orders_together >= {{ var('min_orders_together') }}

)

select * from final
