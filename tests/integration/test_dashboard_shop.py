"""The shop pages (Sales, Customers, Funnel, Cart abandonment, Recommendations, Returns, Data
quality) under Streamlit's AppTest, against the dashboard warehouse (its three months of the
simulated shop).

Each page's key numbers are compared with the answer of SQL written here over the marts (the cart
abandonment page: with values worked out in Python from the raw rows), and formatted as the page
formats them.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime

import duckdb
import pandas as pd
import pyarrow as pa

from shoplake.datasets.shop import the_shop
from shoplake.reporting.dashboard import formatting as fmt
from tests import cart_truth as truth
from tests.apptest import page, shown
from tests.fixture_warehouse import copy_home, shop_history


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


# -- cart abandonment -------------------------------------------------------------------------
# The expected values are worked out by tests/cart_truth.py (plain Python, the rules of the cart
# marts, not their SQL) from the raw rows the fixture loads: shop_history's cart events and order
# lines (tests/fixture_warehouse.py).
@dataclass(frozen=True)
class Carts:
    result: dict  # truth.cart_lines: {"lines", "carts", "watermark"}
    recovered: set[str]
    promotions: dict[str, list[dict]]

    def of(self, status: str) -> list[dict]:
        return [c for c in self.result["carts"].values() if c["status"] == status]


@functools.cache
def cart_truth() -> Carts:
    history = shop_history()
    events = [
        truth.CartEvent(r["event_id"], r["cart_id"], r["customer_id"], r["event_type"], r["product_id"],
                        r["quantity"], r["unit_price"], r["event_ts"].replace(tzinfo=UTC))
        for r in history["cart_events"]
    ]  # fmt: skip
    orders = [
        truth.Order(o["customer_id"], o["product_id"], o["transaction_ts"].replace(tzinfo=UTC))
        for o in history["transactions"]
    ]
    result = truth.cart_lines(events)
    return Carts(result, truth.recovered(result, orders), truth.promotions(result, orders))


def naive(moment: datetime) -> datetime:
    """A UTC time as the warehouse keeps it."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def chart_series(at, n: int, field: str) -> list[tuple[date, float]]:
    """(day, field) of the rows the page's n-th chart draws (its Arrow dataset)."""
    (dataset,) = at.get("vega_lite_chart")[n].proto.datasets
    data = pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()
    return [(pd.Timestamp(d).date(), round(float(v), 9)) for d, v in data[["date", field]].itertuples(index=False)]


def expected_cart_metrics() -> dict[str, str]:
    carts = cart_truth()
    abandoned, checked_out = carts.of("abandoned"), carts.of("checked_out")
    return {
        "Abandoned carts": fmt.count(len(abandoned)),
        "Value left in them": fmt.amount(float(sum(c["cart_value"] for c in abandoned))),
        "Abandonment rate": fmt.share(len(abandoned) / (len(abandoned) + len(checked_out))),
        "Recovery rate": fmt.share(len(carts.recovered) / len(abandoned)),
        "As of": f"{carts.result['watermark']:%d %b}",  # the watermark's day; its year and time below
    }


def test_cart_abandonment_headline_trend_and_products(marts_env):
    at = page("cart_abandonment")
    at.run()
    carts = cart_truth()
    abandoned, checked_out = carts.of("abandoned"), carts.of("checked_out")
    assert shown(at) == expected_cart_metrics()
    assert at.metric[4].delta == f"{carts.result['watermark']:%Y, %H:%M} UTC"
    assert at.metric[4].help.endswith(f"({fmt.timestamp(carts.result['watermark'])})")
    # the fixture's numbers: one cart won back, the one left two days before its product was bought
    assert (shown(at)["Abandoned carts"], shown(at)["Recovery rate"]) == ("101", "1.0%")
    assert carts.recovered == {"CART-LEFT-2-DAYS"}
    assert at.caption[0].value == (
        f"{len(carts.result['carts'])} carts of signed-in customers: {len(checked_out)} checked out, "
        f"{len(abandoned)} abandoned ({len(carts.recovered)} of them recovered), the rest emptied or still open"
    )

    # by the (UTC) day of each cart's last activity: abandoned / (abandoned + checked out), recovered / abandoned
    days: dict[date, Counter] = defaultdict(Counter)
    for cart_id, c in carts.result["carts"].items():
        days[c["last_activity_at"].date()].update([c["status"]] + (["recovered"] if cart_id in carts.recovered else []))
    assert chart_series(at, 0, "abandonment_rate") == [
        (d, round(n["abandoned"] / (n["abandoned"] + n["checked_out"]), 9))
        for d, n in sorted(days.items()) if n["abandoned"] + n["checked_out"]
    ]  # fmt: skip
    assert chart_series(at, 1, "recovery_rate") == [
        (d, round(n["recovered"] / n["abandoned"], 9)) for d, n in sorted(days.items()) if n["abandoned"]
    ]

    # the ten products that left the most value in abandoned carts, named from the catalogue
    catalogue = {p.product_id: p for p in the_shop(2026).products}
    per_product = truth.product_abandonment(carts.result)
    values = [p["value_abandoned"] for p in per_product.values()]
    top = sorted((i for i in per_product.items() if i[1]["carts_abandoned"]),
                 key=lambda i: (-i[1]["value_abandoned"], i[0]))[:10]  # fmt: skip
    assert [list(row) for row in at.dataframe[0].value.itertuples(index=False)] == [
        [1 + sum(v > p["value_abandoned"] for v in values), product, catalogue[product].name,
         catalogue[product].category, p["carts_abandoned"], p["units_abandoned"], float(p["value_abandoned"]),
         p["abandonment_rate"]]
        for product, p in top
    ]  # fmt: skip


def test_cart_abandonment_promotions_per_customer(marts_env):
    at = page("cart_abandonment")
    at.run()
    shown(at)
    promotions = cart_truth().promotions
    totals = {customer: sum(p["value_abandoned"] for p in items) for customer, items in promotions.items()}
    order = sorted(totals, key=lambda c: (-totals[c], c))
    picker = at.selectbox(key="promotion_customer")
    # the customers with promotions, most value left first (then by id), the first one chosen
    assert picker.options == [
        f"{c} · {fmt.amount(float(totals[c]))} in {len(promotions[c])} product{'' if len(promotions[c]) == 1 else 's'}"
        for c in order
    ]
    assert picker.value == order[0]

    catalogue = {p.product_id: p.name for p in the_shop(2026).products}

    def table() -> list[tuple]:
        return [(r.rank, r.product_id, r.product_name, round(r.value_abandoned, 2), r.last_activity.to_pydatetime())
                for r in at.dataframe[1].value.itertuples()]  # fmt: skip

    def expected(customer: str) -> list[tuple]:
        return [(p["rank"], p["product_id"], catalogue[p["product_id"]], round(float(p["value_abandoned"]), 2),
                 naive(p["last_activity"])) for p in promotions[customer]]  # fmt: skip

    assert table() == expected(order[0])
    assert len(table()) == 10  # the first customer left more: their list stops at ten

    # a product bought after it was left is never promoted: the customer who left only that one
    # (nine days before buying it, too long to count as recovered) has no promotions
    (late,) = [r for r in shop_history()["cart_events"] if r["cart_id"] == "CART-LEFT-9-DAYS"]
    assert late["customer_id"] not in promotions
    assert not [o for o in picker.options if o.startswith(f"{late['customer_id']} ")]

    # another customer, the last in the list: their own promotions
    at.selectbox(key="promotion_customer").set_value(order[-1]).run()
    assert at.selectbox(key="promotion_customer").value == order[-1]
    assert table() == expected(order[-1])


def test_cart_abandonment_without_cart_events(dashboard_home, tmp_path, monkeypatch):
    # Given the dashboard warehouse as it is before any cart event landed: the cart marts built, empty
    home = copy_home(dashboard_home, tmp_path / "home")
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        for mart in ("fct_cart_events", "fct_cart_lines", "fct_carts", "cart_abandonment_daily",
                     "product_abandonment", "customer_promotions"):  # fmt: skip
            con.execute(f"delete from marts.{mart}")
    monkeypatch.setenv("SHOPLAKE_HOME", str(home))
    at = page("cart_abandonment")
    at.run()
    # Then the page says so, and shows no numbers
    assert shown(at) == {}
    assert [i.value for i in at.info] == [
        "No cart events in the warehouse yet: land a cart_events file "
        "(or run `shoplake generate cart_events`, or `make demo`)."
    ]
    assert not at.dataframe and not at.get("vega_lite_chart")
