-- Every publishing run's quarantined count is the sum of its reasons' records, and every reason
-- is one of its dataset's contract codes.
with

runs as (

    select * from {{ ref('fct_pipeline_runs') }}

),

reasons as (

    select
        run_id,
        sum(records) as records,
        sum(case when reason_description is null then 1 else 0 end) as unknown_reasons
    from {{ ref('fct_quarantine_reasons') }}
    group by run_id

),

mismatched as (

    select
        runs.run_id,
        runs.quarantined,
        coalesce(reasons.records, 0) as reason_records,
        coalesce(reasons.unknown_reasons, 0) as unknown_reasons
    from runs
    left join reasons
        on runs.run_id = reasons.run_id
    where runs.quarantined != coalesce(reasons.records, 0)
        or coalesce(reasons.unknown_reasons, 0) > 0

)

select * from mismatched
