{#-
    One row per cart and product: the units added and removed, what is left (final_quantity,
    never below zero: a removal of more than was added empties the line), its value at the price
    of the latest add, when it was first added and last touched, and the cart's outcome.

    A cart is abandoned when it still holds items, was never checked out, and its last activity
    (its latest add or remove) is older than var('cart_abandonment_hours') before the watermark
    (int_cart_events__carts: the data's clock, not the wall clock). So a rebuild on the same
    events gives the same answer, and a late event for a cart (an add, a checkout) reopens it.
    The sums do not depend on the order in which events arrived.
-#}

with

events as (

    select * from {{ ref('fct_cart_events') }} where event_type in ('add', 'remove')

),

carts as (

    select * from {{ ref('int_cart_events__carts') }}

),

latest_add as (

    select
        cart_id,
        product_id,
        unit_price,
        row_number() over (partition by cart_id, product_id order by event_ts desc, event_id desc) as add_rank
    from events
    where event_type = 'add'

),

lines as (

    select
        cart_id,
        product_id,
        sum(case when event_type = 'add' then quantity else 0 end) as quantity_added,
        sum(case when event_type = 'remove' then quantity else 0 end) as quantity_removed,
        min(case when event_type = 'add' then event_ts end) as first_added_at,
        max(event_ts) as last_activity_at
    from events
    group by cart_id, product_id

),

priced as (

    select
        lines.*,
        greatest(lines.quantity_added - lines.quantity_removed, 0) as final_quantity,
        latest_add.unit_price
    from lines
    left join latest_add
        on lines.cart_id = latest_add.cart_id
        and lines.product_id = latest_add.product_id
        and latest_add.add_rank = 1

),

held as (

    select
        *,
        sum(final_quantity) over (partition by cart_id) as cart_units
    from priced

),

final as (

    select
        held.cart_id,
        held.product_id,
        carts.customer_id,
        held.quantity_added,
        held.quantity_removed,
        held.final_quantity,
        held.unit_price,
        cast(coalesce(held.final_quantity * held.unit_price, 0) as decimal(14, 2)) as line_value,
        held.first_added_at,
        held.last_activity_at,
        carts.last_activity_at as cart_last_activity_at,
        carts.is_checked_out,
        (
            held.cart_units > 0
            and not carts.is_checked_out
            and carts.last_activity_at < carts.abandoned_before
        ) as is_abandoned
    from held
    inner join carts on held.cart_id = carts.cart_id

)

select * from final
