{#- Sales per city and day from the operational database (silver.fact_sales, each order's current
    state), where the city is the user's city when the order was placed: a point-in-time join on
    dim_users_history, not today's city. An order placed before its user's first captured version
    takes that version's city (nothing older was captured); a user never captured is 'unknown'.
    Revenue counts the orders that are not CANCELLED; the day is created_at's (UTC). -#}
-- depends_on: {{ ref('dq_gate__cdc_fact_sales') }}
-- depends_on: {{ ref('dq_gate__cdc_dim_users') }}

with

orders as (

    select sale_id, user_id, total_amount, status, created_at
    from {{ ref('silver_fact_sales') }}

),

history as (

    select
        user_id,
        city,
        valid_from,
        valid_to,
        row_number() over (partition by user_id order by valid_from) = 1 as is_first_period
    from {{ ref('dim_users_history') }}

),

placed as (

    select
        orders.*,
        coalesce(history.city, 'unknown') as city,
        cast(orders.created_at as date) as date,
        orders.status = 'CANCELLED' as is_cancelled,
        orders.status != 'CANCELLED' and orders.total_amount >= {{ var('premium_order_amount') }} as is_premium
    from orders
    left join history
        on history.user_id = orders.user_id
        and (orders.created_at >= history.valid_from or history.is_first_period)
        and (history.valid_to is null or orders.created_at < history.valid_to)

),

daily as (

    select
        city,
        date,
        count(*) as orders,
        sum(case when is_cancelled then 1 else 0 end) as cancelled_orders,
        sum(case when is_cancelled then 0 else 1 end) as revenue_orders,
        coalesce(sum(case when is_cancelled then 0 else total_amount end), 0) as revenue,
        sum(case when is_premium then 1 else 0 end) as premium_orders,
        coalesce(sum(case when is_premium then total_amount else 0 end), 0) as premium_revenue
    from placed
    group by city, date

)

select
    city,
    date,
    orders,
    cancelled_orders,
    revenue,
    {{ safe_ratio('revenue', 'revenue_orders') }} as average_order_value,
    premium_orders,
    premium_revenue,
    revenue - premium_revenue as standard_revenue,
    {{ safe_ratio('premium_revenue', 'revenue') }} as premium_market_share,
    {{ safe_ratio('cancelled_orders', 'orders') }} as cancellation_rate
from daily
