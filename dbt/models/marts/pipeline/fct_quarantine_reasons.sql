{#-
    Quarantine reasons in long form, for every dataset: one row per publishing run and reason code
    it quarantined records for, with what the reason means (the contracts' reason codes, seeded).
    Dashboards filter by dataset and sum over runs or days; nothing here lists datasets or reasons.
-#}

with

reasons as (

    select * from {{ ref('stg_shoplake__quarantine_reasons') }}

),

runs as (

    select * from {{ ref('fct_pipeline_runs') }}

),

codes as (

    select * from {{ ref('quarantine_reason_codes') }}

),

final as (

    select
        {{ dbt.hash(dbt.concat(['reasons.run_id', "'|'", 'reasons.quarantine_reason'])) }} as quarantine_reason_id,
        reasons.run_id,
        reasons.dataset,
        runs.source_uri,
        runs.committed_at,
        runs.committed_date,
        runs.is_current_run,
        reasons.quarantine_reason,
        codes.description as reason_description,
        reasons.records
    from reasons
    inner join runs
        on reasons.run_id = runs.run_id
    left join codes
        on reasons.dataset = codes.dataset
        and reasons.quarantine_reason = codes.reason

)

select * from final
