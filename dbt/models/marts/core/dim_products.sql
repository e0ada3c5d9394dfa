{#-
    One row per product the shop's data names: every product of the catalogue in its current
    version (the newest snapshot's updated_at wins; the stock of the newest snapshot), then the
    products the catalogue lacks, flagged (in_catalogue false) with where they are known from —
    order lines (with the export's product name), the clickstream (with the store export's
    category code and brand), reviews. A mart that joins several datasets: it is rebuilt whenever
    any of them changes.
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

order_lines as (

    select * from {{ ref('fct_order_lines') }}

),

sold as (

    -- the name the most recent order line gives the product (Online Retail's Description)
    select
        product_id,
        product_name_hint,
        row_number() over (
            partition by product_id
            order by (product_name_hint is null), transaction_ts desc, transaction_id desc
        ) as recency_rank
    from order_lines

),

events as (

    select * from {{ ref('fct_clickstream_events') }}
    where product_id is not null

),

seen as (

    -- the category code and brand of the most recent event that names them (store exports)
    select
        product_id,
        category_code,
        brand,
        row_number() over (
            partition by product_id
            order by (category_code is null and brand is null), event_ts desc, event_id desc
        ) as recency_rank
    from events

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

candidates as (

    select product_id, 1 as priority, 'catalogue' as known_from from catalogue
    union all
    select distinct product_id, 2 as priority, 'transactions' as known_from from order_lines
    union all
    select distinct product_id, 3 as priority, 'clickstream' as known_from from events
    union all
    select product_id, 4 as priority, 'reviews' as known_from from reviewed

),

known as (

    select
        product_id,
        known_from,
        row_number() over (partition by product_id order by priority) as source_rank
    from candidates

),

final as (

    select
        known.product_id,
        coalesce(catalogue.product_name, sold.product_name_hint) as product_name,
        coalesce(catalogue.category, seen.category_code) as category,
        coalesce(catalogue.brand, seen.brand) as brand,
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
    left join sold
        on known.product_id = sold.product_id
        and sold.recency_rank = 1
    left join seen
        on known.product_id = seen.product_id
        and seen.recency_rank = 1
    left join reviewed
        on known.product_id = reviewed.product_id
    left join parents
        on known.product_id = parents.product_id
        and parents.recency_rank = 1
    where known.source_rank = 1

)

select * from final
