{#-
    Each product's history as the catalogue told it (SCD type 2): one row per version, valid from
    the snapshot's updated_at until the next version's. A version starts where the name, the
    category, the brand or the price changed; a snapshot that repeats the previous version starts
    none. Two files may describe the same product at the same updated_at: the later ingestion
    (then run id) wins, so every version has its own valid_from. The price and category of any
    product as of time t: valid_from <= t and (valid_to > t or valid_to is null).

    A table rebuilt from every snapshot (no incremental state): a rerun, or files landed out of
    order, give the same history.
-#}

with

snapshots as (

    select * from {{ ref('stg_shop__products') }}

),

ranked_at_time as (

    select
        *,
        row_number() over (
            partition by product_id, updated_at
            order by ingested_at desc, run_id desc
        ) as ingestion_rank
    from snapshots

),

at_time as (

    select * from ranked_at_time
    where ingestion_rank = 1

),

compared as (

    select
        *,
        lag(product_name) over (partition by product_id order by updated_at) as previous_name,
        lag(category) over (partition by product_id order by updated_at) as previous_category,
        lag(brand) over (partition by product_id order by updated_at) as previous_brand,
        lag(price) over (partition by product_id order by updated_at) as previous_price,
        row_number() over (partition by product_id order by updated_at) as snapshot_number
    from at_time

),

versions as (

    select * from compared
    where snapshot_number = 1
        or product_name is distinct from previous_name
        or category is distinct from previous_category
        or brand is distinct from previous_brand
        or price is distinct from previous_price

),

final as (

    select
        {{ dbt.hash(dbt.concat(['product_id', "'|'", 'cast(updated_at as ' ~ dbt.type_string() ~ ')'])) }}
            as product_version_id,
        product_id,
        product_name,
        category,
        brand,
        price,
        updated_at as valid_from,
        lead(updated_at) over (partition by product_id order by updated_at) as valid_to,
        lead(updated_at) over (partition by product_id order by updated_at) is null as is_current,
        source_uri,
        run_id
    from versions

)

select * from final
