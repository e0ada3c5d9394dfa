{#- One row per image of the reviews in fct_reviews: the images of the ingestion that won. -#}

with

reviews as (

    select * from {{ ref('fct_reviews') }}

),

images as (

    select * from {{ ref('stg_amazon__review_images') }}

),

final as (

    select distinct
        {{ dbt.hash(dbt.concat(['images.review_id', "'|'", 'images.image_variant', "'|'", 'images.image_url'])) }}
            as review_image_id,
        images.review_id,
        reviews.product_id,
        images.image_variant,
        images.image_url
    from images
    inner join reviews
        on images.review_id = reviews.review_id
        and images.run_id = reviews.run_id

)

select * from final
