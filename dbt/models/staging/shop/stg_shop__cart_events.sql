with

source as (

    select * from {{ source('shop', 'cart_events') }}

),

renamed as (

    select
        -- ids
        event_id,
        cart_id,
        customer_id,
        product_id,
        run_id,

        -- the event
        event_type,
        quantity,
        unit_price,
        event_ts,
        cast(event_date as date) as event_date,

        -- lineage
        source_format,
        source_uri,
        line_number as source_line_number,
        ingested_at

    from source

)

select * from renamed
