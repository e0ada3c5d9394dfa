{#- The model has exactly these columns (names, any letter case, in any order): a row per column
    missing or unexpected. A gate before the marts: a column set that changed is a contract broken. -#}
{% test expected_columns(model, columns) %}

{%- set actual = [] -%}
{%- if execute -%}
    {%- for c in adapter.get_columns_in_relation(model) -%}
        {%- do actual.append(c.name | lower) -%}
    {%- endfor -%}
{%- endif -%}
{%- set expected = columns | map('lower') | list -%}

select problem from (
    select 'none' as problem
    {% for c in expected if c not in actual -%}
    union all select 'missing column {{ c }}'
    {% endfor -%}
    {% for c in actual if c not in expected -%}
    union all select 'unexpected column {{ c }}'
    {% endfor %}
) as problems
where problem != 'none'

{% endtest %}
