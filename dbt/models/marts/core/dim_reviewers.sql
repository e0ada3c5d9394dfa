{#- One row per reviewer, named by their most recent review that carries a name. -#}

with

reviews as (

    select * from {{ ref('fct_reviews') }}

),

reviewers as (

    select
        reviewer_id,
        count(*) as review_count,
        min(reviewed_at) as first_reviewed_at,
        max(reviewed_at) as last_reviewed_at
    from reviews
    group by reviewer_id

),

names as (

    select
        reviewer_id,
        reviewer_name,
        row_number() over (
            partition by reviewer_id
            order by reviewed_at desc, review_id desc
        ) as recency_rank
    from reviews
    where reviewer_name is not null

),

final as (

    select
        reviewers.reviewer_id,
        names.reviewer_name,
        reviewers.review_count,
        reviewers.first_reviewed_at,
        reviewers.last_reviewed_at
    from reviewers
    left join names
        on reviewers.reviewer_id = names.reviewer_id
        and names.recency_rank = 1

)

select * from final
