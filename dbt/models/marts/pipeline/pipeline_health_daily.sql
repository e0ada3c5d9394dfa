{#- Pipeline health per day and dataset: every publishing execution committed that day (UTC). -#}

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
        {%- for reason in var('reviews_quarantine_reasons') %}
        sum(quarantined_{{ reason }}) as quarantined_{{ reason }},
        {%- endfor %}
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
