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
        -- one column per quarantine reason code of the reviews contract (0 when absent)
        {%- for reason in var('reviews_quarantine_reasons') %}
        coalesce({{ map_value('quarantine_reasons', reason, 'bigint') }}, 0) as quarantined_{{ reason }},
        {%- endfor %}
        clean_seconds,
        flatten_seconds

    from source

)

select * from renamed
