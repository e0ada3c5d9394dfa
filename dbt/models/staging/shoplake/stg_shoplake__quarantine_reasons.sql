{#- The run manifests' quarantine counts in long form: one row per publishing run and reason code
    it quarantined records for (reasons with no records have no row). Any dataset, any reason:
    nothing here lists them. -#}

with

source as (

    select * from {{ source('shoplake', 'pipeline_runs') }}

),

reasons as (

    {{ map_entries('source', 'quarantine_reasons', ['run_id', 'dataset'], 'quarantine_reason', 'records') }}

)

select * from reasons
