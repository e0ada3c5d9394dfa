with

source as (

    select * from {{ source('amazon', 'reviews') }}

),

renamed as (

    select
        -- ids
        review_id,
        product_id,
        parent_product_id,
        reviewer_id,
        run_id,

        -- review
        reviewer_name,
        cast(rating as integer) as rating,
        title as review_title,
        review_text,
        review_ts as reviewed_at,
        review_date,
        cast(review_year as integer) as review_year,
        helpful_votes,
        total_votes,
        verified_purchase as is_verified_purchase,
        image_count,

        -- style attributes, pulled out of the map (keys are lower-cased by the pipeline)
        {{ map_value('style', 'size') }} as style_size,
        coalesce(
            {{ map_value('style', 'color') }},
            {{ map_value('style', 'colour') }},
            {{ map_value('style', 'color name') }}
        ) as style_color,
        {{ map_value('style', 'format') }} as style_format,

        -- lineage
        source_format,
        source_uri,
        line_number as source_line_number,
        ingested_at

    from source

)

select * from renamed
