{#-
    What to promote to each customer: up to var('promotions_per_customer') products they left in
    abandoned carts, ranked by the value they left (summed over their abandoned carts), then by
    when they last touched the product in those carts (later first), then by product id, so the
    ranking is the same on every build. A product the customer bought after that last touch
    (any order line, fct_order_lines) is not promoted: they have it. as_of is the watermark the
    abandonment was judged at (the export's date).
-#}
-- depends_on: {{ ref('dq_gate__transactions') }}

with

lines as (

    select * from {{ ref('fct_cart_lines') }} where is_abandoned and final_quantity > 0

),

clock as (

    select max(watermark) as as_of from {{ ref('int_cart_events__carts') }}

),

orders as (

    select customer_id, product_id, max(transaction_ts) as last_bought_at
    from {{ ref('fct_order_lines') }}
    where customer_id is not null
    group by customer_id, product_id

),

left_behind as (

    select
        customer_id,
        product_id,
        count(*) as carts_abandoned,
        sum(final_quantity) as units_abandoned,
        cast(sum(line_value) as decimal(14, 2)) as value_abandoned,
        max(last_activity_at) as last_activity
    from lines
    group by customer_id, product_id

),

not_bought as (

    select left_behind.*
    from left_behind
    left join orders
        on left_behind.customer_id = orders.customer_id
        and left_behind.product_id = orders.product_id
    where orders.last_bought_at is null or orders.last_bought_at <= left_behind.last_activity

),

ranked as (

    select
        *,
        row_number() over (
            partition by customer_id order by value_abandoned desc, last_activity desc, product_id
        ) as rank
    from not_bought

),

final as (

    select
        customer_id,
        rank,
        product_id,
        value_abandoned,
        last_activity,
        units_abandoned,
        carts_abandoned,
        clock.as_of
    from ranked
    cross join clock
    where rank <= {{ var('promotions_per_customer') }}

)

select * from final
