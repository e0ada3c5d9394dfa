-- Gold against silver: city_sales_daily's orders, cancellations and revenue add up to
-- silver.fact_sales' (the point-in-time join neither lost an order nor counted one twice).
with gold as (
    select sum(orders) as orders, sum(cancelled_orders) as cancelled, sum(revenue) as revenue
    from {{ ref('city_sales_daily') }}
),
silver as (
    select
        count(*) as orders,
        sum(case when status = 'CANCELLED' then 1 else 0 end) as cancelled,
        coalesce(sum(case when status = 'CANCELLED' then 0 else total_amount end), 0) as revenue
    from {{ ref('silver_fact_sales') }}
)
select gold.*, silver.orders as silver_orders, silver.cancelled as silver_cancelled, silver.revenue as silver_revenue
from gold cross join silver
where coalesce(gold.orders, 0) != silver.orders
   or coalesce(gold.cancelled, 0) != silver.cancelled
   or coalesce(gold.revenue, 0) != silver.revenue
