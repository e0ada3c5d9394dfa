with

source as (

    select * from {{ source('shop', 'transactions') }}

),

renamed as (

    select
        -- ids
        transaction_id,
        order_id,
        customer_id,
        product_id,
        run_id,

        -- the order line
        is_guest,
        product_name as product_name_hint,
        quantity,
        price as unit_price,
        total_amount,
        currency,
        status,
        transaction_ts,
        transaction_date,
        customer_country,

        -- lineage
        source_format,
        source_uri,
        line_number as source_line_number,
        ingested_at

    from source

)

select * from renamed
