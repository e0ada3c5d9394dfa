with

source as (

    select * from {{ source('shoplake', 'pipeline_runs') }}

),

renamed as (

    select
        run_id,
        dataset,
        source_uri,
        source_id,
        pipeline_version,
        committed_at,
        records_read,
        processed,
        quarantined,
        duplicates,
        clean_seconds,
        flatten_seconds

    from source

)

select * from renamed
