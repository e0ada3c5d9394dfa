{#-
    RFM segmentation, one segment per customer of customer_lifetime_value, as of the data's
    newest transaction date (never the wall clock: a rerun gives the same answer).
      recency_days = as_of_date - last_order_date   (lower is better)
      frequency    = orders (with a completed line)
      monetary     = net_revenue
    Each becomes a 1-5 score by quintile: 1 + floor(5 × percent_rank), capped at 5, where
    percent_rank is the share of the other customers with a strictly worse value; equal values
    share a score. The segment comes from the recency score and the frequency-monetary score
    (f + m) / 2 rounded half up, looked up in the seed rfm_segments (every cell of the 5 × 5 grid
    has exactly one segment: its tests say so).
-#}
-- Built only when its inputs passed their data-quality gates (models/quality/).
-- depends_on: {{ ref('dq_gate__transactions') }}

with

customers as (

    select * from {{ ref('customer_lifetime_value') }}

),

as_of as (

    select max(transaction_date) as as_of_date
    from {{ ref('fct_order_lines') }}

),

measured as (

    select
        customers.customer_id,
        as_of.as_of_date,
        customers.last_order_date,
        {{ dbt.datediff('customers.last_order_date', 'as_of.as_of_date', 'day') }} as recency_days,
        customers.orders as frequency,
        customers.net_revenue as monetary
    from customers
    cross join as_of

),

scored as (

    select
        *,
        least(5, 1 + cast(floor(5 * percent_rank() over (order by recency_days desc)) as integer)) as r_score,
        least(5, 1 + cast(floor(5 * percent_rank() over (order by frequency)) as integer)) as f_score,
        least(5, 1 + cast(floor(5 * percent_rank() over (order by monetary)) as integer)) as m_score
    from measured

),

segments as (

    select * from {{ ref('rfm_segments') }}

),

final as (

    select
        scored.customer_id,
        scored.as_of_date,
        scored.last_order_date,
        scored.recency_days,
        scored.frequency,
        scored.monetary,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        cast(floor((scored.f_score + scored.m_score + 1) / 2.0) as integer) as fm_score,
        segments.segment,
        segments.segment_label

    from scored
    inner join segments
        on
            scored.r_score = segments.r_score
            and cast(floor((scored.f_score + scored.m_score + 1) / 2.0) as integer) = segments.fm_score

)

select * from final
