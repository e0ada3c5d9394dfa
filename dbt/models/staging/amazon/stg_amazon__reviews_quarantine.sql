with

source as (

    select * from {{ source('amazon', 'reviews_quarantine') }}

),

renamed as (

    select
        run_id,
        source_uri,
        line_number as source_line_number,
        reason as quarantine_reason,
        raw_record

    from source

)

select * from renamed
