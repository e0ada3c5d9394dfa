{#-
    One row per cart: whose it is (its first event's customer), when it started and was last
    touched (its latest add or remove), whether and when it was checked out, and the data's
    clock: the watermark, the newest cart event time seen minus var('cart_grace_minutes') (late
    events). The cart marts measure every age against the watermark, never the wall clock.
-#}
-- Built only when the cart events passed their data-quality gate (models/quality/).
-- depends_on: {{ ref('dq_gate__cart_events') }}

with

events as (

    select * from {{ ref('fct_cart_events') }}

),

clock as (

    select
        {{ dbt.dateadd('minute', -1 * var('cart_grace_minutes'), 'max(event_ts)') }} as watermark
    from events

),

owners as (

    select
        cart_id,
        customer_id,
        row_number() over (partition by cart_id order by event_ts, event_id) as event_rank
    from events

),

carts as (

    select
        cart_id,
        min(event_ts) as first_event_at,
        max(case when event_type in ('add', 'remove') then event_ts end) as last_activity_at,
        max(case when event_type = 'checkout' then 1 else 0 end) = 1 as is_checked_out,
        min(case when event_type = 'checkout' then event_ts end) as checked_out_at,
        count(*) as events
    from events
    group by cart_id

),

final as (

    select
        carts.cart_id,
        owners.customer_id,
        carts.first_event_at,
        carts.last_activity_at,
        carts.is_checked_out,
        carts.checked_out_at,
        carts.events,
        clock.watermark,
        {{ dbt.dateadd('hour', -1 * var('cart_abandonment_hours'), 'clock.watermark') }} as abandoned_before
    from carts
    inner join owners on carts.cart_id = owners.cart_id and owners.event_rank = 1
    cross join clock

)

select * from final
