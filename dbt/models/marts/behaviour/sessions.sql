{#-
    One row per visit (int_clickstream__sessionized: a session id cut at
    var('session_timeout_minutes') of inactivity), with how far down the funnel it went. A step
    counts only at or after the previous one within the visit, in event time: an add_to_cart
    before any product_view does not count, nor a purchase before an add_to_cart.
-#}

with

events as (

    select * from {{ ref('int_clickstream__sessionized') }}

),

first_view as (

    select
        session_key,
        min(event_ts) as product_view_at
    from events
    where event_type = 'product_view'
    group by session_key

),

first_add_after_view as (

    select
        events.session_key,
        min(events.event_ts) as add_to_cart_at
    from events
    inner join first_view
        on events.session_key = first_view.session_key
    where
        events.event_type = 'add_to_cart'
        and events.event_ts >= first_view.product_view_at
    group by events.session_key

),

first_purchase_after_add as (

    select
        events.session_key,
        min(events.event_ts) as purchase_at
    from events
    inner join first_add_after_view
        on events.session_key = first_add_after_view.session_key
    where
        events.event_type = 'purchase'
        and events.event_ts >= first_add_after_view.add_to_cart_at
    group by events.session_key

),

visits as (

    select
        session_key,
        min(session_id) as session_id,
        min(visit_number) as visit_number,
        max(customer_id) as customer_id,
        min(event_ts) as session_start,
        max(event_ts) as session_end,
        count(*) as events,
        sum(case when event_type = 'product_view' then 1 else 0 end) as product_views
    from events
    group by session_key

),

first_events as (

    select
        session_key,
        device
    from events
    where event_number = 1

),

final as (

    select
        visits.session_key,
        visits.session_id,
        visits.visit_number,
        visits.customer_id,
        visits.customer_id is null as is_anonymous,
        first_events.device,
        visits.session_start,
        visits.session_end,
        cast(visits.session_start as date) as session_date,
        {{ dbt.datediff('visits.session_start', 'visits.session_end', 'second') }} as duration_seconds,
        visits.events,
        visits.product_views,
        first_view.product_view_at is not null as reached_product_view,
        first_add_after_view.add_to_cart_at is not null as reached_add_to_cart,
        first_purchase_after_add.purchase_at is not null as reached_purchase,
        first_view.product_view_at,
        first_add_after_view.add_to_cart_at,
        first_purchase_after_add.purchase_at

    from visits
    inner join first_events
        on visits.session_key = first_events.session_key
    left join first_view
        on visits.session_key = first_view.session_key
    left join first_add_after_view
        on visits.session_key = first_add_after_view.session_key
    left join first_purchase_after_add
        on visits.session_key = first_purchase_after_add.session_key

)

select * from final
