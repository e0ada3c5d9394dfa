-- The run manifests' `processed` count equals the reviews raw.reviews shows for that run.
with

runs as (

    select * from {{ ref('fct_pipeline_runs') }}
    where is_current_run and dataset = 'reviews'

),

published as (

    select
        run_id,
        count(*) as published_reviews
    from {{ ref('stg_amazon__reviews') }}
    group by run_id

),

mismatched as (

    select
        runs.run_id,
        runs.processed,
        coalesce(published.published_reviews, 0) as published_reviews
    from runs
    left join published
        on runs.run_id = published.run_id
    where runs.processed != coalesce(published.published_reviews, 0)

)

select * from mismatched
