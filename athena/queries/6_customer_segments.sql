-- Customer segments (dbt: marts.customer_segments): recency, frequency and monetary value as of
-- the newest transaction date, each scored 1-5 by quintile (1 + floor(5 x percent_rank), capped
-- at 5; equal values share a score). The segment names come from the score table
-- dbt/seeds/rfm_segments.csv (Snowflake: the marts have it joined).
with lines as (
    select *
    from (
        select t.*, row_number() over (partition by transaction_id order by ingested_at desc, run_id desc) as rn
        from transactions as t
    ) as ranked
    where rn = 1
),
customers as (
    select
        customer_id,
        max(transaction_date) as last_order_date,
        count(distinct case when status = 'completed' then order_id end) as frequency,
        sum(case when status = 'completed' then total_amount else 0 end) as monetary
    from lines
    where customer_id is not null
    group by customer_id
),
measured as (
    select
        customers.*,
        date_diff('day', customers.last_order_date, newest.as_of_date) as recency_days
    from customers
    cross join (select max(transaction_date) as as_of_date from lines) as newest
)
select
    customer_id,
    recency_days,
    frequency,
    monetary,
    least(5, 1 + cast(floor(5 * percent_rank() over (order by recency_days desc)) as integer)) as r_score,
    least(5, 1 + cast(floor(5 * percent_rank() over (order by frequency)) as integer)) as f_score,
    least(5, 1 + cast(floor(5 * percent_rank() over (order by monetary)) as integer)) as m_score
from measured
order by customer_id
