{{
    config(
        materialized='incremental',
        unique_key='event_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        tmp_relation_type=('transient' if target.name == 'fakesnow' else none),
    )
}}

{#-
    One row per event (event_id) across every file: trackers resend events, and an event that
    arrives again in a later file is kept once, from its latest ingestion. Incremental on the runs
    not loaded yet (macros/latest_ingestion.sql).
-#}

with

{{ latest_ingestion_ctes('stg_shop__clickstream_events', 'event_id', var('ingestion_lookback_hours')) }},

final as (

    select
        event_id,
        session_id,
        customer_id,
        is_anonymous,
        event_type,
        page,
        product_id,
        category_code,
        brand,
        event_ts,
        event_date,
        device,
        price,
        source_format,
        source_uri,
        source_line_number,
        run_id,
        ingested_at

    from latest_rows

)

select * from final
