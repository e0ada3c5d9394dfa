{#-
    Products viewed in the same visit (product_view events, visits as in sessions): for each
    ordered pair (A, B) seen in at least var('min_sessions_together') visits, the same measures
    as products_bought_together over visits instead of orders:
      support    = visits viewing A and B / visits viewing any product
      confidence = visits viewing A and B / visits viewing A
      lift       = confidence / (visits viewing B / visits viewing any product)
-#}

with

session_products as (

    select distinct
        session_key,
        product_id
    from {{ ref('int_clickstream__sessionized') }}
    where event_type = 'product_view'

),

all_sessions as (

    select count(distinct session_key) as sessions
    from session_products

),

product_sessions as (

    select
        product_id,
        count(*) as sessions
    from session_products
    group by product_id

),

pairs as (

    select
        this_product.product_id,
        other_product.product_id as other_product_id,
        count(*) as sessions_together
    from session_products as this_product
    inner join session_products as other_product
        on
            this_product.session_key = other_product.session_key
            and this_product.product_id != other_product.product_id
    group by this_product.product_id, other_product.product_id

),

final as (

    select
        pairs.product_id,
        pairs.other_product_id,
        pairs.sessions_together,
        {{ safe_ratio('pairs.sessions_together', 'all_sessions.sessions') }} as support,
        {{ safe_ratio('pairs.sessions_together', 'this_product.sessions') }} as confidence,
        ({{ safe_ratio('pairs.sessions_together', 'this_product.sessions') }})
        / ({{ safe_ratio('other_product.sessions', 'all_sessions.sessions') }}) as lift

    from pairs
    cross join all_sessions
    inner join product_sessions as this_product
        on pairs.product_id = this_product.product_id
    inner join product_sessions as other_product
        on pairs.other_product_id = other_product.product_id
    where pairs.sessions_together >= {{ var('min_sessions_together') }}

)

select * from final
