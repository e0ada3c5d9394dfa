-- Customer lifetime value (dbt: marts.customer_lifetime_value): per signed-in customer, first
-- and last order, kept orders, gross and net revenue, average order value. Guests are left out.
with lines as (
    select *
    from (
        select t.*, row_number() over (partition by transaction_id order by ingested_at desc, run_id desc) as rn
        from transactions as t
    ) as ranked
    where rn = 1 and customer_id is not null
)
select
    customer_id,
    min(transaction_date) as first_order_date,
    max(transaction_date) as last_order_date,
    count(distinct case when status = 'completed' then order_id end) as orders,
    sum(total_amount) as gross_revenue,
    sum(case when status = 'completed' then total_amount else 0 end) as net_revenue,
    cast(sum(case when status = 'completed' then total_amount else 0 end) as double)
        / nullif(count(distinct case when status = 'completed' then order_id end), 0) as average_order_value,
    date_diff('day', min(transaction_date), max(transaction_date)) as tenure_days
from lines
group by customer_id
order by net_revenue desc, customer_id
