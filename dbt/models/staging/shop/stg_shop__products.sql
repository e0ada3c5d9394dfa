with

source as (

    select * from {{ source('shop', 'products') }}

),

renamed as (

    select
        -- ids
        product_id,
        run_id,

        -- the product as this snapshot describes it
        name as product_name,
        category,
        brand,
        price,
        stock,
        updated_at,
        updated_at_given,

        -- lineage
        source_format,
        source_uri,
        line_number as source_line_number,
        ingested_at

    from source

)

select * from renamed
