"""The QuickSight sheets of the shop's questions and data quality: the local app's Sales,
Customers, Funnel, Recommendations, Returns and Data quality pages
(``shoplake/reporting/dashboard/views``), over the marts they read."""

from __future__ import annotations

from shoplake.reporting.quicksight.model import (
    BIT,
    DATETIME,
    DECIMAL,
    INTEGER,
    STRING,
    DataSet,
    Filter,
    Sheet,
    Table,
    bar,
    col,
    combo,
    date_picker,
    dropdown,
    equals_parameter,
    heatmap,
    is_true,
    kpi,
    line,
    listing,
    ranked,
    row,
)

_TYPES = {"s": STRING, "i": INTEGER, "d": DECIMAL, "t": DATETIME, "b": BIT}


def _table(name: str, spec: str) -> Table:
    """A mart from "COLUMN:type …" (s string, i integer, d decimal, t date/time, b boolean)."""
    return Table(name, tuple((c.split(":")[0], _TYPES[c.split(":")[1]]) for c in spec.split()))


MONEY = "NET_REVENUE:d"
REVENUE_DAILY = _table(
    "REVENUE_DAILY",
    "DATE:t ORDERS:i ORDER_LINES:i UNITS_SOLD:i GROSS_REVENUE:d RETURNED_AMOUNT:d NET_REVENUE:d "
    "AVERAGE_ORDER_VALUE:d NET_REVENUE_7D_AVG:d",
)
PRODUCT_SALES_MONTHLY = _table(
    "PRODUCT_SALES_MONTHLY",
    "PRODUCT_ID:s CATEGORY:s MONTH:t ORDERS:i UNITS_SOLD:i GROSS_REVENUE:d RETURNED_UNITS:i RETURNED_AMOUNT:d "
    "NET_REVENUE:d RETURN_RATE:d CATEGORY_RANK:i",
)
CATEGORY_SALES_MONTHLY = _table(
    "CATEGORY_SALES_MONTHLY",
    "CATEGORY:s MONTH:t PRODUCTS_SOLD:i ORDERS:i UNITS_SOLD:i GROSS_REVENUE:d RETURNED_UNITS:i RETURNED_AMOUNT:d "
    "NET_REVENUE:d AVERAGE_ORDER_VALUE:d RETURN_RATE:d SHARE_OF_NET_REVENUE:d MONTH_RANK:i",
)
CUSTOMER_LIFETIME_VALUE = _table(
    "CUSTOMER_LIFETIME_VALUE",
    "CUSTOMER_ID:s FIRST_ORDER_DATE:t LAST_ORDER_DATE:t ORDERS_PLACED:i ORDERS:i UNITS_BOUGHT:i RETURNED_UNITS:i "
    "GROSS_REVENUE:d RETURNED_AMOUNT:d NET_REVENUE:d AVERAGE_ORDER_VALUE:d RETURN_RATE:d TENURE_DAYS:i",
)
CUSTOMER_COHORTS = _table(
    "CUSTOMER_COHORTS",
    "COHORT_MONTH:t MONTHS_SINCE:i MONTH:t COHORT_CUSTOMERS:i CUSTOMERS_ACTIVE:i RETENTION_SHARE:d NET_REVENUE:d "
    "CUMULATIVE_NET_REVENUE_PER_CUSTOMER:d",
)
CUSTOMER_SEGMENTS = _table(
    "CUSTOMER_SEGMENTS",
    "CUSTOMER_ID:s AS_OF_DATE:t LAST_ORDER_DATE:t RECENCY_DAYS:i FREQUENCY:i MONETARY:d R_SCORE:i F_SCORE:i "
    "M_SCORE:i FM_SCORE:i SEGMENT:s SEGMENT_LABEL:s",
)
FUNNEL_DAILY = _table(
    "FUNNEL_DAILY",
    "DATE:t DEVICE:s SESSIONS:i PRODUCT_VIEW_SESSIONS:i ADD_TO_CART_SESSIONS:i PURCHASE_SESSIONS:i "
    "PRODUCT_VIEW_RATE:d ADD_TO_CART_RATE:d PURCHASE_RATE:d CONVERSION_RATE:d",
)
PRODUCTS_BOUGHT_TOGETHER = _table(
    "PRODUCTS_BOUGHT_TOGETHER", "PRODUCT_ID:s OTHER_PRODUCT_ID:s ORDERS_TOGETHER:i SUPPORT:d CONFIDENCE:d LIFT:d"
)
PRODUCTS_VIEWED_TOGETHER = _table(
    "PRODUCTS_VIEWED_TOGETHER", "PRODUCT_ID:s OTHER_PRODUCT_ID:s SESSIONS_TOGETHER:i SUPPORT:d CONFIDENCE:d LIFT:d"
)
PRODUCT_ENGAGEMENT = _table(
    "PRODUCT_ENGAGEMENT",
    "PRODUCT_ID:s PRODUCT_NAME:s CATEGORY:s VIEWS:i ADD_TO_CARTS:i PURCHASES:i VIEWING_SESSIONS:i "
    "PURCHASING_VIEWING_SESSIONS:i VIEW_TO_PURCHASE_RATE:d UNITS_SOLD:i ORDERS:i REVIEW_COUNT:i AVERAGE_RATING:d",
)
RETURN_RATES = _table(
    "RETURN_RATES",
    "PRODUCT_ID:s CATEGORY:s MONTH:t UNITS_SOLD:i GROSS_REVENUE:d RETURNED_UNITS:i RETURNED_AMOUNT:d "
    "GOODS_RETURNED_UNITS:i GOODS_RETURNED_AMOUNT:d REFUNDED_UNITS:i REFUNDED_AMOUNT:d RETURN_RATE:d "
    "IS_LOW_VOLUME:b RETURN_RATE_RANK:i",
)
DQ_CHECK_RESULTS = _table(
    "DQ_CHECK_RESULTS", "CHECKED_AT:t DATASET:s CHECK_NAME:s DATE:t OBSERVED:d EXPECTED:d STATUS:s MESSAGE:s"
)
FCT_CARTS = _table(
    "FCT_CARTS",
    "CART_ID:s CUSTOMER_ID:s FIRST_EVENT_AT:t LAST_ACTIVITY_AT:t LAST_ACTIVITY_DATE:t CHECKED_OUT_AT:t EVENTS:i "
    "PRODUCTS:i UNITS:i CART_VALUE:d STATUS:s IS_ABANDONED:b IS_RECOVERED:b RECOVERED_AT:t WATERMARK:t",
)
CART_ABANDONMENT_DAILY = _table(
    "CART_ABANDONMENT_DAILY",
    "DATE:t CARTS:i CARTS_CHECKED_OUT:i CARTS_ABANDONED:i CARTS_OPEN:i CARTS_EMPTIED:i CARTS_RECOVERED:i "
    "VALUE_ABANDONED:d ABANDONMENT_RATE:d RECOVERY_RATE:d",
)
PRODUCT_ABANDONMENT = _table(
    "PRODUCT_ABANDONMENT",
    "PRODUCT_ID:s CARTS_WITH_PRODUCT:i CARTS_ABANDONED:i UNITS_ABANDONED:i VALUE_ABANDONED:d ABANDONMENT_RATE:d "
    "VALUE_RANK:i",
)
CUSTOMER_PROMOTIONS = _table(
    "CUSTOMER_PROMOTIONS",
    "CUSTOMER_ID:s RANK:i PRODUCT_ID:s VALUE_ABANDONED:d LAST_ACTIVITY:t UNITS_ABANDONED:i CARTS_ABANDONED:i AS_OF:t",
)
# Only the name: the pairs show the other product's name.
DIM_PRODUCTS = Table("DIM_PRODUCTS", (("PRODUCT_ID", STRING), ("PRODUCT_NAME", STRING)))

_NAMED = (DIM_PRODUCTS, "PRODUCT_ID", "PRODUCT_NAME")
DATA_SETS = (
    DataSet("revenue_daily", REVENUE_DAILY),
    DataSet("product_sales_monthly", PRODUCT_SALES_MONTHLY, lookup=_NAMED),
    DataSet("category_sales_monthly", CATEGORY_SALES_MONTHLY),
    DataSet("customer_lifetime_value", CUSTOMER_LIFETIME_VALUE),
    DataSet("customer_cohorts", CUSTOMER_COHORTS),
    DataSet("customer_segments", CUSTOMER_SEGMENTS),
    DataSet("funnel_daily", FUNNEL_DAILY),
    DataSet("products_bought_together", PRODUCTS_BOUGHT_TOGETHER),
    DataSet("products_viewed_together", PRODUCTS_VIEWED_TOGETHER),
    DataSet("product_engagement", PRODUCT_ENGAGEMENT),
    DataSet("return_rates", RETURN_RATES, lookup=_NAMED),
    DataSet("fct_carts", FCT_CARTS),
    DataSet("cart_abandonment_daily", CART_ABANDONMENT_DAILY),
    DataSet("product_abandonment", PRODUCT_ABANDONMENT, lookup=_NAMED),
    DataSet("customer_promotions", CUSTOMER_PROMOTIONS, lookup=_NAMED),
    DataSet("dq_check_results", DQ_CHECK_RESULTS),
)
DAILY, SALES, CATEGORIES = "revenue_daily", "product_sales_monthly", "category_sales_monthly"
CLV, COHORTS, SEGMENTS, FUNNEL = "customer_lifetime_value", "customer_cohorts", "customer_segments", "funnel_daily"
BOUGHT, VIEWED, ENGAGEMENT = "products_bought_together", "products_viewed_together", "product_engagement"
RETURNS, DQ = "return_rates", "dq_check_results"
CARTS, CART_DAILY, ABANDONED, PROMOTIONS = (
    "fct_carts",
    "cart_abandonment_daily",
    "product_abandonment",
    "customer_promotions",
)

TOP_PRODUCTS = 10  # shoplake/reporting/dashboard/shop_queries.py top_products

PARAMETERS = (
    {
        "StringParameterDeclaration": {
            "Name": "RecommendFor",
            "ParameterValueType": "SINGLE_VALUED",
            "ValueWhenUnset": {"ValueWhenUnsetOption": "NULL"},
        }
    },
    {
        "StringParameterDeclaration": {
            "Name": "PromoteTo",
            "ParameterValueType": "SINGLE_VALUED",
            "ValueWhenUnset": {"ValueWhenUnsetOption": "NULL"},
        }
    },
)

_DAY = col(DAILY, "DATE", "date", "Day", granularity="DAY")
_NET = col(DAILY, "NET_REVENUE", "sum", "Net revenue", "rating")
SALES_SHEET = Sheet(
    "sales",
    "Sales",
    rows=(
        row(
            6,
            kpi("sales-net-revenue", "Net revenue", _NET),
            kpi("sales-orders", "Orders", col(DAILY, "ORDERS", "sum", "Orders", "count")),
            kpi("sales-units", "Units sold", col(DAILY, "UNITS_SOLD", "sum", "Units", "count")),
        ),
        row(
            12,
            combo(
                "sales-revenue-trend",
                "Revenue per day, with its 7-day average",
                _NET,
                col(DAILY, "NET_REVENUE_7D_AVG", "max", "7-day average", "rating"),
                _DAY,
            ),
        ),
        row(
            12,
            listing(
                "sales-top-products",
                "Top-selling products",
                SALES,
                (
                    ("CATEGORY_RANK", "Rank in category"),
                    ("PRODUCT_ID", "Product"),
                    ("PRODUCT_NAME", "Name"),
                    ("CATEGORY", "Category"),
                    ("MONTH", "Month"),
                    ("UNITS_SOLD", "Units sold", "count"),
                    ("NET_REVENUE", "Net revenue", "rating"),
                ),
                sort=("NET_REVENUE", "DESC"),
                page_size=TOP_PRODUCTS,
            ),  # fmt: skip
            bar(
                "sales-categories",
                "Net revenue by category",
                col(CATEGORIES, "NET_REVENUE", "sum", "Net revenue", "rating"),
                col(CATEGORIES, "CATEGORY", "category", "Category"),
                horizontal=True,
                sort=("NET_REVENUE", "DESC"),
            ),
        ),
    ),
    parameter_controls=(
        date_picker("sales-period-start", "Orders placed from", "PeriodStart"),
        date_picker("sales-period-end", "Orders placed until", "PeriodEnd"),
    ),
    filter_controls=(
        {
            "Dropdown": {
                "FilterControlId": "sales-category-control",
                "Title": "Category",
                "SourceFilterId": "sales-category-filter",
                "Type": "SINGLE_SELECT",
            }
        },
    ),
)

CUSTOMERS_SHEET = Sheet(
    "customers",
    "Customers",
    rows=(
        row(
            6,
            kpi("customers-customers", "Customers", col(CLV, "CUSTOMER_ID", "count")),
            kpi("customers-ltv", "Average lifetime value", col(CLV, "NET_REVENUE", "average", "LTV", "rating")),
            kpi("customers-tenure", "Average tenure (days)", col(CLV, "TENURE_DAYS", "average", "Days", "rating")),
        ),
        row(
            12,
            bar(
                "customers-ltv-distribution",
                "Customers by orders",
                col(CLV, "CUSTOMER_ID", "count", "Customers"),
                col(CLV, "ORDERS", "number", "Kept orders"),
            ),
            bar(
                "customers-segments",
                "Segments",
                col(SEGMENTS, "CUSTOMER_ID", "count", "Customers"),
                col(SEGMENTS, "SEGMENT_LABEL", "category", "Segment"),
                horizontal=True,
                sort=("CUSTOMER_ID", "DESC"),
            ),
        ),
        row(
            14,
            heatmap(
                "customers-cohorts",
                "Cohort retention",
                col(COHORTS, "RETENTION_SHARE", "max", "Retention", "share"),
                col(COHORTS, "COHORT_MONTH", "date", "Cohort", granularity="MONTH"),
                col(COHORTS, "MONTHS_SINCE", "number", "Months since the first order"),
            ),
        ),
    ),
)

FUNNEL_SHEET = Sheet(
    "funnel",
    "Funnel",
    rows=(
        row(
            6,
            kpi("funnel-sessions", "Visits", col(FUNNEL, "SESSIONS", "sum", "Visits", "count")),
            kpi("funnel-viewed", "Viewed a product", col(FUNNEL, "PRODUCT_VIEW_SESSIONS", "sum", "Viewed", "count")),
            kpi("funnel-added", "Added to cart", col(FUNNEL, "ADD_TO_CART_SESSIONS", "sum", "Added", "count")),
            kpi("funnel-purchased", "Purchased", col(FUNNEL, "PURCHASE_SESSIONS", "sum", "Purchased", "count")),
        ),
        row(
            12,
            bar(
                "funnel-by-device",
                "Funnel steps by device",
                (
                    col(FUNNEL, "SESSIONS", "sum", "Visits", "count"),
                    col(FUNNEL, "PRODUCT_VIEW_SESSIONS", "sum", "Viewed", "count"),
                    col(FUNNEL, "ADD_TO_CART_SESSIONS", "sum", "Added", "count"),
                    col(FUNNEL, "PURCHASE_SESSIONS", "sum", "Purchased", "count"),
                ),
                col(FUNNEL, "DEVICE", "category", "Device"),
            ),
            line(
                "funnel-conversion",
                "Conversion per day",
                col(FUNNEL, "CONVERSION_RATE", "average", "Conversion", "share"),
                col(FUNNEL, "DATE", "date", "Day", granularity="DAY"),
            ),
        ),
    ),
    parameter_controls=(
        date_picker("funnel-period-start", "Visits started from", "PeriodStart"),
        date_picker("funnel-period-end", "Visits started until", "PeriodEnd"),
    ),
    filter_controls=(
        {
            "Dropdown": {
                "FilterControlId": "funnel-device-control",
                "Title": "Device",
                "SourceFilterId": "funnel-device-filter",
                "Type": "SINGLE_SELECT",
            }
        },
    ),
)

CARTS_SHEET = Sheet(
    "cart-abandonment",
    "Cart abandonment",
    rows=(
        row(
            6,
            kpi("carts-abandoned", "Abandoned carts", col(CART_DAILY, "CARTS_ABANDONED", "sum", "Abandoned", "count")),
            kpi("carts-value", "Value left in them", col(CART_DAILY, "VALUE_ABANDONED", "sum", "Value", "rating")),
            kpi("carts-recovered", "Recovered carts", col(CART_DAILY, "CARTS_RECOVERED", "sum", "Recovered", "count")),
        ),
        row(
            12,
            line(
                "carts-abandonment-rate",
                "Abandonment rate per day",
                col(CART_DAILY, "ABANDONMENT_RATE", "average", "Abandoned / ended", "share"),
                col(CART_DAILY, "DATE", "date", "Day of last activity", granularity="DAY"),
            ),
            line(
                "carts-recovery-rate",
                "Recovery rate per day",
                col(CART_DAILY, "RECOVERY_RATE", "average", "Recovered / abandoned", "share"),
                col(CART_DAILY, "DATE", "date", "Day of last activity", granularity="DAY"),
            ),
            bar(
                "carts-by-status",
                "Carts by outcome",
                col(CARTS, "CART_VALUE", "sum", "Value", "rating"),
                col(CARTS, "STATUS", "category", "Outcome"),
            ),
        ),
        row(
            12,
            listing(
                "carts-products",
                "Products left in carts most",
                ABANDONED,
                (
                    ("PRODUCT_ID", "Product"),
                    ("PRODUCT_NAME", "Name"),
                    ("CARTS_ABANDONED", "Carts", "count"),
                    ("UNITS_ABANDONED", "Units left", "count"),
                    ("VALUE_ABANDONED", "Value left", "rating"),
                    ("ABANDONMENT_RATE", "Abandonment rate", "share"),
                ),
                sort=("VALUE_ABANDONED", "DESC"),
                page_size=TOP_PRODUCTS,
            ),  # fmt: skip
            listing(
                "carts-promotions",
                "Promotions of the customer",
                PROMOTIONS,
                (
                    ("RANK", "Rank"),
                    ("PRODUCT_ID", "Product"),
                    ("PRODUCT_NAME", "Name"),
                    ("VALUE_ABANDONED", "Value left", "rating"),
                    ("LAST_ACTIVITY", "Last touched"),
                ),
                sort=("RANK", "ASC"),
                page_size=10,
            ),  # fmt: skip
        ),
    ),
    parameter_controls=(
        dropdown("carts-customer", "Customer", "PromoteTo", col(PROMOTIONS, "CUSTOMER_ID", "category")),
    ),
)

_PAIRS = (("OTHER_PRODUCT_ID", "Product"), ("CONFIDENCE", "Confidence", "share"), ("LIFT", "Lift", "rating"))
RECOMMENDATIONS_SHEET = Sheet(
    "recommendations",
    "Recommendations",
    rows=(
        row(
            6,
            kpi("recommend-views", "Views", col(ENGAGEMENT, "VIEWS", "sum", "Views", "count")),
            kpi("recommend-units", "Units sold", col(ENGAGEMENT, "UNITS_SOLD", "sum", "Units", "count")),
            kpi(
                "recommend-view-to-purchase",
                "View → purchase",
                col(ENGAGEMENT, "VIEW_TO_PURCHASE_RATE", "max", "Rate", "share"),
            ),
        ),
        row(
            12,
            listing(
                "recommend-bought-together",
                "Bought together",
                BOUGHT,
                (_PAIRS[0], ("ORDERS_TOGETHER", "Orders together", "count"), *_PAIRS[1:]),
                sort=("ORDERS_TOGETHER", "DESC"),
                page_size=10,
            ),
            listing(
                "recommend-viewed-together",
                "Viewed together",
                VIEWED,
                (_PAIRS[0], ("SESSIONS_TOGETHER", "Visits together", "count"), *_PAIRS[1:]),
                sort=("SESSIONS_TOGETHER", "DESC"),
                page_size=10,
            ),
        ),
    ),
    parameter_controls=(
        dropdown("recommend-product", "Product", "RecommendFor", col(ENGAGEMENT, "PRODUCT_ID", "category")),
    ),
)

RETURNS_SHEET = Sheet(
    "returns",
    "Returns",
    rows=(
        row(
            6,
            kpi("returns-returned", "Units returned", col(RETURNS, "GOODS_RETURNED_UNITS", "sum", "Units", "count")),
            kpi("returns-refunded", "Units refunded", col(RETURNS, "REFUNDED_UNITS", "sum", "Units", "count")),
            kpi("returns-amount", "Returned amount", col(RETURNS, "RETURNED_AMOUNT", "sum", "Amount", "rating")),
        ),
        row(
            12,
            bar(
                "returns-by-category",
                "Units returned and refunded by category",
                (
                    col(RETURNS, "GOODS_RETURNED_UNITS", "sum", "Returned", "count"),
                    col(RETURNS, "REFUNDED_UNITS", "sum", "Refunded", "count"),
                ),
                col(RETURNS, "CATEGORY", "category", "Category"),
                stacked=True,
                horizontal=True,
            ),
            listing(
                "returns-products",
                "Products returned most (enough sales to rank)",
                RETURNS,
                (
                    ("CATEGORY", "Category"),
                    ("RETURN_RATE_RANK", "Rank in category"),
                    ("PRODUCT_ID", "Product"),
                    ("PRODUCT_NAME", "Name"),
                    ("MONTH", "Month"),
                    ("UNITS_SOLD", "Units sold", "count"),
                    ("RETURN_RATE", "Return rate", "share"),
                ),
                sort=("RETURN_RATE", "DESC"),
                page_size=15,
            ),  # fmt: skip
        ),
    ),
)

DQ_SHEET = Sheet(
    "data-quality",
    "Data quality",
    rows=(
        row(
            6,
            kpi("dq-checks", "Check results", col(DQ, "CHECK_NAME", "count", "Checks")),
            kpi("dq-last-checked", "Last checked", col(DQ, "CHECKED_AT", "latest")),
        ),
        row(
            12,
            bar(
                "dq-status-by-dataset",
                "Results by dataset and status",
                col(DQ, "CHECK_NAME", "count", "Checks"),
                col(DQ, "DATASET", "category", "Dataset"),
                colors=col(DQ, "STATUS", "category", "Status"),
                stacked=True,
            ),
            listing(
                "dq-not-passed",
                "Checks that did not pass",
                DQ,
                (
                    ("STATUS", "Status"),
                    ("DATASET", "Dataset"),
                    ("CHECK_NAME", "Check"),
                    ("DATE", "Day"),
                    ("OBSERVED", "Observed", "rating"),
                    ("EXPECTED", "Expected", "rating"),
                    ("MESSAGE", "What it found"),
                    ("CHECKED_AT", "Checked at"),
                ),
                sort=("CHECKED_AT", "DESC"),
                page_size=50,
            ),  # fmt: skip
        ),
    ),
    filter_controls=(
        {
            "Dropdown": {
                "FilterControlId": "dq-dataset-control",
                "Title": "Dataset",
                "SourceFilterId": "dq-dataset-filter",
                "Type": "MULTI_SELECT",
            }
        },
    ),
)

SHEETS = (SALES_SHEET, CUSTOMERS_SHEET, FUNNEL_SHEET, CARTS_SHEET, RECOMMENDATIONS_SHEET, RETURNS_SHEET, DQ_SHEET)


def _category_filter(group: str, sheet: Sheet, ds: str, column: str) -> Filter:
    """A select-a-value filter (its control on the sheet) over the sheet's visuals of the data set."""
    return Filter(
        group,
        sheet.sheet_id,
        sheet.visual_ids_reading(ds),
        {
            "CategoryFilter": {
                "Column": {"DataSetIdentifier": ds, "ColumnName": column},
                "Configuration": {
                    "FilterListConfiguration": {"MatchOperator": "EQUALS", "SelectAllOptions": "FILTER_ALL_VALUES"}
                },
            }
        },
    )


def _period(group: str, sheet: Sheet, ds: str, column: str) -> Filter:
    return Filter(
        group,
        sheet.sheet_id,
        sheet.visual_ids_reading(ds),
        {
            "TimeRangeFilter": {
                "Column": {"DataSetIdentifier": ds, "ColumnName": column},
                "RangeMinimumValue": {"Parameter": "PeriodStart"},
                "RangeMaximumValue": {"Parameter": "PeriodEnd"},
                "IncludeMinimum": True,
                "IncludeMaximum": True,
                "TimeGranularity": "DAY",
                "NullOption": "NON_NULLS_ONLY",
            }
        },
    )


FILTERS = (
    _period("sales-period", SALES_SHEET, DAILY, "DATE"),
    _category_filter("sales-category", SALES_SHEET, SALES, "CATEGORY"),
    Filter(
        "sales-top-ranked",
        "sales",
        ("sales-top-products",),
        ranked(SALES, "PRODUCT_ID", "NET_REVENUE", TOP_PRODUCTS, "DESC"),
    ),  # fmt: skip
    _period("funnel-period", FUNNEL_SHEET, FUNNEL, "DATE"),
    _category_filter("funnel-device", FUNNEL_SHEET, FUNNEL, "DEVICE"),
    Filter(
        "recommend-engagement",
        "recommendations",
        ("recommend-views", "recommend-units", "recommend-view-to-purchase"),
        equals_parameter(ENGAGEMENT, "PRODUCT_ID", "RecommendFor"),
    ),  # fmt: skip
    Filter(
        "recommend-bought",
        "recommendations",
        ("recommend-bought-together",),
        equals_parameter(BOUGHT, "PRODUCT_ID", "RecommendFor"),
    ),  # fmt: skip
    Filter(
        "recommend-viewed",
        "recommendations",
        ("recommend-viewed-together",),
        equals_parameter(VIEWED, "PRODUCT_ID", "RecommendFor"),
    ),  # fmt: skip
    Filter(
        "carts-promotions-of-customer",
        "cart-abandonment",
        ("carts-promotions",),
        equals_parameter(PROMOTIONS, "CUSTOMER_ID", "PromoteTo"),
    ),  # fmt: skip
    Filter(
        "returns-ranked-only",
        "returns",
        ("returns-products",),
        {"NumericEqualityFilter": {**is_true(RETURNS, "IS_LOW_VOLUME")["NumericEqualityFilter"], "Value": 0}},
    ),  # fmt: skip
    _category_filter("dq-dataset", DQ_SHEET, DQ, "DATASET"),
    Filter(
        "dq-not-passed-only",
        "data-quality",
        ("dq-not-passed",),
        {
            "CategoryFilter": {
                "Column": {"DataSetIdentifier": DQ, "ColumnName": "STATUS"},
                "Configuration": {
                    "FilterListConfiguration": {"MatchOperator": "DOES_NOT_EQUAL", "CategoryValues": ["pass"]}
                },
            }
        },
    ),  # fmt: skip
)
