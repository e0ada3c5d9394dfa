-- Revenue trends (dbt: marts.revenue_monthly): per month, kept orders, net revenue, average
-- order value and the change against the month before (months without sales are not rows here).
with lines as (
    select *
    from (
        select t.*, row_number() over (partition by transaction_id order by ingested_at desc, run_id desc) as rn
        from transactions as t
    ) as ranked
    where rn = 1
),
monthly as (
    select
        date_trunc('month', transaction_date) as month,
        count(distinct case when status = 'completed' then order_id end) as orders,
        sum(case when status = 'completed' then total_amount else 0 end) as net_revenue
    from lines
    group by date_trunc('month', transaction_date)
)
select
    month,
    orders,
    net_revenue,
    cast(net_revenue as double) / nullif(orders, 0) as average_order_value,
    cast(net_revenue - lag(net_revenue) over (order by month) as double)
        / nullif(lag(net_revenue) over (order by month), 0) as mom_growth
from monthly
order by month
