{#-
    The pipeline's own data-quality check: duplicate_share per dataset and arrival day (the UTC
    day its files were committed, the last var('dq_days') days of arrivals). Duplicates are
    counted by the pipeline and not published, so the raw tables cannot show them: this reads
    the runs' accounting. Warn when more than var('dq_max_duplicate_share') of the day's records
    repeated an earlier record of their file (an export that sent half of itself twice). A
    warning, never a gate: the duplicates never reached the marts. One batch appended per build.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=false,
        tmp_relation_type=('transient' if target.name == 'fakesnow' else none),
    )
}}

with

runs as (

    select
        dataset,
        cast(committed_at as date) as day,
        records_read,
        duplicates
    from {{ source('shoplake', 'pipeline_runs') }}

),

recent as (

    select runs.*
    from runs
    cross join (select max(day) as newest_day from runs) as newest
    where {{ dbt.datediff('runs.day', 'newest.newest_day', 'day') }} < {{ var('dq_days') }}

),

daily as (

    select
        dataset,
        day,
        count(*) as files,
        sum(records_read) as records_read,
        sum(duplicates) as duplicates
    from recent
    group by dataset, day

),

final as (

    select
        {{ dq_checked_at() }} as checked_at,
        dataset,
        'duplicate_share' as check_name,
        day as date,
        {{ safe_ratio('duplicates', 'records_read') }} as observed,
        cast({{ var('dq_max_duplicate_share') }} as double) as expected,
        case
            when duplicates > records_read * {{ var('dq_max_duplicate_share') }} then 'warn'
            else 'pass'
        end as status,
        cast(cast(duplicates as bigint) as varchar) || ' of ' || cast(cast(records_read as bigint) as varchar) || ' records in '
        || cast(cast(files as bigint) as varchar) || ' files were duplicates' as message
    from daily

)

select * from final
