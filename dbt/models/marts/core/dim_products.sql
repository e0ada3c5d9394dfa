{#-
    One row per product the shop knows: every product of the catalogue in its current version
    (the newest snapshot's updated_at wins; the stock of the newest snapshot), and the products
    reviews name that the catalogue lacks, flagged (in_catalogue false, known_from 'reviews').
-#}

with

catalogue as (

    select * from {{ ref('dim_products_history') }}
    where is_current

),

snapshots as (

    select * from {{ ref('stg_shop__products') }}

),

newest_stock as (

    select
        product_id,
        stock,
        row_number() over (
            partition by product_id
            order by updated_at desc, ingested_at desc, run_id desc
        ) as recency_rank
    from snapshots

),

reviews as (

    select * from {{ ref('fct_reviews') }}

),

reviewed as (

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

known as (

    select product_id, 'catalogue' as known_from from catalogue
    union all
    select product_id, 'reviews' as known_from from reviewed
    where product_id not in (select product_id from catalogue)

),

final as (

    select
        known.product_id,
        catalogue.product_name,
        catalogue.category,
        catalogue.brand,
        catalogue.price,
        newest_stock.stock,
        catalogue.valid_from as catalogue_updated_at,
        known.known_from = 'catalogue' as in_catalogue,
        known.known_from,
        parents.parent_product_id,
        coalesce(reviewed.review_count, 0) as review_count,
        reviewed.first_review_date,
        reviewed.last_review_date
    from known
    left join catalogue
        on known.product_id = catalogue.product_id
    left join newest_stock
        on known.product_id = newest_stock.product_id
        and newest_stock.recency_rank = 1
    left join reviewed
        on known.product_id = reviewed.product_id
    left join parents
        on known.product_id = parents.product_id
        and parents.recency_rank = 1

)

select * from final
