{#-
    One row per customer the shop's data names: from the order lines (guests are no customers),
    the clickstream (signed-in visitors) and the shop's own reviews (their reviewer is the
    customer). When each was first and last seen anywhere, and how much of each source they are in.
-#}

with

order_lines as (

    select * from {{ ref('fct_order_lines') }}
    where customer_id is not null

),

events as (

    select * from {{ ref('fct_clickstream_events') }}
    where customer_id is not null

),

store_reviews as (

    select * from {{ ref('fct_reviews') }}
    where source_format = 'store_csv'

),

buying as (

    select
        customer_id,
        count(*) as order_lines,
        count(distinct order_id) as orders,
        min(transaction_ts) as first_order_at,
        max(transaction_ts) as last_order_at
    from order_lines
    group by customer_id

),

countries as (

    -- the country of the most recent order line that names one (Online Retail files)
    select
        customer_id,
        customer_country,
        row_number() over (
            partition by customer_id
            order by transaction_ts desc, transaction_id desc
        ) as recency_rank
    from order_lines
    where customer_country is not null

),

visiting as (

    select
        customer_id,
        count(distinct session_id) as sessions,
        min(event_ts) as first_visit_at,
        max(event_ts) as last_visit_at
    from events
    group by customer_id

),

reviewing as (

    select
        reviewer_id as customer_id,
        count(*) as store_reviews,
        min(reviewed_at) as first_review_at,
        max(reviewed_at) as last_review_at
    from store_reviews
    group by reviewer_id

),

customer_ids as (

    select customer_id from buying
    union
    select customer_id from visiting
    union
    select customer_id from reviewing

),

final as (

    select
        customer_ids.customer_id,
        {{ least_of(['buying.first_order_at', 'visiting.first_visit_at', 'reviewing.first_review_at']) }}
            as first_seen_at,
        {{ greatest_of(['buying.last_order_at', 'visiting.last_visit_at', 'reviewing.last_review_at']) }}
            as last_seen_at,
        coalesce(buying.orders, 0) as orders,
        coalesce(buying.order_lines, 0) as order_lines,
        buying.first_order_at,
        coalesce(visiting.sessions, 0) as sessions,
        visiting.first_visit_at,
        coalesce(reviewing.store_reviews, 0) as store_reviews,
        countries.customer_country as country
    from customer_ids
    left join buying
        on customer_ids.customer_id = buying.customer_id
    left join visiting
        on customer_ids.customer_id = visiting.customer_id
    left join reviewing
        on customer_ids.customer_id = reviewing.customer_id
    left join countries
        on customer_ids.customer_id = countries.customer_id
        and countries.recency_rank = 1

)

select * from final
