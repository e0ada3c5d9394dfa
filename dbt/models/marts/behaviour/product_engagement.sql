{#-
    Per product of dim_products: how shoppers engage with it (clickstream events and the visits
    they happened in), what was sold (order lines) and what reviewers say (fct_reviews: Amazon
    and the shop's own reviews). view_to_purchase_rate: of the visits that viewed the product,
    the share that also purchased it.
-#}
-- Built only when its inputs passed their data-quality gates (models/quality/).
-- depends_on: {{ ref('dq_gate__transactions') }}
-- depends_on: {{ ref('dq_gate__clickstream') }}
-- depends_on: {{ ref('dq_gate__reviews') }}
-- depends_on: {{ ref('dq_gate__products') }}

with

products as (

    select * from {{ ref('dim_products') }}

),

events as (

    select * from {{ ref('int_clickstream__sessionized') }}
    where product_id is not null

),

engagement as (

    select
        product_id,
        sum(case when event_type = 'product_view' then 1 else 0 end) as views,
        sum(case when event_type = 'add_to_cart' then 1 else 0 end) as add_to_carts,
        sum(case when event_type = 'purchase' then 1 else 0 end) as purchases,
        count(distinct case when event_type = 'product_view' then session_key end) as viewing_sessions
    from events
    group by product_id

),

viewed_then_bought as (

    select
        viewed.product_id,
        count(distinct viewed.session_key) as purchasing_viewing_sessions
    from events as viewed
    inner join events as bought
        on
            viewed.session_key = bought.session_key
            and viewed.product_id = bought.product_id
    where
        viewed.event_type = 'product_view'
        and bought.event_type = 'purchase'
    group by viewed.product_id

),

sold as (

    select
        product_id,
        sum(quantity) as units_sold,
        count(distinct order_id) as orders
    from {{ ref('fct_order_lines') }}
    group by product_id

),

reviewed as (

    select
        product_id,
        count(*) as review_count,
        avg(cast(rating as double)) as average_rating
    from {{ ref('fct_reviews') }}
    group by product_id

),

final as (

    select
        products.product_id,
        products.product_name,
        products.category,
        coalesce(engagement.views, 0) as views,
        coalesce(engagement.add_to_carts, 0) as add_to_carts,
        coalesce(engagement.purchases, 0) as purchases,
        coalesce(engagement.viewing_sessions, 0) as viewing_sessions,
        coalesce(viewed_then_bought.purchasing_viewing_sessions, 0) as purchasing_viewing_sessions,
        {{ safe_ratio('coalesce(viewed_then_bought.purchasing_viewing_sessions, 0)', 'engagement.viewing_sessions') }}
            as view_to_purchase_rate,
        coalesce(sold.units_sold, 0) as units_sold,
        coalesce(sold.orders, 0) as orders,
        coalesce(reviewed.review_count, 0) as review_count,
        reviewed.average_rating

    from products
    left join engagement
        on products.product_id = engagement.product_id
    left join viewed_then_bought
        on products.product_id = viewed_then_bought.product_id
    left join sold
        on products.product_id = sold.product_id
    left join reviewed
        on products.product_id = reviewed.product_id

)

select * from final
