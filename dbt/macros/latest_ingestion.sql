{#-
    The CTEs of an incremental fact that keeps one row per key across every file: the values of
    the key's latest ingestion (ingested_at, then run_id, breaks ties). Ends with a CTE named
    `latest_rows` holding what the build writes.

    Incremental: a build reads only the publishing runs it has not loaded yet. Runs are looked for
    in a window of `lookback_hours` behind the newest loaded ingestion (runs of overlapping
    executions become visible out of ingested_at order), and a run whose id is already in the
    table was loaded whole by an earlier build. So a new file costs its own rows, plus a scan of
    the window's run ids. Rows that would replace a newer ingestion of the same key are dropped, so
    incremental and full builds agree.

    Use with delete+insert on `key` (both warehouses; fakesnow cannot run dbt-snowflake's MERGE).
-#}
{% macro latest_ingestion_ctes(source_model, key, lookback_hours) -%}

{% if is_incremental() %}
loaded as (

    select {{ key }}, ingested_at, run_id from {{ this }}

),

incremental_window as (

    -- the newest loaded ingestion minus the lookback; the beginning of time when nothing is
    -- loaded yet (an empty table must not stop every later load)
    select
        coalesce(
            {{ dbt.dateadd('hour', -1 * lookback_hours, 'max(ingested_at)') }},
            cast('1900-01-01 00:00:00' as timestamp)
        ) as window_start
    from loaded

),
{% endif %}

source_rows as (

    select * from {{ ref(source_model) }}

    {% if is_incremental() %}
    where ingested_at >= (select window_start from incremental_window)
      and run_id not in (
          select run_id
          from loaded
          where ingested_at >= (select window_start from incremental_window)
      )
    {% endif %}

),

ranked as (

    select
        *,
        row_number() over (
            partition by {{ key }}
            order by ingested_at desc, run_id desc
        ) as ingestion_rank
    from source_rows

),

latest as (

    select * from ranked
    where ingestion_rank = 1

),

{% if is_incremental() %}
latest_rows as (

    select latest.*
    from latest
    left join loaded
        on latest.{{ key }} = loaded.{{ key }}
    where loaded.{{ key }} is null
        or latest.ingested_at > loaded.ingested_at
        or (latest.ingested_at = loaded.ingested_at and latest.run_id > loaded.run_id)

)
{% else %}
latest_rows as (

    select * from latest

)
{% endif %}

{%- endmacro %}
