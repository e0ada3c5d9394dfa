{#-
    Pipeline health per file: one row per publishing execution (a run of one source object) of any
    dataset, with records in, processed, quarantined, duplicates, and the quarantined records still
    visible in the dataset's quarantine table. Re-processing a source (a new pipeline version) adds
    a run and supersedes the previous one: only the current run's rows are in raw.*. Reasons, per
    run, are in fct_quarantine_reasons.
-#}

with

runs as (

    select * from {{ ref('stg_shoplake__pipeline_runs') }}

),

quarantine as (

    select
        run_id,
        count(*) as quarantine_rows
    from {{ ref('stg_shoplake__quarantined_records') }}
    group by run_id

),

ranked as (

    select
        *,
        row_number() over (
            partition by dataset, source_id
            order by committed_at desc, run_id desc
        ) as run_recency
    from runs

),

final as (

    select
        ranked.run_id,
        ranked.dataset,
        ranked.source_uri,
        ranked.source_id,
        ranked.pipeline_version,
        ranked.committed_at,
        cast(ranked.committed_at as date) as committed_date,
        ranked.run_recency = 1 as is_current_run,
        ranked.records_read,
        ranked.processed,
        ranked.quarantined,
        ranked.duplicates,
        {{ safe_ratio('ranked.quarantined', 'ranked.records_read') }} as quarantine_rate,
        {{ safe_ratio('ranked.duplicates', 'ranked.records_read') }} as duplicate_rate,
        -- null for superseded runs: their quarantine files were replaced
        case when ranked.run_recency = 1 then coalesce(quarantine.quarantine_rows, 0) end as quarantine_rows,
        ranked.clean_seconds,
        ranked.flatten_seconds
    from ranked
    left join quarantine
        on ranked.run_id = quarantine.run_id

)

select * from final
