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
    One row per cart event (event_id) across every file: the cart service resends events, and an
    event that arrives again in a later file is kept once, from its latest ingestion. Incremental
    on the runs not loaded yet (macros/latest_ingestion.sql). A late event (exported hours after
    it happened) is just a new row: the cart marts recompute from every event.
-#}

with

{{ latest_ingestion_ctes('stg_shop__cart_events', 'event_id', var('ingestion_lookback_hours')) }},

final as (

    select
        event_id,
        cart_id,
        customer_id,
        event_type,
        product_id,
        quantity,
        unit_price,
        event_ts,
        event_date,
        source_format,
        source_uri,
        source_line_number,
        run_id,
        ingested_at

    from latest_rows

)

select * from final
