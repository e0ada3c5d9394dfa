{{
    config(
        materialized='incremental',
        unique_key='review_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        tmp_relation_type=('transient' if target.name == 'fakesnow' else none),
    )
}}

{#-
    One row per review_id across every file: a review that arrives again in a later file is kept
    once, with the values of its latest ingestion (ingested_at, then run_id, breaks ties).
    Incremental: a build reads only the publishing runs it has not loaded yet, within
    `reviews_lookback_hours` behind the newest loaded ingestion (macros/latest_ingestion.sql says
    why that is correct).

    delete+insert on both warehouses (one strategy, checked on both engines; fakesnow cannot run
    dbt-snowflake's MERGE). Snowflake stages the new rows in a temporary table; fakesnow cannot
    create database-qualified temporary tables, so the dialect check stages in a transient one.
-#}

with

{{ latest_ingestion_ctes('stg_amazon__reviews', 'review_id', var('reviews_lookback_hours')) }},

final as (

    select
        review_id,
        product_id,
        parent_product_id,
        reviewer_id,
        reviewer_name,
        rating,
        review_title,
        review_text,
        reviewed_at,
        review_date,
        cast({{ dbt.date_trunc('month', 'review_date') }} as date) as review_month,
        review_year,
        helpful_votes,
        total_votes,
        is_verified_purchase,
        image_count,
        style_size,
        style_color,
        style_format,
        source_format,
        source_uri,
        source_line_number,
        run_id,
        ingested_at

    from latest_rows

)

select * from final
