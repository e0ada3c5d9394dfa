{#-
    Models land in exactly the schema they are configured with (`staging`, `marts`) on every
    target, instead of dbt's default `<target schema>_<custom schema>`: dashboards and grants name
    these schemas. Environments are kept apart by database (SHOPLAKE_DEV, SHOPLAKE) or, locally,
    by SHOPLAKE_HOME, never by schema prefixes.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
