"""Column helpers for dataset transforms: reading raw text fields into typed values, or null.

Every reader reads input fields as strings, so a transform can say exactly what is wrong with
a value (a reason code) instead of a reader silently nulling it. These helpers turn that text
into typed values with built-in Spark functions only; each returns null when the text is not a
value of its kind, never raises: Spark 4 (Glue 6.0) runs in ANSI mode, where a cast of text that
is not a number fails the job, so text becomes a number only through ``try_cast``.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
THOUSANDS = r"^\d{1,3}(,\d{3})+$"
PLAIN_DECIMAL = r"^[+-]?(\d+(\.\d*)?|\.\d+)$"


def present(c: Column) -> Column:
    """Not null and not only whitespace."""
    return F.coalesce(c.rlike(r"\S"), F.lit(False))


def blank_to_null(c: Column) -> Column:
    """The trimmed text, or null when it is empty."""
    t = F.trim(c)
    return F.when(t != "", t)


def number(c: Column) -> Column:
    """The number in a raw text as a double, or null. Checked by pattern first so no cast can fail."""
    t = F.trim(c)
    return F.when(t.rlike(NUMBER), t.try_cast("double"))


def count(c: Column) -> Column:
    """A non-negative integral count ("1,234" → 1234), or null when it is not one."""
    t = F.trim(c)
    n = number(F.when(t.rlike(THOUSANDS), F.regexp_replace(t, ",", "")).otherwise(t))
    return F.when((n == F.floor(n)) & (n >= 0) & (n < 2**53), n.cast("long"))


def integer(c: Column) -> Column:
    """An integral number ("3", "3.0", "-2") as a long, or null when it is not integral."""
    n = number(c)
    return F.when((n == F.floor(n)) & (F.abs(n) < 2**53), n.cast("long"))


def decimal(c: Column, precision: int = 12, scale: int = 2) -> Column:
    """A plain decimal text ("12.5", "-3", ".75") as decimal(precision, scale), exactly, or null.

    No exponent and no rounding: a value with more than ``scale`` decimals or too many digits is
    null (money is never a float, and never silently rounded).
    """
    t = F.trim(c)
    fraction = F.regexp_extract(t, r"\.(\d*)$", 1)
    digits = F.regexp_replace(F.regexp_replace(t, r"^[+-]", ""), r"\.\d*$", "")
    fits = (
        t.rlike(PLAIN_DECIMAL)
        & (F.length(fraction) <= scale)
        & (F.length(F.regexp_replace(digits, "^0+", "")) <= precision - scale)
    )
    return F.when(fits, t.try_cast(f"decimal({precision},{scale})"))


def boolean(c: Column) -> Column:
    t = F.lower(F.trim(c))
    return F.when(t == "true", F.lit(True)).when(t == "false", F.lit(False))


def strip(c: Column) -> Column:
    return F.regexp_replace(c, r"^\s+|\s+$", "")


def sha_id(*parts: Column, length: int = 32) -> Column:
    """A deterministic id: the first ``length`` hex digits of sha256 over the parts, joined by the
    unit separator (a null part counts as empty text)."""
    texts = [F.coalesce(p.cast("string"), F.lit("")) for p in parts]
    return F.substring(F.sha2(F.concat_ws("\x1f", *texts), 256), 1, length)


ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
ISO_DATETIME = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$"
EPOCH_MILLIS = r"^\d{10,13}$"


def iso_timestamp(c: Column) -> Column:
    """An ISO 8601 date or date-time, with an offset or without (then UTC), as a UTC timestamp, or
    null when the text is not one or names no real day (2026-02-30). The session runs in UTC."""
    t = F.trim(c)
    return F.when(t.rlike(ISO_DATETIME), F.try_to_timestamp(t))


def epoch_millis_timestamp(c: Column) -> Column:
    """Epoch milliseconds (10 to 13 digits) as a UTC timestamp, or null."""
    t = F.trim(c)
    return F.when(t.rlike(EPOCH_MILLIS), F.timestamp_millis(t.try_cast("long")))


def utc_date(ts: Column) -> Column:
    """The UTC calendar date of a timestamp, whatever the session's time zone."""
    return F.date_from_unix_date(F.floor(F.unix_seconds(ts) / 86400).cast("int"))


_US_DATETIME = r"^(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?$"  # 12/1/2010 8:26


def us_datetime(c: Column) -> Column:
    """An ``M/D/YYYY H:MM[:SS]`` text (spreadsheet exports) as a UTC timestamp, or null. Taken apart
    by pattern: Spark's datetime patterns raise instead of returning null on some inputs."""
    t = F.trim(c)
    part = [F.regexp_extract(t, _US_DATETIME, i).try_cast("int") for i in range(1, 6)]
    month, day, year, hour, minute = part
    second = F.coalesce(F.regexp_extract(t, _US_DATETIME, 6).try_cast("int"), F.lit(0))
    valid = (
        F.coalesce(t.rlike(_US_DATETIME), F.lit(False))
        & month.between(1, 12)
        & (day >= 1)
        & (day <= F.dayofmonth(F.last_day(F.make_date(year, month, F.lit(1)))))
        & hour.between(0, 23)
        & minute.between(0, 59)
        & second.between(0, 59)
    )
    return F.when(valid, F.make_timestamp(year, month, day, hour, minute, second))


_OFFSET = r"(Z|[+-]\d{2}:?\d{2})$"


def event_timestamp(c: Column) -> Column:
    """An event time as trackers and cart services send it: ISO 8601 *with* an offset (without
    one, whose local time would it be?) or epoch milliseconds; a UTC timestamp, or null."""
    t = F.trim(c)
    return F.coalesce(F.when(t.rlike(_OFFSET), iso_timestamp(t)), epoch_millis_timestamp(t))


def instant_timestamp(c: Column) -> Column:
    """An ISO 8601 date-time *with* an offset (an instant: a database's timestamptz) as a UTC
    timestamp, microseconds kept; null without an offset or when it is not one."""
    t = F.trim(c)
    return F.when(t.rlike(_OFFSET), iso_timestamp(t))


def utc_suffixed_timestamp(c: Column) -> Column:
    """A ``YYYY-MM-DD HH:MM:SS UTC`` text (the public store-event exports) as a UTC timestamp, or null."""
    t = F.trim(c)
    return F.when(t.rlike(r" UTC$"), iso_timestamp(F.regexp_replace(t, r"\s+UTC$", "Z")))
