{#-
    The conversion funnel per day (a visit's start date, UTC) and device: visits, and the visits
    that reached each step in order (sessions). Each step's rate is over the step before it;
    conversion_rate is purchases over visits. A rate is null when its denominator is zero.
-#}

with

sessions as (

    select * from {{ ref('sessions') }}

),

daily as (

    select
        session_date as date,
        device,
        count(*) as sessions,
        sum(case when reached_product_view then 1 else 0 end) as product_view_sessions,
        sum(case when reached_add_to_cart then 1 else 0 end) as add_to_cart_sessions,
        sum(case when reached_purchase then 1 else 0 end) as purchase_sessions
    from sessions
    group by session_date, device

),

final as (

    select
        date,
        device,
        sessions,
        product_view_sessions,
        add_to_cart_sessions,
        purchase_sessions,
        {{ safe_ratio('product_view_sessions', 'sessions') }} as product_view_rate,
        {{ safe_ratio('add_to_cart_sessions', 'product_view_sessions') }} as add_to_cart_rate,
        {{ safe_ratio('purchase_sessions', 'add_to_cart_sessions') }} as purchase_rate,
        {{ safe_ratio('purchase_sessions', 'sessions') }} as conversion_rate

    from daily

)

select * from final
