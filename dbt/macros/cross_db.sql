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

{#- One row per entry of a map column: `select <carry columns>, <key> as key_name, <value> as
    value_name from <relation>`. DuckDB: unnest(map_entries(...)); Snowflake: LATERAL FLATTEN of
    the OBJECT the external table exposes. An empty or null map gives no rows. -#}
{% macro map_entries(relation, map_column, carry_columns, key_name, value_name, value_type='bigint') -%}
    {{ return(adapter.dispatch('map_entries', 'shoplake')(relation, map_column, carry_columns, key_name, value_name, value_type)) }}
{%- endmacro %}

{% macro default__map_entries(relation, map_column, carry_columns, key_name, value_name, value_type) -%}
    select
        {% for c in carry_columns %}{{ c }},
        {% endfor -%}
        cast(entry['key'] as varchar) as {{ key_name }},
        cast(entry['value'] as {{ value_type }}) as {{ value_name }}
    from (
        select
            {% for c in carry_columns %}{{ c }},
            {% endfor -%}
            unnest(map_entries({{ map_column }})) as entry
        from {{ relation }}
    ) as entries
{%- endmacro %}

{% macro snowflake__map_entries(relation, map_column, carry_columns, key_name, value_name, value_type) -%}
    select
        {% for c in carry_columns %}source_rows.{{ c }},
        {% endfor -%}
        cast(entry.key as varchar) as {{ key_name }},
        cast(entry.value as {{ value_type }}) as {{ value_name }}
    from {{ relation }} as source_rows,
        lateral flatten(input => source_rows.{{ map_column }}) as entry
{%- endmacro %}

{#- The smallest / largest non-null of some expressions; null when all are null. (least() and
    greatest() give null as soon as one argument is null on Snowflake and skip nulls on DuckDB:
    each argument is coalesced with the others, rotated, so both engines agree.) -#}
{% macro least_of(expressions) -%}
    least({{ _rotated_coalesces(expressions) }})
{%- endmacro %}

{% macro greatest_of(expressions) -%}
    greatest({{ _rotated_coalesces(expressions) }})
{%- endmacro %}

{% macro _rotated_coalesces(expressions) -%}
    {%- for i in range(expressions | length) -%}
        coalesce({{ (expressions[i:] + expressions[:i]) | join(', ') }}){{ ", " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#- Now, as a timestamp without time zone in UTC (how the raw tables hold times). -#}
{% macro utc_now() -%}
    {{ return(adapter.dispatch('utc_now', 'shoplake')()) }}
{%- endmacro %}

{% macro default__utc_now() -%}
    timezone('UTC', now())
{%- endmacro %}

{% macro snowflake__utc_now() -%}
    sysdate()
{%- endmacro %}
