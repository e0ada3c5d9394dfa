{#-
    Sales per category and month. orders: orders with at least one completed line of the
    category; average_order_value: the category's net revenue per such order; share_of_net_revenue:
    of the month's net revenue over every category.
-#}

with

order_lines as (

    select * from {{ ref('int_order_lines__categorised') }}

),

monthly as (

    select
        category,
        transaction_month as month,
        count(distinct product_id) as products_sold,
        count(distinct case when is_kept then order_id end) as orders,
        sum(quantity) as units_sold,
        sum(total_amount) as gross_revenue,
        sum(returned_units) as returned_units,
        sum(returned_amount) as returned_amount
    from order_lines
    group by category, transaction_month

),

final as (

    select
        category,
        month,
        products_sold,
        orders,
        units_sold,
        gross_revenue,
        returned_units,
        returned_amount,
        gross_revenue - returned_amount as net_revenue,
        {{ safe_ratio('gross_revenue - returned_amount', 'orders') }} as average_order_value,
        {{ safe_ratio('returned_units', 'units_sold') }} as return_rate,
        {{ safe_ratio('gross_revenue - returned_amount', 'sum(gross_revenue - returned_amount) over (partition by month)') }}
            as share_of_net_revenue,
        dense_rank() over (
            partition by month order by cast(gross_revenue - returned_amount as decimal(38, 2)) desc
        ) as month_rank

    from monthly

)

select * from final
