{#-
    Data-quality checks that run the same on DuckDB and Snowflake (no Elementary, no Soda cloud):
    plain SQL over a dataset's raw table and its mart. One row per check result:
      (checked_at, dataset, check_name, date, observed, expected, status, message)
    with status pass | warn | fail. `fail` is kept for what makes the marts wrong (a gate: the
    marts built on the dataset wait, dbt/models/quality/dq_gate__<dataset>.sql); `warn` is
    reported and nothing stops. The checks, per dataset:

      row_count             per day of the record's own date (the last var('dq_days') days of
                            data): the records (each identity's latest ingestion). Always pass.
      volume_anomaly        per *completed* day (every day before the newest, which may still be
                            arriving) with at least 7 of the trailing 14 days in the data: the
                            day's records against the trailing 14 days' median (zero-filled) and
                            median absolute deviation. Robust z = (observed - median) /
                            max(1.4826 × MAD, √median, 1): the MAD, but never less than the
                            Poisson noise of a count that size (small, steady counts would
                            otherwise warn on every wobble); warn when |z| > var('dq_volume_z').
                            A median of 0 (a source that was mostly quiet) is nothing to compare
                            with: pass.
      null_share.<column>   the whole raw table: the share of rows without the required column.
                            The pipeline quarantines such records, so any is a fail (a writer
                            bypassed the contract).
      freshness             hours since the newest ingestion (observed) against the contract's
                            stale_after_hours (expected); warn when older. No data yet: pass.
      reconciliation        sum(measure) in the mart (observed) against the raw table's, each
                            identity's latest ingestion up to the mart's newest ingestion
                            (expected); fail when they differ by more than 0.005.

    Duplicates are counted by the pipeline, not kept in raw: see dq_checks__pipeline.sql.
    Messages hold integers and fixed decimals only, so both warehouses print them alike.
-#}

{% macro dq_checked_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
{%- endmacro %}

{% macro dq_dataset_checks(dataset, raw, mart, identity, required, stale_after_hours, measure='1', where='', mart_where='', date_column=none, mart_ingested_at='ingested_at') -%}

with

raw_rows as (

    select * from {{ raw }}

),

mart_rows as (

    select * from {{ mart }}
    where 1 = 1
    {% if where %}and ({{ where }}){% endif %}
    {% if mart_where %}and ({{ mart_where }}){% endif %}

),

{% if mart_ingested_at %}
mart_newest as (

    select max({{ mart_ingested_at }}) as newest_ingested_at
    from {{ mart }}

),
{% endif %}

latest as (

    select * from (
        select
            *,
            row_number() over (
                partition by {{ identity | join(', ') }}
                order by ingested_at desc, run_id desc
            ) as dq_ingestion_rank
        from raw_rows
    ) as ranked
    where dq_ingestion_rank = 1

),

{% if date_column %}
daily as (

    select
        cast({{ date_column }} as date) as day,
        count(*) as records
    from latest
    group by cast({{ date_column }} as date)

),

bounds as (

    -- the last var('dq_days') days of the data
    select
        cast({{ dbt.dateadd('day', -1 * (var('dq_days') - 1), 'max(day)') }} as date) as window_start,
        min(day) as data_start,
        max(day) as last_date
    from daily

),

calendar_bounds as (

    -- from 14 days before the window (the first checked day's baseline), not before the data
    select
        case
            when data_start > cast({{ dbt.dateadd('day', -14, 'window_start') }} as date) then data_start
            else cast({{ dbt.dateadd('day', -14, 'window_start') }} as date)
        end as first_date,
        last_date
    from bounds

),

days as (

    {{ calendar('day', 'calendar_bounds', 'day') }}

),

filled as (

    select
        days.day,
        coalesce(daily.records, 0) as records
    from days
    left join daily
        on days.day = daily.day

),

checked_days as (

    select filled.*
    from filled
    cross join bounds
    where filled.day >= bounds.window_start

),

baseline as (

    select
        target.day,
        target.records,
        history.records as history_records
    from checked_days as target
    cross join bounds
    inner join filled as history
        on {{ dbt.datediff('history.day', 'target.day', 'day') }} between 1 and 14
    where target.day < bounds.last_date

),

medians as (

    select
        day,
        records,
        count(*) as history_days,
        median(history_records) as median_records
    from baseline
    group by day, records

),

deviations as (

    select
        baseline.day,
        median(abs(baseline.history_records - medians.median_records)) as mad
    from baseline
    inner join medians
        on baseline.day = medians.day
    group by baseline.day

),

scored as (

    select
        medians.day,
        medians.records,
        medians.history_days,
        medians.median_records,
        deviations.mad,
        (medians.records - medians.median_records)
        / greatest(1.4826 * deviations.mad, sqrt(medians.median_records), 1) as robust_z
    from medians
    inner join deviations
        on medians.day = deviations.day

),

row_counts as (

    select
        'row_count' as check_name,
        day as date,
        cast(records as double) as observed,
        cast(null as double) as expected,
        'pass' as status,
        'records that day: ' || cast(cast(records as bigint) as varchar) as message
    from checked_days

),

volume as (

    select
        'volume_anomaly' as check_name,
        day as date,
        cast(records as double) as observed,
        cast(median_records as double) as expected,
        case
            when history_days < 7 or median_records = 0 then 'pass'
            when abs(robust_z) > {{ var('dq_volume_z') }} then 'warn'
            else 'pass'
        end as status,
        case
            when history_days < 7
                then 'not enough history: ' || cast(cast(history_days as bigint) as varchar) || ' of 14 days'
            when median_records = 0 then 'no records in most of the trailing 14 days: nothing to compare with'
            else
                cast(cast(records as bigint) as varchar) || ' records against a trailing 14-day median of '
                || cast(cast(median_records as decimal(18, 1)) as varchar)
                || ' (MAD ' || cast(cast(mad as decimal(18, 1)) as varchar)
                || ', robust z ' || cast(cast(robust_z as decimal(18, 1)) as varchar) || ')'
        end as message
    from scored

),
{% endif %}

raw_counts as (

    select
        count(*) as records
        {% for column in required %}
        , sum(case when {{ column }} is null then 1 else 0 end) as nulls_{{ loop.index }}
        {% endfor %}
    from raw_rows

),

null_shares as (

    {% for column in required %}
    select
        'null_share.{{ column }}' as check_name,
        cast(null as date) as date,
        {{ safe_ratio('nulls_' ~ loop.index, 'records') }} as observed,
        cast(0 as double) as expected,
        case when nulls_{{ loop.index }} > 0 then 'fail' else 'pass' end as status,
        cast(cast(nulls_{{ loop.index }} as bigint) as varchar) || ' of ' || cast(cast(records as bigint) as varchar)
        || ' rows without {{ column }}' as message
    from raw_counts
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

freshness as (

    select
        'freshness' as check_name,
        cast({{ utc_now() }} as date) as date,
        cast({{ dbt.datediff('max(ingested_at)', utc_now(), 'second') }} as double) / 3600 as observed,
        cast({{ stale_after_hours if stale_after_hours else 'null' }} as double) as expected,
        case
            when max(ingested_at) is null then 'pass'
            {% if stale_after_hours %}
            when {{ dbt.datediff('max(ingested_at)', utc_now(), 'second') }} > {{ stale_after_hours }} * 3600 then 'warn'
            {% endif %}
            else 'pass'
        end as status,
        case
            when max(ingested_at) is null then 'no data yet'
            else 'newest ingestion ' || cast(cast({{ dbt.datediff('max(ingested_at)', utc_now(), 'hour') }} as bigint) as varchar)
                || ' hours ago'
                {% if stale_after_hours %}|| ' (stale after {{ stale_after_hours }})'{% endif %}
        end as message
    from raw_rows

),

raw_total as (

    select coalesce(sum({{ measure }}), 0) as total
    from latest
    {% if mart_ingested_at %}
    cross join mart_newest
    where latest.ingested_at <= mart_newest.newest_ingested_at
    {% else %}
    where 1 = 1
    {% endif %}
    {% if where %}and ({{ where }}){% endif %}

),

mart_total as (

    select coalesce(sum({{ measure }}), 0) as total
    from mart_rows

),

reconciliation as (

    select
        'reconciliation' as check_name,
        cast(null as date) as date,
        cast(mart_total.total as double) as observed,
        cast(raw_total.total as double) as expected,
        case when abs(mart_total.total - raw_total.total) > 0.005 then 'fail' else 'pass' end as status,
        'mart ' || cast(cast(mart_total.total as decimal(38, 2)) as varchar)
        || ', raw ' || cast(cast(raw_total.total as decimal(38, 2)) as varchar) as message
    from mart_total
    cross join raw_total

),

results as (

    {% if date_column %}
    select * from row_counts
    union all
    select * from volume
    union all
    {% endif %}
    select * from null_shares
    union all
    select * from freshness
    union all
    select * from reconciliation

),

final as (

    select
        {{ dq_checked_at() }} as checked_at,
        '{{ dataset }}' as dataset,
        check_name,
        date,
        observed,
        expected,
        status,
        message
    from results

)

select * from final

{%- endmacro %}


{#- The latest batch of a dataset's checks: what its gate tests look at. -#}
{% macro dq_latest(checks) -%}
    select * from {{ checks }}
    where checked_at = (select max(checked_at) from {{ checks }})
{%- endmacro %}
