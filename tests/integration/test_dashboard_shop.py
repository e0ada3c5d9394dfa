"""The shop pages (Sales, Customers, Funnel, Recommendations, Returns, Data quality) under
Streamlit's AppTest, against the dashboard warehouse (its three months of the simulated shop).

Each page's key numbers are compared with the answer of SQL written here over the marts, and
formatted as the page formats them.
"""

from __future__ import annotations

import duckdb

from shoplake.reporting.dashboard import formatting as fmt
from tests.apptest import page, shown


def one(home, sql: str, params=()) -> tuple:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql, list(params)).fetchone()


def expected_sales(home, where: str = "true", params=()) -> dict[str, str]:
    orders, gross, returned, units, returned_units = one(
        home,
        "select count(distinct case when status = 'completed' then order_id end), sum(total_amount), "
        f"sum(case when status != 'completed' then total_amount else 0 end), sum(quantity), "
        f"sum(case when status != 'completed' then quantity else 0 end) from marts.fct_order_lines where {where}",
        params,
    )
    net = float(gross - returned)
    return {
        "Net revenue": fmt.amount(net),
        "Orders": fmt.count(orders),
        "Average order value": fmt.amount(net / orders),
        "Return rate": fmt.share(returned_units / units),
    }


def test_sales_all_time_and_a_category(marts_env):
    at = page("sales")
    at.run()
    assert shown(at) == expected_sales(marts_env)
    assert shown(at)["Orders"] == "175"
    # the best sellers of the newest month, all categories: by net revenue
    (month,) = one(marts_env, "select max(transaction_month) from marts.fct_order_lines")
    top = at.dataframe[0].value
    want = one(
        marts_env,
        "select product_id from marts.fct_order_lines where transaction_month = ? group by product_id "
        "order by sum(case when status = 'completed' then total_amount else 0 end) desc, product_id limit 1",
        [month],
    )
    assert top["product_id"].iloc[0] == want[0]
    # one category: its products only, ranked 1, 2, … by net revenue
    at.selectbox(key="sales_category").select("books").run()
    top = at.dataframe[0].value
    assert set(top["category"]) == {"books"}
    assert top["category_rank"].tolist() == sorted(top["category_rank"].tolist())
    assert top["category_rank"].iloc[0] == 1


def test_sales_of_the_latest_90_days(marts_env):
    at = page("sales")
    at.run()
    at.segmented_control(key="period").set_value("Latest 90 days").run()
    (last,) = one(marts_env, "select max(transaction_date) from marts.fct_order_lines")
    assert shown(at) == expected_sales(marts_env, "transaction_date between ? - interval 89 day and ?", [last, last])


def test_customers(marts_env):
    at = page("customers")
    at.run()
    customers, net, repeat, tenure = one(
        marts_env,
        """
        with per_customer as (
            select customer_id, sum(total_amount) - sum(case when status != 'completed' then total_amount else 0 end)
                   as net, count(distinct case when status = 'completed' then order_id end) as kept_orders,
                   max(transaction_date) - min(transaction_date) as tenure
            from marts.fct_order_lines where customer_id is not null group by customer_id
        )
        select count(*), avg(net), sum(case when kept_orders >= 2 then 1 else 0 end), avg(tenure) from per_customer
        """,
    )
    assert shown(at) == {
        "Customers": fmt.count(customers),
        "Average lifetime value": fmt.amount(float(net)),
        "Repeat customers": fmt.share(repeat / customers),
        "Average tenure": f"{tenure:,.0f} days",
    }
    # the segments table: every customer once
    segments = at.dataframe[0].value
    assert int(segments["customers"].sum()) == customers


def test_funnel_all_devices_and_one(marts_env):
    at = page("funnel")
    at.run()
    sessions, viewed, added, bought = one(
        marts_env,
        "select count(*), sum(case when reached_product_view then 1 else 0 end), "
        "sum(case when reached_add_to_cart then 1 else 0 end), sum(case when reached_purchase then 1 else 0 end) "
        "from marts.sessions",
    )
    metrics = shown(at)
    assert metrics == {
        "Visits": fmt.count(sessions),
        "Viewed a product": fmt.count(viewed),
        "Added to cart": fmt.count(added),
        "Purchased": fmt.count(bought),
        "Conversion rate": fmt.share(bought / sessions, 2),
    }
    assert [m.delta for m in at.metric][1:4] == [
        f"{fmt.share(viewed / sessions)} of the step before",
        f"{fmt.share(added / viewed)} of the step before",
        f"{fmt.share(bought / added)} of the step before",
    ]
    at.segmented_control(key="device").set_value("desktop").run()
    (desktop,) = one(marts_env, "select count(*) from marts.sessions where device = 'desktop'")
    assert shown(at)["Visits"] == fmt.count(desktop)


def test_recommendations_for_the_most_viewed_product(marts_env):
    at = page("recommendations")
    at.run()
    product_id, views, adds, units = one(
        marts_env,
        """
        select e.product_id, e.views, e.add_to_carts, e.units_sold from marts.product_engagement as e
        where e.product_id in (select product_id from marts.products_bought_together
                               union select product_id from marts.products_viewed_together)
        order by e.views desc, e.product_id limit 1
        """,
    )
    metrics = shown(at)
    assert at.selectbox(key="recommend_product").value == product_id
    assert (metrics["Views"], metrics["Added to cart"], metrics["Units sold"]) == (
        fmt.count(views), fmt.count(adds), fmt.count(units),
    )  # fmt: skip
    bought, viewed = at.dataframe[0].value, at.dataframe[1].value
    (pairs,) = one(marts_env, "select count(*) from marts.products_viewed_together where product_id = ?", [product_id])
    assert len(viewed) == min(pairs, 10)
    # the orders of each pair, counted from the order lines
    for other, together in zip(bought["other_product_id"], bought["orders_together"], strict=True):
        (n,) = one(
            marts_env,
            "select count(distinct a.order_id) from marts.fct_order_lines a join marts.fct_order_lines b "
            "on a.order_id = b.order_id where a.product_id = ? and b.product_id = ?",
            [product_id, other],
        )
        assert together == n


def test_returns(marts_env):
    at = page("returns")
    at.run()
    units, goods, refunded, amount = one(
        marts_env,
        "select sum(quantity), sum(case when status = 'returned' then quantity else 0 end), "
        "sum(case when status = 'refunded' then quantity else 0 end), "
        "sum(case when status != 'completed' then total_amount else 0 end) from marts.fct_order_lines",
    )
    assert shown(at) == {
        "Return rate": fmt.share((goods + refunded) / units),
        "Units returned": fmt.count(goods),
        "Units refunded": fmt.count(refunded),
        "Returned amount": fmt.amount(float(amount)),
    }
    products = at.dataframe[0].value
    # ranked products first; low-volume ones after them, unranked
    flags = products["is_low_volume"].tolist()
    assert flags == sorted(flags)
    assert products.loc[products["is_low_volume"], "return_rate_rank"].isna().all()


def test_data_quality_failures_first(marts_env):
    at = page("data_quality")
    at.run()
    counts = dict(
        duckdb.connect(str(marts_env / "warehouse.duckdb"), read_only=True)
        .execute(
            "select status, count(*) from marts.dq_check_results r where checked_at = "
            "(select max(checked_at) from marts.dq_check_results n where n.dataset = r.dataset) group by status"
        )
        .fetchall()
    )
    metrics = shown(at)
    assert (metrics["Failing checks"], metrics["Warnings"], metrics["Passing checks"]) == (
        fmt.count(counts.get("fail", 0)), fmt.count(counts.get("warn", 0)), fmt.count(counts.get("pass", 0)),
    )  # fmt: skip
    # the table shows what did not pass, warnings here (nothing fails in this warehouse)
    table = at.dataframe[0].value
    assert len(table) == counts["warn"] and set(table["status"]) == {"warn"}
    at.toggle(key="dq_show_passing").set_value(True).run()
    table = at.dataframe[0].value
    assert len(table) == sum(counts.values())
    assert table["status"].tolist() == sorted(table["status"].tolist(), key=["fail", "warn", "pass"].index)
