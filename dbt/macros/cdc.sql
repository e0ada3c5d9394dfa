{#-
    Change data capture (shoplake/core/postgres/cdc.py → the cdc_<table> datasets): the building
    blocks of the silver tables and the history marts.

    A change row is a version of a source row (change_op 'upsert', changed_at = its updated_at) or
    a tombstone (change_op 'delete', the key and the deletion time). A version is identified by
    (key, change_op, changed_at): a batch delivered or published again is the same versions.
    Within a key, versions are ordered by changed_at, a tombstone after an upsert of the same
    instant.
-#}

{#- The versions of a source table, each once (its latest ingestion). -#}
{% macro cdc_versions(table, key, columns) -%}

with

source as (

    select * from {{ source('shop_db', table) }}

),

ranked as (

    select
        {% for c in columns %}{{ c }},
        {% endfor -%}
        change_op,
        changed_at,
        cast(change_date as date) as change_date,
        source_uri,
        line_number as source_line_number,
        ingested_at,
        run_id,
        row_number() over (
            partition by {{ key }}, change_op, changed_at
            order by ingested_at desc, run_id desc
        ) as ingestion_rank
    from source

)

select
    {% for c in columns %}{{ c }},
    {% endfor -%}
    change_op,
    changed_at,
    change_date,
    source_uri,
    source_line_number,
    ingested_at,
    run_id
from ranked
where ingestion_rank = 1

{%- endmacro %}


{#- The newest version of each key, tombstones included (so that a version delivered late never
    brings a deleted row back), built incrementally: a build reads the versions ingested in the
    last `lookback_hours` before the newest it holds, with the current state of the keys they
    touch, and keeps each key's newest. Use with delete+insert on `key`. -#}
{% macro cdc_latest_state(versions_model, key, columns, lookback_hours) -%}

{%- set carried = columns + ['change_op', 'changed_at', 'source_uri', 'ingested_at', 'run_id'] -%}

with

{% if is_incremental() %}
incremental_window as (

    select
        coalesce(
            {{ dbt.dateadd('hour', -1 * lookback_hours, 'max(ingested_at)') }},
            cast('1900-01-01 00:00:00' as timestamp)
        ) as window_start
    from {{ this }}

),
{% endif %}

changes as (

    select {{ carried | join(', ') }}
    from {{ ref(versions_model) }}
    {% if is_incremental() %}
    where ingested_at >= (select window_start from incremental_window)
    {% endif %}

),

candidates as (

    select * from changes
    {% if is_incremental() %}
    union all
    select {{ carried | join(', ') }}
    from {{ this }}
    where {{ key }} in (select {{ key }} from changes)
    {% endif %}

),

ranked as (

    select
        *,
        row_number() over (
            partition by {{ key }}
            order by changed_at desc, case when change_op = 'delete' then 0 else 1 end, ingested_at desc
        ) as version_rank
    from candidates

)

select {{ carried | join(', ') }}
from ranked
where version_rank = 1

{%- endmacro %}


{#- Type 2 history of `tracked` columns of a source table: one row per period in which the
    tracked values stayed the same (valid_from inclusive, valid_to exclusive; the current period
    has no valid_to). A version whose tracked values equal the previous version's (null-safe: a
    column going from null to a value is a change) continues its period; a tombstone ends it; a
    key that comes back after its deletion starts a new one. Built from every captured version,
    so a rebuild (or two at once) gives the same rows: never a second current row. -#}
{% macro cdc_history(versions_model, key, tracked) -%}

with

versions as (

    select {{ key }}, {{ tracked | join(', ') }}, change_op, changed_at
    from {{ ref(versions_model) }}

),

ordered as (

    select
        *,
        {% for c in tracked %}lag({{ c }}) over (
            partition by {{ key }}
            order by changed_at, case when change_op = 'delete' then 1 else 0 end
        ) as previous_{{ c }},
        {% endfor -%}
        lag(change_op) over (
            partition by {{ key }}
            order by changed_at, case when change_op = 'delete' then 1 else 0 end
        ) as previous_op
    from versions

),

boundaries as (

    -- where a period starts (an upsert that changes the tracked values, or the first after a
    -- deletion) or ends (a deletion of a live row)
    select *
    from ordered
    where (
        change_op = 'upsert'
        and (
            previous_op is null
            or previous_op = 'delete'
            {% for c in tracked %}or {{ c }} is distinct from previous_{{ c }}
            {% endfor %}
        )
    ) or (change_op = 'delete' and previous_op = 'upsert')

),

periods as (

    select
        *,
        lead(changed_at) over (
            partition by {{ key }}
            order by changed_at, case when change_op = 'delete' then 1 else 0 end
        ) as next_boundary_at
    from boundaries

)

select
    {{ key }},
    {{ tracked | join(', ') }},
    changed_at as valid_from,
    next_boundary_at as valid_to,
    next_boundary_at is null as is_current
from periods
where change_op = 'upsert'

{%- endmacro %}
