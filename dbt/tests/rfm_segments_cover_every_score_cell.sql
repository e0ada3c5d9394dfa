-- Every one of the 25 (r_score, fm_score) cells has a segment (with the seed's uniqueness test:
-- exactly one), so every customer gets exactly one segment. Returns the cells without one.
with

scores as (

    select 1 as score union all select 2 union all select 3 union all select 4 union all select 5

),

cells as (

    select
        r.score as r_score,
        fm.score as fm_score
    from scores as r
    cross join scores as fm

)

select cells.r_score, cells.fm_score
from cells
left join {{ ref('rfm_segments') }} as segments
    on cells.r_score = segments.r_score and cells.fm_score = segments.fm_score
where segments.segment is null
