{#- Orders per day placed (created_at, UTC) and current status, and how many of them are stuck:
    PENDING for more than var('pending_stuck_hours') at the newest captured change of the orders
    (the capture's clock, never the wall clock: a capture that stopped does not make every order
    stuck). -#}
-- depends_on: {{ ref('dq_gate__cdc_fact_sales') }}

with

orders as (

    select sale_id, status, created_at
    from {{ ref('silver_fact_sales') }}

),

as_of as (

    select max(changed_at) as as_of
    from {{ ref('silver_fact_sales_state') }}

)

select
    cast(orders.created_at as date) as date,
    orders.status,
    count(*) as orders,
    sum(
        case
            when orders.status = 'PENDING'
                and orders.created_at < {{ dbt.dateadd('hour', -1 * var('pending_stuck_hours'), 'as_of.as_of') }}
            then 1 else 0
        end
    ) as stuck_pending,
    max(as_of.as_of) as as_of
from orders
cross join as_of
group by cast(orders.created_at as date), orders.status
