{#-
    Market-basket pairs over baskets (orders, visits): the CTEs after `basket_items`, a CTE with
    one row per (basket_key, product_id), ending in `final`. For each ordered pair (A, B) seen
    together in at least `minimum` baskets:
      support    = baskets with A and B / all baskets
      confidence = baskets with A and B / baskets with A
      lift       = confidence / (baskets with B / all baskets)
    `together` names the pair count column (orders_together, sessions_together).
-#}
{% macro basket_pairs(basket_key, together, minimum) -%}

all_baskets as (

    select count(distinct {{ basket_key }}) as baskets
    from basket_items

),

product_baskets as (

    select
        product_id,
        count(*) as baskets
    from basket_items
    group by product_id

),

pairs as (

    select
        this_product.product_id,
        other_product.product_id as other_product_id,
        count(*) as {{ together }}
    from basket_items as this_product
    inner join basket_items as other_product
        on
            this_product.{{ basket_key }} = other_product.{{ basket_key }}
            and this_product.product_id != other_product.product_id
    group by this_product.product_id, other_product.product_id

),

final as (

    select
        pairs.product_id,
        pairs.other_product_id,
        pairs.{{ together }},
        {{ safe_ratio('pairs.' ~ together, 'all_baskets.baskets') }} as support,
        {{ safe_ratio('pairs.' ~ together, 'this_product.baskets') }} as confidence,
        ({{ safe_ratio('pairs.' ~ together, 'this_product.baskets') }})
        / ({{ safe_ratio('other_product.baskets', 'all_baskets.baskets') }}) as lift

    from pairs
    cross join all_baskets
    inner join product_baskets as this_product
        on pairs.product_id = this_product.product_id
    inner join product_baskets as other_product
        on pairs.other_product_id = other_product.product_id
    where pairs.{{ together }} >= {{ minimum }}

)

{%- endmacro %}
