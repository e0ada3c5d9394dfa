with

source as (

    select * from {{ source('shop', 'clickstream_events') }}

),

renamed as (

    select
        -- ids
        event_id,
        session_id,
        customer_id,
        product_id,
        run_id,

        -- the event
        is_anonymous,
        event_type,
        page,
        category_code,
        brand,
        event_ts,
        cast(event_date as date) as event_date,
        device,
        price,

        -- lineage
        source_format,
        source_uri,
        line_number as source_line_number,
        ingested_at

    from source

)

select * from renamed
