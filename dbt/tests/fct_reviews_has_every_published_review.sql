-- Every review_id published in raw.reviews is in fct_reviews (nothing missed by an incremental
-- build: a run that became visible later than the lookback window would show up here).
with

published as (

    select distinct review_id from {{ ref('stg_amazon__reviews') }}

),

loaded as (

    select review_id from {{ ref('fct_reviews') }}

),

missing as (

    select published.review_id
    from published
    left join loaded
        on published.review_id = loaded.review_id
    where loaded.review_id is null

)

select * from missing
