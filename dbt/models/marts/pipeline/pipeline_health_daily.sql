{#- Pipeline health per day and dataset: every publishing execution committed that day (UTC).
    Reasons per day are in fct_quarantine_reasons (long form). -#}

with

runs as (

    select * from {{ ref('fct_pipeline_runs') }}

),

daily as (

    select
        dataset,
        committed_date,
        count(*) as runs,
        count(distinct source_uri) as files,
        sum(records_read) as records_read,
        sum(processed) as processed,
        sum(quarantined) as quarantined,
        sum(duplicates) as duplicates,
        sum(clean_seconds + flatten_seconds) as processing_seconds
    from runs
    group by dataset, committed_date

),

final as (

    select
        *,
        {{ safe_ratio('quarantined', 'records_read') }} as quarantine_rate,
        {{ safe_ratio('duplicates', 'records_read') }} as duplicate_rate
    from daily

)

select * from final
