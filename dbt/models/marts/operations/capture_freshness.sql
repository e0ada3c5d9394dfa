{#- How fresh the change capture is, per operational table: the versions and deletions captured,
    the newest change captured (its changed_at: how far the lake has caught up with the source),
    when it reached the lake, and the median time from a change to its publication over the
    newest day of changes (change committed → published in the processed zone). -#}

{% set tables = ['dim_users', 'dim_products', 'fact_sales'] %}

with

{% for t in tables %}
{{ t }}_changes as (

    select
        '{{ t }}' as table_name,
        change_op,
        changed_at,
        ingested_at
    from {{ ref('stg_shop_db__' ~ t ~ '_changes') }}

),
{% endfor %}

changes as (

    {% for t in tables %}
    select * from {{ t }}_changes
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

newest as (

    select table_name, max(changed_at) as newest_change_at
    from changes
    group by table_name

)

select
    changes.table_name,
    sum(case when changes.change_op = 'upsert' then 1 else 0 end) as versions_captured,
    sum(case when changes.change_op = 'delete' then 1 else 0 end) as deletions_captured,
    max(newest.newest_change_at) as newest_change_at,
    max(changes.ingested_at) as newest_ingested_at,
    median(
        case
            when changes.changed_at > {{ dbt.dateadd('hour', -24, 'newest.newest_change_at') }}
            then {{ dbt.datediff('changes.changed_at', 'changes.ingested_at', 'second') }}
        end
    ) as median_capture_seconds
from changes
inner join newest on newest.table_name = changes.table_name
group by changes.table_name
