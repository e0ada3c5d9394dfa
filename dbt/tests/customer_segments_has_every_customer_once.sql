-- One segment per customer of customer_lifetime_value: no customer missing, none twice.
select
    coalesce(clv.customer_id, segments.customer_id) as customer_id,
    count(segments.customer_id) as segments
from {{ ref('customer_lifetime_value') }} as clv
full outer join {{ ref('customer_segments') }} as segments
    on clv.customer_id = segments.customer_id
group by coalesce(clv.customer_id, segments.customer_id)
having count(segments.customer_id) != 1 or count(clv.customer_id) != 1
