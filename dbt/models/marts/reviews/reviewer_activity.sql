{#- One row per reviewer: how much and how they review, to spot unusual reviewers (bursts of
    reviews on one day, nothing but five stars). -#}

with

reviews as (

    select * from {{ ref('fct_reviews') }}

),

per_day as (

    select
        reviewer_id,
        review_date,
        count(*) as reviews_that_day
    from reviews
    group by reviewer_id, review_date

),

days as (

    select
        reviewer_id,
        count(*) as active_days,
        max(reviews_that_day) as max_reviews_in_one_day
    from per_day
    group by reviewer_id

),

activity as (

    select
        reviewer_id,
        count(*) as review_count,
        count(distinct product_id) as distinct_products,
        min(reviewed_at) as first_reviewed_at,
        max(reviewed_at) as last_reviewed_at,
        avg(cast(rating as double)) as average_rating_given,
        sum(case when rating = 5 then 1 else 0 end) as five_star_count,
        sum(case when is_verified_purchase then 1 else 0 end) as verified_review_count,
        count(is_verified_purchase) as verification_known_count
    from reviews
    group by reviewer_id

),

final as (

    select
        activity.reviewer_id,
        activity.review_count,
        activity.distinct_products,
        activity.first_reviewed_at,
        activity.last_reviewed_at,
        days.active_days,
        days.max_reviews_in_one_day,
        activity.average_rating_given,
        {{ safe_ratio('activity.five_star_count', 'activity.review_count') }} as five_star_share,
        {{ safe_ratio('activity.verified_review_count', 'activity.verification_known_count') }} as verified_share,
        days.max_reviews_in_one_day >= {{ var('unusual_reviews_per_day') }} as is_unusual
    from activity
    inner join days
        on activity.reviewer_id = days.reviewer_id

)

select * from final
