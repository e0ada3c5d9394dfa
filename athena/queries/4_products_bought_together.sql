-- Products bought together (dbt: marts.products_bought_together): ordered pairs in at least two
-- orders, with support, confidence and lift over all orders.
with lines as (
    select *
    from (
        select t.*, row_number() over (partition by transaction_id order by ingested_at desc, run_id desc) as rn
        from transactions as t
    ) as ranked
    where rn = 1
),
order_products as (
    select distinct order_id, product_id from lines
),
totals as (
    select count(distinct order_id) as orders from order_products
),
product_orders as (
    select product_id, count(*) as orders from order_products group by product_id
),
pairs as (
    select a.product_id, b.product_id as other_product_id, count(*) as orders_together
    from order_products as a
    join order_products as b on a.order_id = b.order_id and a.product_id <> b.product_id
    group by a.product_id, b.product_id
)
select
    pairs.product_id,
    pairs.other_product_id,
    pairs.orders_together,
    cast(pairs.orders_together as double) / totals.orders as support,
    cast(pairs.orders_together as double) / this_product.orders as confidence,
    (cast(pairs.orders_together as double) / this_product.orders)
        / (cast(other_product.orders as double) / totals.orders) as lift
from pairs
cross join totals
join product_orders as this_product on pairs.product_id = this_product.product_id
join product_orders as other_product on pairs.other_product_id = other_product.product_id
where pairs.orders_together >= 2
order by pairs.orders_together desc, lift desc, pairs.product_id, pairs.other_product_id
