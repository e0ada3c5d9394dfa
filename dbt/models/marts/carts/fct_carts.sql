{#-
    One row per cart and how it ended (status):
      checked_out  it was checked out;
      emptied      never checked out, and its removals left nothing in it;
      abandoned    it holds items, was never checked out, and was last touched more than
                   var('cart_abandonment_hours') before the watermark (int_cart_events__carts);
      open         it holds items and may still be checked out.
    An abandoned cart is recovered when its customer bought one of the products left in it
    (any order line, fct_order_lines) within var('cart_recovery_days') days after its last
    activity.
-#}
-- depends_on: {{ ref('dq_gate__transactions') }}

with

carts as (

    select * from {{ ref('int_cart_events__carts') }}

),

lines as (

    select * from {{ ref('fct_cart_lines') }}

),

orders as (

    select customer_id, product_id, transaction_ts
    from {{ ref('fct_order_lines') }}
    where customer_id is not null

),

contents as (

    select
        cart_id,
        sum(case when final_quantity > 0 then 1 else 0 end) as products,
        coalesce(sum(final_quantity), 0) as units,
        coalesce(sum(line_value), 0) as cart_value,
        max(case when is_abandoned then 1 else 0 end) = 1 as is_abandoned
    from lines
    group by cart_id

),

recoveries as (

    select
        lines.cart_id,
        min(orders.transaction_ts) as recovered_at
    from lines
    inner join orders
        on lines.customer_id = orders.customer_id
        and lines.product_id = orders.product_id
        and orders.transaction_ts > lines.cart_last_activity_at
        and orders.transaction_ts
            <= {{ dbt.dateadd('day', var('cart_recovery_days'), 'lines.cart_last_activity_at') }}
    where lines.is_abandoned and lines.final_quantity > 0
    group by lines.cart_id

),

final as (

    select
        carts.cart_id,
        carts.customer_id,
        carts.first_event_at,
        carts.last_activity_at,
        cast(carts.last_activity_at as date) as last_activity_date,
        carts.checked_out_at,
        carts.events,
        coalesce(contents.products, 0) as products,
        coalesce(contents.units, 0) as units,
        cast(coalesce(contents.cart_value, 0) as decimal(14, 2)) as cart_value,
        case
            when carts.is_checked_out then 'checked_out'
            when coalesce(contents.units, 0) = 0 then 'emptied'
            when contents.is_abandoned then 'abandoned'
            else 'open'
        end as status,
        coalesce(contents.is_abandoned, false) as is_abandoned,
        recoveries.recovered_at is not null as is_recovered,
        recoveries.recovered_at,
        carts.watermark
    from carts
    left join contents on carts.cart_id = contents.cart_id
    left join recoveries on carts.cart_id = recoveries.cart_id

)

select * from final
