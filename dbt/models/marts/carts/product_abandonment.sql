{#-
    Per product: the carts it was put in, the abandoned ones that still held it, and what was
    left in them (units, and value at each cart's latest price). abandonment_rate is the share of
    the carts it was put in that were abandoned with it inside.
-#}

with

lines as (

    select * from {{ ref('fct_cart_lines') }}

),

per_product as (

    select
        product_id,
        sum(case when quantity_added > 0 then 1 else 0 end) as carts_with_product,
        sum(case when is_abandoned and final_quantity > 0 then 1 else 0 end) as carts_abandoned,
        sum(case when is_abandoned then final_quantity else 0 end) as units_abandoned,
        cast(sum(case when is_abandoned then line_value else 0 end) as decimal(14, 2)) as value_abandoned
    from lines
    group by product_id

),

final as (

    select
        product_id,
        carts_with_product,
        carts_abandoned,
        units_abandoned,
        value_abandoned,
        {{ safe_ratio('carts_abandoned', 'carts_with_product') }} as abandonment_rate,
        rank() over (order by value_abandoned desc) as value_rank
    from per_product

)

select * from final
