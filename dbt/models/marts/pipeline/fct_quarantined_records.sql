{#-
    One row per quarantined record of the current run of each file, of every dataset: which line,
    why, and the record as it arrived. What a reporting user needs to see why a file lost records,
    without read access to the raw schema.
-#}

with

quarantine as (

    select * from {{ ref('stg_shoplake__quarantined_records') }}

),

runs as (

    select * from {{ ref('fct_pipeline_runs') }}

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            'quarantine.run_id', "'|'", 'cast(quarantine.source_line_number as ' ~ dbt.type_string() ~ ')'
        ])) }} as quarantined_record_id,
        quarantine.run_id,
        quarantine.dataset,
        quarantine.source_uri,
        runs.committed_at,
        quarantine.source_line_number,
        quarantine.quarantine_reason,
        quarantine.raw_record
    from quarantine
    inner join runs
        on quarantine.run_id = runs.run_id

)

select * from final
