{#- The loaded_at_query of the generated sources' freshness checks: the newest `column` of the
    table, or now when it has no rows. A dataset that has never published a file has not started
    (a shop need not send every dataset), so it is not stale; once it has published, it warns
    when no new file comes for its contract's stale_after_hours. -#}
{% macro last_loaded_at(column) -%}
    select coalesce(max({{ column }}), {{ shoplake.utc_now() }}) from {{ this }}
{%- endmacro %}
