{#- Rows of a data-quality model with the given status (the test fails, or warns, when there are
    any). On a gate (dq_gate__<dataset>: the dataset's latest checks) `fail` is an error test, so
    the marts built on the dataset do not build; `warn` is a warning test: reported, nothing
    stops. latest_only: look at the model's newest batch (checked_at) only. -#}
{% test dq_status_is_not(model, status, latest_only=false) %}
    select dataset, check_name, date, observed, expected, message
    from {{ model }}
    where status = '{{ status }}'
    {% if latest_only %}
      and checked_at = (select max(checked_at) from {{ model }})
    {% endif %}
{% endtest %}
