{#-
    Cohort retention: customers grouped by the month of their first order (cohort_month), and
    for each month since (0 = the first month) up to the data's newest month, how many of the
    cohort were active (placed an order that month, kept or not), their share of the cohort, and
    the cohort's cumulative net revenue per customer so far. Months without activity are rows
    with zeros, so every cohort has a row for every month it has lived through.
-#}
-- Built only when its inputs passed their data-quality gates (models/quality/).
-- depends_on: {{ ref('dq_gate__transactions') }}

with

order_lines as (

    select * from {{ ref('fct_order_lines') }}
    where not is_guest

),

customers as (

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'first_order_date') }} as date) as cohort_month
    from {{ ref('customer_lifetime_value') }}

),

cohorts as (

    select
        cohort_month,
        count(*) as cohort_customers
    from customers
    group by cohort_month

),

newest as (

    select max(transaction_month) as newest_month
    from order_lines

),

grid as (

    select
        cohorts.cohort_month,
        cohorts.cohort_customers,
        integers.n as months_since,
        cast({{ dbt.dateadd('month', 'integers.n', 'cohorts.cohort_month') }} as date) as month
    from cohorts
    cross join newest
    inner join ({{ integers_below_10000() }}) as integers
        on integers.n <= {{ dbt.datediff('cohorts.cohort_month', 'newest.newest_month', 'month') }}

),

activity as (

    select
        customers.cohort_month,
        order_lines.transaction_month as month,
        count(distinct order_lines.customer_id) as customers_active,
        sum(order_lines.total_amount - order_lines.returned_amount) as net_revenue
    from order_lines
    inner join customers
        on order_lines.customer_id = customers.customer_id
    group by customers.cohort_month, order_lines.transaction_month

),

filled as (

    select
        grid.cohort_month,
        grid.months_since,
        grid.month,
        grid.cohort_customers,
        coalesce(activity.customers_active, 0) as customers_active,
        coalesce(activity.net_revenue, 0) as net_revenue
    from grid
    left join activity
        on
            grid.cohort_month = activity.cohort_month
            and grid.month = activity.month

),

final as (

    select
        cohort_month,
        months_since,
        month,
        cohort_customers,
        customers_active,
        {{ safe_ratio('customers_active', 'cohort_customers') }} as retention_share,
        net_revenue,
        {{ safe_ratio(
            'sum(net_revenue) over (partition by cohort_month order by months_since rows between unbounded preceding and current row)',
            'cohort_customers'
        ) }} as cumulative_net_revenue_per_customer

    from filled

)

select * from final
