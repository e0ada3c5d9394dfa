{#-
    Revenue per day (UTC transaction date), every day from the first to the last order line
    present and zero-filled, so that a moving average over rows is one over days. orders: orders
    with at least one completed line that day. net_revenue_7d_avg: the mean net revenue of the
    day and the six before it (fewer at the start of the history).
-#}
-- Built only when its inputs passed their data-quality gates (models/quality/).
-- depends_on: {{ ref('dq_gate__transactions') }}

with

order_lines as (

    select * from {{ ref('fct_order_lines') }}

),

days as (

    {{ calendar('day', '(select min(transaction_date) as first_date, max(transaction_date) as last_date from order_lines)', 'date') }}

),

daily as (

    select
        transaction_date,
        count(distinct case when is_kept then order_id end) as orders,
        count(*) as order_lines,
        sum(quantity) as units_sold,
        sum(total_amount) as gross_revenue,
        sum(returned_amount) as returned_amount
    from order_lines
    group by transaction_date

),

filled as (

    select
        days.date,
        coalesce(daily.orders, 0) as orders,
        coalesce(daily.order_lines, 0) as order_lines,
        coalesce(daily.units_sold, 0) as units_sold,
        coalesce(daily.gross_revenue, 0) as gross_revenue,
        coalesce(daily.returned_amount, 0) as returned_amount
    from days
    left join daily
        on days.date = daily.transaction_date

),

final as (

    select
        date,
        orders,
        order_lines,
        units_sold,
        gross_revenue,
        returned_amount,
        gross_revenue - returned_amount as net_revenue,
        {{ safe_ratio('gross_revenue - returned_amount', 'orders') }} as average_order_value,
        avg(cast(gross_revenue - returned_amount as double)) over (
            order by date rows between 6 preceding and current row
        ) as net_revenue_7d_avg

    from filled

)

select * from final
