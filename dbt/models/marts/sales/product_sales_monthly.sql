{#-
    Top-selling products by category: per product and month (the lines' UTC transaction month),
    what was sold and what was kept. Every line is a sale (units_sold, gross_revenue); returned
    and refunded lines are returned_units / returned_amount; net_revenue is what was kept.
    category_rank: dense rank by net_revenue within the category and month (1 = best; equal net
    revenue, equal rank).
-#}

with

order_lines as (

    select * from {{ ref('int_order_lines__categorised') }}

),

monthly as (

    select
        product_id,
        category,
        transaction_month as month,
        count(distinct case when is_kept then order_id end) as orders,
        sum(quantity) as units_sold,
        sum(total_amount) as gross_revenue,
        sum(returned_units) as returned_units,
        sum(returned_amount) as returned_amount
    from order_lines
    group by product_id, category, transaction_month

),

netted as (

    -- a decimal of two places on every engine, so equal revenues tie in the rank
    select
        *,
        cast(gross_revenue - returned_amount as decimal(38, 2)) as net_revenue
    from monthly

),

final as (

    select
        product_id,
        category,
        month,
        orders,
        units_sold,
        gross_revenue,
        returned_units,
        returned_amount,
        net_revenue,
        {{ safe_ratio('returned_units', 'units_sold') }} as return_rate,
        dense_rank() over (partition by category, month order by net_revenue desc) as category_rank

    from netted

)

select * from final
