-- Every live user (silver.dim_users) has exactly one current period, in the city silver has; a
-- deleted user has none.
with current_rows as (
    select user_id, count(*) as current_rows, min(city) as city, min(address) as address
    from {{ ref('dim_users_history') }}
    where is_current
    group by user_id
)
select coalesce(users.user_id, current_rows.user_id) as user_id, current_rows.current_rows
from {{ ref('silver_dim_users') }} as users
full outer join current_rows on current_rows.user_id = users.user_id
where current_rows.user_id is null
   or users.user_id is null
   or current_rows.current_rows != 1
   or current_rows.city != users.city
   or current_rows.address != users.address
