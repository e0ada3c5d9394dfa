{#-
    Revenue per calendar month, every month from the first to the last present (zero-filled).
    Growth is the change in net revenue against the previous month (mom) and the same month a
    year before (yoy), as a fraction: 0.25 = +25 %; null when there is nothing to compare with
    (no earlier month, or it had no net revenue).
-#}
-- Built only when its inputs passed their data-quality gates (models/quality/).
-- depends_on: {{ ref('dq_gate__transactions') }}

with

order_lines as (

    select * from {{ ref('fct_order_lines') }}

),

months as (

    {{ calendar('month', '(select min(transaction_month) as first_date, max(transaction_month) as last_date from order_lines)', 'month') }}

),

monthly as (

    select
        transaction_month,
        count(distinct case when is_kept then order_id end) as orders,
        count(distinct case when is_kept and not is_guest then customer_id end) as customers,
        sum(quantity) as units_sold,
        sum(total_amount) as gross_revenue,
        sum(returned_amount) as returned_amount
    from order_lines
    group by transaction_month

),

filled as (

    select
        months.month,
        coalesce(monthly.orders, 0) as orders,
        coalesce(monthly.customers, 0) as customers,
        coalesce(monthly.units_sold, 0) as units_sold,
        coalesce(monthly.gross_revenue, 0) as gross_revenue,
        coalesce(monthly.returned_amount, 0) as returned_amount,
        coalesce(monthly.gross_revenue, 0) - coalesce(monthly.returned_amount, 0) as net_revenue
    from months
    left join monthly
        on months.month = monthly.transaction_month

),

compared as (

    select
        *,
        lag(net_revenue, 1) over (order by month) as previous_month_net_revenue,
        lag(net_revenue, 12) over (order by month) as previous_year_net_revenue
    from filled

),

final as (

    select
        month,
        orders,
        customers,
        units_sold,
        gross_revenue,
        returned_amount,
        net_revenue,
        {{ safe_ratio('net_revenue', 'orders') }} as average_order_value,
        previous_month_net_revenue,
        {{ safe_ratio('net_revenue - previous_month_net_revenue', 'previous_month_net_revenue') }} as mom_growth,
        previous_year_net_revenue,
        {{ safe_ratio('net_revenue - previous_year_net_revenue', 'previous_year_net_revenue') }} as yoy_growth

    from compared

)

select * from final
