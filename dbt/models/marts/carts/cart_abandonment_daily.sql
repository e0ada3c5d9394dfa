{#-
    Carts by the day they were last touched (UTC): how many, how they ended, and how many of the
    abandoned ones were recovered. abandonment_rate is abandoned over the carts that ended
    (checked out or abandoned; open and emptied carts are neither); recovery_rate is recovered over
    abandoned. A rate is null when its denominator is zero.
-#}

with

carts as (

    select * from {{ ref('fct_carts') }} where last_activity_date is not null

),

daily as (

    select
        last_activity_date as date,
        count(*) as carts,
        sum(case when status = 'checked_out' then 1 else 0 end) as carts_checked_out,
        sum(case when status = 'abandoned' then 1 else 0 end) as carts_abandoned,
        sum(case when status = 'open' then 1 else 0 end) as carts_open,
        sum(case when status = 'emptied' then 1 else 0 end) as carts_emptied,
        sum(case when is_recovered then 1 else 0 end) as carts_recovered,
        cast(sum(case when status = 'abandoned' then cart_value else 0 end) as decimal(14, 2)) as value_abandoned
    from carts
    group by last_activity_date

),

final as (

    select
        *,
        {{ safe_ratio('carts_abandoned', 'carts_abandoned + carts_checked_out') }} as abandonment_rate,
        {{ safe_ratio('carts_recovered', 'carts_abandoned') }} as recovery_rate
    from daily

)

select * from final
