{#- One row per product seen in a review. Products have no catalogue of their own yet (the
    products dataset comes later): what is known comes from their reviews. -#}

with

reviews as (

    select * from {{ ref('fct_reviews') }}

),

products as (

    select
        product_id,
        count(*) as review_count,
        min(review_date) as first_review_date,
        max(review_date) as last_review_date
    from reviews
    group by product_id

),

parents as (

    -- the parent product of the most recent review that names one (2023 files only)
    select
        product_id,
        parent_product_id,
        row_number() over (
            partition by product_id
            order by reviewed_at desc, review_id desc
        ) as recency_rank
    from reviews
    where parent_product_id is not null

),

final as (

    select
        products.product_id,
        parents.parent_product_id,
        products.review_count,
        products.first_review_date,
        products.last_review_date
    from products
    left join parents
        on products.product_id = parents.product_id
        and parents.recency_rank = 1

)

select * from final
