with

source as (

    select * from {{ source('amazon', 'review_images') }}

),

renamed as (

    select
        review_id,
        run_id,
        image_url,
        variant as image_variant,
        source_uri,
        cast(review_year as integer) as review_year

    from source

)

select * from renamed
