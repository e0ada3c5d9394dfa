{#-
    Market-basket pairs: two products in the same order (any line status: they were bought
    together even if one came back). For each ordered pair (A, B) seen in at least
    var('min_orders_together') orders:
      support    = orders with A and B / all orders
      confidence = orders with A and B / orders with A      (how often B joins A)
      lift       = confidence / (orders with B / all orders) (> 1: more often than chance)
    Both directions are rows: confidence is not symmetric.
-#}
-- Built only when its inputs passed their data-quality gates (models/quality/).
-- depends_on: {{ ref('dq_gate__transactions') }}

with

basket_items as (

    select distinct
        order_id,
        product_id
    from {{ ref('fct_order_lines') }}

),

{{ basket_pairs('order_id', 'orders_together', var('min_orders_together')) }}

select * from final
