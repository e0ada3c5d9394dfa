{{ config(materialized="table") }}

{#-
    Every clickstream event with the visit it belongs to. A tracker's session id can span a long
    pause (a tab left open, a phone put away); as common web analytics does, a pause of more than
    var('session_timeout_minutes') between two events of the same session id starts a new visit.
    The first visit keeps the tracker's id as its session_key, later ones get '#2', '#3', ….
    Events are ordered by their time (then id), never by the order they arrived in.
-#}
-- Built only when its inputs passed their data-quality gates (models/quality/).
-- depends_on: {{ ref('dq_gate__clickstream') }}

with

events as (

    select
        event_id,
        session_id,
        customer_id,
        event_type,
        product_id,
        event_ts,
        device

    from {{ ref('fct_clickstream_events') }}

),

with_previous as (

    select
        *,
        lag(event_ts) over (partition by session_id order by event_ts, event_id) as previous_event_ts
    from events

),

marked as (

    select
        *,
        case
            when previous_event_ts is null then 1
            when {{ dbt.datediff('previous_event_ts', 'event_ts', 'second') }}
                > {{ var('session_timeout_minutes') }} * 60 then 1
            else 0
        end as starts_visit
    from with_previous

),

numbered as (

    select
        *,
        -- an integer on both warehouses (a window sum is a float on some engines: '#2.0')
        cast(sum(starts_visit) over (
            partition by session_id
            order by event_ts, event_id
            rows between unbounded preceding and current row
        ) as integer) as visit_number
    from marked

),

final as (

    select
        event_id,
        case
            when visit_number = 1 then session_id
            else session_id || '#' || cast(visit_number as varchar)
        end as session_key,
        session_id,
        visit_number,
        row_number() over (partition by session_id, visit_number order by event_ts, event_id) as event_number,
        customer_id,
        event_type,
        product_id,
        event_ts,
        device

    from numbered

)

select * from final
