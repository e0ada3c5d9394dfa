"""Amazon QuickSight over the Snowflake marts, as CloudFormation: ``resources/quicksight.yml``.

A data source on Snowflake (credentials from a Secrets Manager secret), one direct-query data set
per mart the local dashboard reads, and a dashboard that repeats the local Streamlit app sheet by
sheet. The definition is long and repetitive JSON, generated from a compact description:

* :mod:`.model` — tables, data sets, fields, visuals, filters, sheets;
* :mod:`.dashboard` — what the dashboard shows (the marts, the four sheets, parameters, filters);
* :mod:`.template` — the CloudFormation resources and their YAML rendering.

``python -m shoplake.tooling.generate`` rewrites ``resources/quicksight.yml`` (with the other
generated files), and a test checks that the committed file is what this package renders.
"""

from shoplake.reporting.quicksight.dashboard import (
    ACTIVITY_BUCKETS,
    CALCULATED_FIELDS,
    DATA_SETS,
    DEFAULT_MIN_REVIEWS,
    FILTERS,
    HELPFUL_REVIEWS,
    PARAMETERS,
    PIPELINE_HEALTH,
    RANKED,
    REVIEWER_ACTIVITY,
    SHEETS,
)
from shoplake.reporting.quicksight.model import BIT, DATETIME, DECIMAL, INTEGER, STRING, DataSet, Table
from shoplake.reporting.quicksight.template import (
    DASHBOARD,
    DATA_SET_ACTIONS,
    OUTPUT,
    REPO,
    data_set,
    render,
    template,
)

__all__ = [
    "ACTIVITY_BUCKETS", "BIT", "CALCULATED_FIELDS", "DASHBOARD", "DATA_SETS", "DATA_SET_ACTIONS", "DATETIME",
    "DECIMAL", "DEFAULT_MIN_REVIEWS", "FILTERS", "HELPFUL_REVIEWS", "INTEGER", "OUTPUT", "PARAMETERS",
    "PIPELINE_HEALTH", "RANKED", "REPO", "REVIEWER_ACTIVITY", "SHEETS", "STRING", "DataSet", "Table", "data_set",
    "render", "template",
]  # fmt: skip
