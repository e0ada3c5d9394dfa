{#-
    Calendars without a dates table: the integers 0 … 9,999 from a cross join of ten digits
    (plain SQL on both warehouses: no generator(), no range(), no recursive CTE), turned into every
    day or month between two dates. 10,000 days is 27 years: enough for any shop's history.
-#}
{% macro integers_below_10000() -%}
    select d0.n + 10 * d1.n + 100 * d2.n + 1000 * d3.n as n
    from
        (select 0 as n union all select 1 union all select 2 union all select 3 union all select 4
         union all select 5 union all select 6 union all select 7 union all select 8 union all select 9) as d0
    cross join
        (select 0 as n union all select 1 union all select 2 union all select 3 union all select 4
         union all select 5 union all select 6 union all select 7 union all select 8 union all select 9) as d1
    cross join
        (select 0 as n union all select 1 union all select 2 union all select 3 union all select 4
         union all select 5 union all select 6 union all select 7 union all select 8 union all select 9) as d2
    cross join
        (select 0 as n union all select 1 union all select 2 union all select 3 union all select 4
         union all select 5 union all select 6 union all select 7 union all select 8 union all select 9) as d3
{%- endmacro %}

{#- Every `datepart` (day | month) from the first to the last of `bounds` (a relation or subquery
    with columns first_date and last_date, one row), as a date column `name`. No rows when the
    bounds are null (no data yet). -#}
{% macro calendar(datepart, bounds, name) -%}
    select cast({{ dbt.dateadd(datepart, 'integers.n', 'bounds.first_date') }} as date) as {{ name }}
    from ({{ integers_below_10000() }}) as integers
    cross join {{ bounds }} as bounds
    where integers.n <= {{ dbt.datediff('bounds.first_date', 'bounds.last_date', datepart) }}
{%- endmacro %}
