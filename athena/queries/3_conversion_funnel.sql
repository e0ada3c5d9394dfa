-- The conversion funnel per day and device (dbt: marts.funnel_daily): visits (a tracker session
-- cut after more than 30 minutes of inactivity) and those that viewed a product, then added to
-- the cart, then purchased, each step at or after the one before it.
with events as (
    select *
    from (
        select c.*, row_number() over (partition by event_id order by ingested_at desc, run_id desc) as rn
        from clickstream_events as c
    ) as ranked
    where rn = 1
),
marked as (
    select
        *,
        case
            when lag(event_ts) over (partition by session_id order by event_ts, event_id) is null then 1
            when date_diff('second', lag(event_ts) over (partition by session_id order by event_ts, event_id), event_ts)
                > 30 * 60 then 1
            else 0
        end as starts_visit
    from events
),
visits as (
    select
        *,
        sum(starts_visit) over (
            partition by session_id order by event_ts, event_id rows between unbounded preceding and current row
        ) as visit_number
    from marked
),
steps as (
    select
        session_id,
        visit_number,
        min(event_ts) as started_at,
        min_by(device, event_ts) as device,
        min(case when event_type = 'product_view' then event_ts end) as viewed_at
    from visits
    group by session_id, visit_number
),
added as (
    select steps.session_id, steps.visit_number, min(visits.event_ts) as added_at
    from steps
    join visits
        on visits.session_id = steps.session_id and visits.visit_number = steps.visit_number
    where visits.event_type = 'add_to_cart' and visits.event_ts >= steps.viewed_at
    group by steps.session_id, steps.visit_number
),
bought as (
    select added.session_id, added.visit_number, min(visits.event_ts) as bought_at
    from added
    join visits
        on visits.session_id = added.session_id and visits.visit_number = added.visit_number
    where visits.event_type = 'purchase' and visits.event_ts >= added.added_at
    group by added.session_id, added.visit_number
)
select
    cast(steps.started_at as date) as date,
    steps.device,
    count(*) as sessions,
    count(steps.viewed_at) as product_view_sessions,
    count(added.added_at) as add_to_cart_sessions,
    count(bought.bought_at) as purchase_sessions,
    cast(count(bought.bought_at) as double) / count(*) as conversion_rate
from steps
left join added on added.session_id = steps.session_id and added.visit_number = steps.visit_number
left join bought on bought.session_id = steps.session_id and bought.visit_number = steps.visit_number
group by cast(steps.started_at as date), steps.device
order by date, device
