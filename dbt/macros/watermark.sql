{#- fct_reviews' incremental window start: the newest loaded ingestion minus the lookback, or the
    beginning of time when nothing is loaded yet (an empty table must not stop every later load). -#}
{% macro watermark() -%}
    coalesce(
        {{ dbt.dateadd('hour', -1 * var('reviews_lookback_hours'), 'max(ingested_at)') }},
        cast('1900-01-01 00:00:00' as timestamp)
    )
{%- endmacro %}
