{{ config(severity='warn') }}
-- Reviews in fct_reviews that raw.reviews no longer shows: their source was re-processed (a new
-- pipeline version) without them. Incremental builds never delete; a full refresh does.
with

published as (

    select distinct review_id from {{ ref('stg_amazon__reviews') }}

),

loaded as (

    select review_id from {{ ref('fct_reviews') }}

),

withdrawn as (

    select loaded.review_id
    from loaded
    left join published
        on loaded.review_id = published.review_id
    where published.review_id is null

)

select * from withdrawn
