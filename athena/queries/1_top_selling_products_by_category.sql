-- Top-selling products by category: per product and month, units, revenue and returns, ranked
-- by net revenue within the category and month (dbt: marts.product_sales_monthly). Each order
-- line counts once, from its latest delivery; a product's category is the catalogue's newest.
with lines as (
    select *
    from (
        select t.*, row_number() over (partition by transaction_id order by ingested_at desc, run_id desc) as rn
        from transactions as t
    ) as ranked
    where rn = 1
),
catalogue as (
    select product_id, category
    from (
        select p.*, row_number() over (partition by product_id order by updated_at desc, ingested_at desc) as rn
        from products as p
    ) as ranked
    where rn = 1
),
monthly as (
    select
        lines.product_id,
        coalesce(catalogue.category, 'uncategorised') as category,
        date_trunc('month', lines.transaction_date) as month,
        sum(lines.quantity) as units_sold,
        sum(lines.total_amount) as gross_revenue,
        sum(case when lines.status <> 'completed' then lines.quantity else 0 end) as returned_units,
        sum(case when lines.status <> 'completed' then lines.total_amount else 0 end) as returned_amount
    from lines
    left join catalogue on lines.product_id = catalogue.product_id
    group by lines.product_id, coalesce(catalogue.category, 'uncategorised'), date_trunc('month', lines.transaction_date)
)
select
    product_id,
    category,
    month,
    units_sold,
    gross_revenue,
    returned_units,
    gross_revenue - returned_amount as net_revenue,
    dense_rank() over (partition by category, month order by gross_revenue - returned_amount desc) as category_rank
from monthly
order by month desc, category, category_rank, product_id
