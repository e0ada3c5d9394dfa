{#-
    One row per product: how it is rated.

    bayesian_average damps a product's average towards the mean rating of all reviews, so a
    product with two five-star reviews does not outrank one with four hundred reviews averaging
    4.8:  (C * m + sum of ratings) / (C + review_count), with m the mean rating of every review
    and C = var('bayesian_prior_weight') pseudo-reviews of weight.
-#}

with

reviews as (

    select * from {{ ref('fct_reviews') }}

),

prior as (

    select
        avg(cast(rating as double)) as prior_mean,
        cast({{ var('bayesian_prior_weight') }} as double) as prior_weight
    from reviews

),

products as (

    select
        product_id,
        count(*) as review_count,
        sum(rating) as rating_sum,
        avg(cast(rating as double)) as average_rating,
        {%- for stars in range(1, 6) %}
        sum(case when rating = {{ stars }} then 1 else 0 end) as rating_{{ stars }}_count,
        {%- endfor %}
        -- verified_purchase is unknown (null) for the 2014 files: the share is over known ones
        sum(case when is_verified_purchase then 1 else 0 end) as verified_review_count,
        count(is_verified_purchase) as verification_known_count,
        -- every review weighs 1 plus its helpful votes, so a product without votes keeps its average
        sum(rating * (1 + coalesce(helpful_votes, 0))) as helpful_weighted_rating_sum,
        sum(1 + coalesce(helpful_votes, 0)) as helpful_weight,
        min(review_date) as first_review_date,
        max(review_date) as last_review_date
    from reviews
    group by product_id

),

final as (

    select
        products.product_id,
        products.review_count,
        products.average_rating,
        {%- for stars in range(1, 6) %}
        products.rating_{{ stars }}_count,
        {%- endfor %}
        products.verified_review_count,
        {{ safe_ratio('products.verified_review_count', 'products.verification_known_count') }} as verified_share,
        {{ safe_ratio('products.helpful_weighted_rating_sum', 'products.helpful_weight') }}
            as helpful_weighted_average,
        (prior.prior_weight * prior.prior_mean + products.rating_sum)
            / (prior.prior_weight + products.review_count) as bayesian_average,
        products.first_review_date,
        products.last_review_date
    from products
    cross join prior

)

select * from final
