-- Return rates (dbt: marts.return_rates): per product and month, units sold, returned (goods
-- back) and refunded (money back), and the return rate; products under 10 units are flagged.
with lines as (
    select *
    from (
        select t.*, row_number() over (partition by transaction_id order by ingested_at desc, run_id desc) as rn
        from transactions as t
    ) as ranked
    where rn = 1
)
select
    product_id,
    date_trunc('month', transaction_date) as month,
    sum(quantity) as units_sold,
    sum(case when status = 'returned' then quantity else 0 end) as goods_returned_units,
    sum(case when status = 'refunded' then quantity else 0 end) as refunded_units,
    cast(sum(case when status <> 'completed' then quantity else 0 end) as double) / sum(quantity) as return_rate,
    sum(quantity) < 10 as is_low_volume
from lines
group by product_id, date_trunc('month', transaction_date)
order by month desc, is_low_volume, return_rate desc, product_id
