{#- Rows for which a boolean SQL expression is false fail the test (null passes: pair with not_null).
    Usable on a model (`expression` over its columns) or on a column (`column_name` is prefixed). -#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not ({% if column_name %}{{ column_name }} {% endif %}{{ expression }})

{% endtest %}
