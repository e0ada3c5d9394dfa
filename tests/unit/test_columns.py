"""The column helpers under Glue 6.0's ANSI mode: text that is not a value of its kind is null,
never an error that fails the whole job."""

from __future__ import annotations

import pytest
from pyspark.sql import functions as F

from shoplake.core import columns as C

pytestmark = pytest.mark.spark


def test_the_session_runs_in_ansi_mode_as_glue_6_does(spark):
    # Spark 4's default, and Glue 6.0's: the tests below would pass trivially without it.
    assert spark.conf.get("spark.sql.ansi.enabled") == "true"
    with pytest.raises(Exception, match="CAST_INVALID_INPUT"):
        spark.range(1).select(F.lit("five").cast("int")).collect()


@pytest.mark.parametrize(
    ("helper", "text", "expected"),
    [
        (C.number, "five", None),
        (C.number, " 4.5 ", 4.5),
        (C.integer, "", None),
        (C.integer, "3.0", 3),
        (C.count, "1,234", 1234),
        (C.count, "12,34", None),
        (C.decimal, "1.234", None),  # more decimals than the scale: null, never rounded
        (C.decimal, "99999999999.99", None),  # more digits than decimal(12,2) holds
        (C.epoch_millis_timestamp, "17000000000000", None),
        (C.us_datetime, "13/1/2010 8:26", None),
        (C.us_datetime, "not a date", None),
        (C.us_datetime, "2/30/2010 8:26", None),
        (C.us_datetime, "12/1/2010 8:26", "2010-12-01 08:26:00"),
        (C.iso_timestamp, "2026-02-30", None),
    ],
)
def test_text_that_is_no_value_of_its_kind_is_null_not_an_error(spark, helper, text, expected):
    [row] = spark.createDataFrame([(text,)], "t string").select(helper(F.col("t")).alias("v")).collect()
    value = row["v"]
    if expected is not None and not isinstance(expected, int | float):
        value = value.strftime("%Y-%m-%d %H:%M:%S")
    assert value == expected
