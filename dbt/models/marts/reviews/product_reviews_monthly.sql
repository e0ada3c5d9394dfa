{#-
    One row per product and calendar month with at least one review: count and average rating,
    and the change from the previous calendar month (a month without reviews counts 0 reviews and
    has no average, so after a gap the rating change is null and the count change is the count).
-#}

with

reviews as (

    select * from {{ ref('fct_reviews') }}

),

monthly as (

    select
        product_id,
        review_month,
        count(*) as review_count,
        avg(cast(rating as double)) as average_rating
    from reviews
    group by product_id, review_month

),

with_previous_active_month as (

    select
        *,
        lag(review_month) over (partition by product_id order by review_month) as previous_active_month,
        lag(review_count) over (partition by product_id order by review_month) as previous_active_review_count,
        lag(average_rating) over (partition by product_id order by review_month) as previous_active_average_rating
    from monthly

),

with_previous_month as (

    select
        product_id,
        review_month,
        review_count,
        average_rating,
        previous_active_month = cast({{ dbt.dateadd('month', -1, 'review_month') }} as date) as follows_active_month,
        previous_active_review_count,
        previous_active_average_rating
    from with_previous_active_month

),

final as (

    select
        product_id,
        review_month,
        review_count,
        average_rating,
        case when follows_active_month then previous_active_review_count else 0 end
            as previous_month_review_count,
        case when follows_active_month then previous_active_average_rating end
            as previous_month_average_rating,
        review_count - case when follows_active_month then previous_active_review_count else 0 end
            as review_count_change,
        average_rating - case when follows_active_month then previous_active_average_rating end
            as average_rating_change
    from with_previous_month

)

select * from final
