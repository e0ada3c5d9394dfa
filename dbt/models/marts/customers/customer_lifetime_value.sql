{#-
    Customer lifetime value: one row per customer who ordered (guest checkouts have no customer
    and are left out). orders counts the orders with at least one completed line, so a customer
    whose every line came back has 0 orders, net revenue 0 and no average order value.
    first/last_order_date span every order the customer placed, kept or not; tenure_days is the
    days between them.
-#}
-- Built only when its inputs passed their data-quality gates (models/quality/).
-- depends_on: {{ ref('dq_gate__transactions') }}

with

order_lines as (

    select * from {{ ref('fct_order_lines') }}
    where not is_guest

),

per_customer as (

    select
        customer_id,
        min(transaction_date) as first_order_date,
        max(transaction_date) as last_order_date,
        count(distinct order_id) as orders_placed,
        count(distinct case when is_kept then order_id end) as orders,
        sum(quantity) as units_bought,
        sum(returned_units) as returned_units,
        sum(total_amount) as gross_revenue,
        sum(returned_amount) as returned_amount
    from order_lines
    group by customer_id

),

final as (

    select
        customer_id,
        first_order_date,
        last_order_date,
        orders_placed,
        orders,
        units_bought,
        returned_units,
        gross_revenue,
        returned_amount,
        gross_revenue - returned_amount as net_revenue,
        {{ safe_ratio('gross_revenue - returned_amount', 'orders') }} as average_order_value,
        {{ safe_ratio('returned_units', 'units_bought') }} as return_rate,
        {{ dbt.datediff('first_order_date', 'last_order_date', 'day') }} as tenure_days

    from per_customer

)

select * from final
