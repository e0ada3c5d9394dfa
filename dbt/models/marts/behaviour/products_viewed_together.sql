{#-
    Products viewed in the same visit (product_view events, visits as in sessions): for each
    ordered pair (A, B) seen in at least var('min_sessions_together') visits, the same measures
    as products_bought_together over visits instead of orders:
      support    = visits viewing A and B / visits viewing any product
      confidence = visits viewing A and B / visits viewing A
      lift       = confidence / (visits viewing B / visits viewing any product)
-#}

with

basket_items as (

    select distinct
        session_key,
        product_id
    from {{ ref('int_clickstream__sessionized') }}
    where event_type = 'product_view'

),

{{ basket_pairs('session_key', 'sessions_together', var('min_sessions_together')) }}

select * from final
