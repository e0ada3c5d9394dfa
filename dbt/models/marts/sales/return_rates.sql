{#-
    Returns per product, category and month. returned_units / returned_amount are every line
    that came back in any form (status returned or refunded, as in every mart); goods_returned_*
    the lines whose goods came back, refunded_* the lines refunded without a return.
    return_rate = returned_units / units_sold. A product that sold fewer than
    var('return_rate_min_units') units in the month is flagged is_low_volume and not ranked:
    its rate says little. return_rate_rank: dense rank within the category and month among the
    products with enough sales (1 = most returned).
-#}

with

order_lines as (

    select * from {{ ref('int_order_lines__categorised') }}

),

monthly as (

    select
        product_id,
        category,
        transaction_month as month,
        sum(quantity) as units_sold,
        sum(total_amount) as gross_revenue,
        sum(returned_units) as returned_units,
        sum(returned_amount) as returned_amount,
        sum(case when status = 'returned' then quantity else 0 end) as goods_returned_units,
        sum(case when status = 'returned' then total_amount else 0 end) as goods_returned_amount,
        sum(case when status = 'refunded' then quantity else 0 end) as refunded_units,
        sum(case when status = 'refunded' then total_amount else 0 end) as refunded_amount
    from order_lines
    group by product_id, category, transaction_month

),

flagged as (

    select
        *,
        {{ safe_ratio('returned_units', 'units_sold') }} as return_rate,
        units_sold < {{ var('return_rate_min_units') }} as is_low_volume
    from monthly

),

final as (

    select
        product_id,
        category,
        month,
        units_sold,
        gross_revenue,
        returned_units,
        returned_amount,
        goods_returned_units,
        goods_returned_amount,
        refunded_units,
        refunded_amount,
        return_rate,
        is_low_volume,
        case
            when not is_low_volume
                then dense_rank() over (partition by category, month, is_low_volume order by return_rate desc)
        end as return_rate_rank

    from flagged

)

select * from final
