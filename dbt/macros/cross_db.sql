{#-
    Dialect differences, each behind one dispatched macro. `default__` is DuckDB-flavoured SQL
    (the local target); `snowflake__` is the cloud (and the fakesnow check).
-#}

{#- The value under `key` of a map column, cast to `data_type`; null when the key is absent.
    DuckDB: MAP(VARCHAR, …) indexed with map['key']. Snowflake: the external tables expose maps as
    OBJECT / VARIANT, read with the path operator column:"key". -#}
{% macro map_value(column, key, data_type='varchar') -%}
    {{ return(adapter.dispatch('map_value', 'shoplake')(column, key, data_type)) }}
{%- endmacro %}

{% macro default__map_value(column, key, data_type) -%}
    cast({{ column }}[{{ dbt.string_literal(key) }}] as {{ data_type }})
{%- endmacro %}

{% macro snowflake__map_value(column, key, data_type) -%}
    {%- if '"' in key -%}
        {{ exceptions.raise_compiler_error("map_value: a key cannot contain a double quote: " ~ key) }}
    {%- endif -%}
    {#- `:"key"` then a cast gives the bare value; GET() then a cast would keep a string's JSON quotes
        on some engines (fakesnow). -#}
    cast({{ column }}:"{{ key }}" as {{ data_type }})
{%- endmacro %}

{#- A ratio as a double; null when the denominator is zero. -#}
{% macro safe_ratio(numerator, denominator) -%}
    cast({{ numerator }} as double) / nullif({{ denominator }}, 0)
{%- endmacro %}
