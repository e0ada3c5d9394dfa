"""Every question the dashboard asks the marts, one function each.

The SQL runs unchanged on DuckDB and Snowflake (``marts.<model>``, ``?`` placeholders). Values
chosen by the user (dates, product, run ids and datasets, the minimum review count) are always
bound as parameters; what is put into SQL text is row limits only, as validated integers
(:func:`_limit`: a bound ``LIMIT ?`` is not accepted by every Snowflake client path).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from shoplake.reporting.dashboard.marts import Marts


def _limit(n: int) -> str:
    """A row limit for SQL text: an int between 1 and 100,000, nothing else."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 100_000:
        raise ValueError(f"row limit must be an integer between 1 and 100000, not {n!r}")
    return str(n)


def _scalar(df: pd.DataFrame):
    value = df.iat[0, 0] if len(df) else None
    return None if pd.isna(value) else value


def _int(value) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


def _float(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


# ─── overview ───────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Overview:
    reviews: int
    products: int
    reviewers: int
    average_rating: float | None
    verified_share: float | None


def review_date_range(marts: Marts) -> tuple[date, date] | None:
    df = marts.query("select min(review_date) as first_day, max(review_date) as last_day from marts.fct_reviews")
    if not len(df) or pd.isna(df.iat[0, 0]):
        return None
    return pd.Timestamp(df.iat[0, 0]).date(), pd.Timestamp(df.iat[0, 1]).date()


def overview(marts: Marts, start: date, end: date) -> Overview:
    df = marts.query(
        """
        select
            count(*) as reviews,
            count(distinct product_id) as products,
            count(distinct reviewer_id) as reviewers,
            avg(cast(rating as double)) as average_rating,
            sum(case when is_verified_purchase then 1 else 0 end) as verified,
            count(is_verified_purchase) as verification_known
        from marts.fct_reviews
        where review_date between ? and ?
        """,
        [start, end],
    )
    row = df.iloc[0]
    known = _int(row["verification_known"])
    return Overview(
        reviews=_int(row["reviews"]),
        products=_int(row["products"]),
        reviewers=_int(row["reviewers"]),
        average_rating=_float(row["average_rating"]),
        verified_share=_int(row["verified"]) / known if known else None,
    )


def monthly_reviews(marts: Marts, start: date, end: date) -> pd.DataFrame:
    """review_month, reviews, average_rating for the months of the period."""
    df = marts.query(
        """
        select review_month, count(*) as reviews, avg(cast(rating as double)) as average_rating
        from marts.fct_reviews
        where review_date between ? and ?
        group by review_month
        order by review_month
        """,
        [start, end],
    )
    df["review_month"] = pd.to_datetime(df["review_month"])
    return df


def newest_processed_file(marts: Marts) -> tuple[datetime, str] | None:
    """When the newest processed file was committed, and which file it was."""
    df = marts.query(
        """
        select committed_at, source_uri
        from marts.fct_pipeline_runs
        order by committed_at desc, run_id desc
        limit 1
        """
    )
    if not len(df):
        return None
    return pd.Timestamp(df.iat[0, 0]).to_pydatetime(), str(df.iat[0, 1])


# ─── products ───────────────────────────────────────────────────────────────────────────────


def most_reviews_of_a_product(marts: Marts) -> int:
    """The largest review count of any product (0 without products)."""
    return _int(_scalar(marts.query("select max(review_count) as most from marts.product_rating_summary")))


def ranked_products(marts: Marts, *, min_reviews: int, limit: int, best: bool) -> pd.DataFrame:
    """Products with at least ``min_reviews`` reviews, best (or worst) Bayesian average first."""
    direction = "desc" if best else "asc"
    return marts.query(
        f"""
        select product_id, review_count, average_rating, bayesian_average, verified_share
        from marts.product_rating_summary
        where review_count >= ?
        order by bayesian_average {direction}, review_count desc, product_id
        limit {_limit(limit)}
        """,
        [min_reviews],
    )


def rating_distribution(marts: Marts, product_id: str | None = None) -> pd.DataFrame:
    """rating (1-5) and reviews, of every product or of one."""
    sums = ", ".join(f"sum(rating_{s}_count) as rating_{s}" for s in range(1, 6))
    where, params = ("where product_id = ?", [product_id]) if product_id is not None else ("", [])
    df = marts.query(f"select {sums} from marts.product_rating_summary {where}", params)
    counts = [_int(df.iat[0, s - 1]) if len(df) else 0 for s in range(1, 6)]
    return pd.DataFrame({"rating": range(1, 6), "reviews": counts})


def product_choices(marts: Marts, *, min_reviews: int, limit: int = 500) -> list[str]:
    """Product ids to choose from, most reviewed first."""
    df = marts.query(
        f"""
        select product_id
        from marts.product_rating_summary
        where review_count >= ?
        order by review_count desc, product_id
        limit {_limit(limit)}
        """,
        [min_reviews],
    )
    return df["product_id"].tolist()


def product_summary(marts: Marts, product_id: str) -> pd.Series | None:
    df = marts.query(
        """
        select product_id, review_count, average_rating, bayesian_average, verified_share,
               first_review_date, last_review_date
        from marts.product_rating_summary
        where product_id = ?
        """,
        [product_id],
    )
    return df.iloc[0] if len(df) else None


def product_monthly(marts: Marts, product_id: str) -> pd.DataFrame:
    df = marts.query(
        """
        select review_month, review_count, average_rating
        from marts.product_reviews_monthly
        where product_id = ?
        order by review_month
        """,
        [product_id],
    )
    df["review_month"] = pd.to_datetime(df["review_month"])
    return df


def most_helpful_reviews(marts: Marts, product_id: str, *, limit: int = 5) -> pd.DataFrame:
    return marts.query(
        f"""
        select review_date, rating, helpful_votes, review_title, review_text, reviewer_id
        from marts.fct_reviews
        where product_id = ?
        order by helpful_votes desc, review_date desc, review_id
        limit {_limit(limit)}
        """,
        [product_id],
    )


# ─── reviewers ──────────────────────────────────────────────────────────────────────────────

ACTIVITY_BUCKETS = ("1", "2", "3–4", "5–9", "10+")


@dataclass(frozen=True)
class ReviewerSummary:
    reviewers: int
    unusual: int
    one_review_share: float | None
    reviews_per_reviewer: float | None


def reviewer_summary(marts: Marts) -> ReviewerSummary:
    df = marts.query(
        """
        select
            count(*) as reviewers,
            sum(case when is_unusual then 1 else 0 end) as unusual,
            sum(case when review_count = 1 then 1 else 0 end) as one_review,
            avg(cast(review_count as double)) as reviews_per_reviewer
        from marts.reviewer_activity
        """
    )
    row = df.iloc[0]
    reviewers = _int(row["reviewers"])
    return ReviewerSummary(
        reviewers=reviewers,
        unusual=_int(row["unusual"]),
        one_review_share=_int(row["one_review"]) / reviewers if reviewers else None,
        reviews_per_reviewer=_float(row["reviews_per_reviewer"]),
    )


def activity_distribution(marts: Marts) -> pd.DataFrame:
    """reviews_written (bucket) and reviewers, every bucket present, in order."""
    df = marts.query(
        """
        select
            case
                when review_count = 1 then '1'
                when review_count = 2 then '2'
                when review_count <= 4 then '3–4'
                when review_count <= 9 then '5–9'
                else '10+'
            end as reviews_written,
            count(*) as reviewers
        from marts.reviewer_activity
        group by 1
        """
    )
    counts = dict(zip(df["reviews_written"], df["reviewers"], strict=True))
    return pd.DataFrame(
        {"reviews_written": list(ACTIVITY_BUCKETS), "reviewers": [_int(counts.get(b)) for b in ACTIVITY_BUCKETS]}
    )


def unusual_reviewers(marts: Marts, *, limit: int = 200) -> pd.DataFrame:
    return marts.query(
        f"""
        select
            activity.reviewer_id,
            reviewers.reviewer_name,
            activity.review_count,
            activity.max_reviews_in_one_day,
            activity.active_days,
            activity.distinct_products,
            activity.average_rating_given,
            activity.five_star_share,
            activity.verified_share
        from marts.reviewer_activity as activity
        left join marts.dim_reviewers as reviewers
            on activity.reviewer_id = reviewers.reviewer_id
        where activity.is_unusual
        order by activity.max_reviews_in_one_day desc, activity.review_count desc, activity.reviewer_id
        limit {_limit(limit)}
        """
    )


# ─── pipeline health ────────────────────────────────────────────────────────────────────────
# Every question here covers every dataset, or one of them: ``dataset`` is bound as a parameter.


def _of_dataset(dataset: str | None, *, where: bool = False) -> tuple[str, list[str]]:
    """The SQL condition (and its parameters) that keeps one dataset's rows; nothing for all."""
    if dataset is None:
        return "", []
    return (" where " if where else " and ") + "dataset = ?", [dataset]


def pipeline_datasets(marts: Marts) -> list[str]:
    """The datasets that have published a file."""
    df = marts.query("select distinct dataset from marts.fct_pipeline_runs order by dataset")
    return df["dataset"].tolist()


@dataclass(frozen=True)
class PipelineTotals:
    files: int
    records_read: int
    processed: int
    quarantined: int
    duplicates: int


def pipeline_totals(marts: Marts, dataset: str | None = None) -> PipelineTotals:
    """Over the current run of every file (what raw.* and the marts show)."""
    condition, params = _of_dataset(dataset)
    df = marts.query(
        f"""
        select count(*) as files, sum(records_read) as records_read, sum(processed) as processed,
               sum(quarantined) as quarantined, sum(duplicates) as duplicates
        from marts.fct_pipeline_runs
        where is_current_run{condition}
        """,
        params,
    )
    row = df.iloc[0]
    return PipelineTotals(**{f: _int(row[f]) for f in PipelineTotals.__dataclass_fields__})


def daily_records(marts: Marts, *, days: int = 60, dataset: str | None = None) -> pd.DataFrame:
    """committed_date, processed, quarantined, duplicates, records_read for the latest ``days`` days with runs."""
    condition, params = _of_dataset(dataset, where=True)
    df = marts.query(
        f"""
        select committed_date, sum(processed) as processed, sum(quarantined) as quarantined,
               sum(duplicates) as duplicates, sum(records_read) as records_read
        from marts.pipeline_health_daily{condition}
        group by committed_date
        order by committed_date desc
        limit {_limit(days)}
        """,
        params,
    )
    df["committed_date"] = pd.to_datetime(df["committed_date"])
    return df.sort_values("committed_date").reset_index(drop=True)


def daily_quarantine_reasons(marts: Marts, *, days: int = 60, dataset: str | None = None) -> pd.DataFrame:
    """committed_date, reason, records (long form) over the latest ``days`` days with quarantined records."""
    condition, params = _of_dataset(dataset, where=True)
    df = marts.query(
        f"""
        with reasons as (
            select committed_date, quarantine_reason as reason, sum(records) as records
            from marts.fct_quarantine_reasons{condition}
            group by committed_date, quarantine_reason
        ),
        latest_days as (
            select distinct committed_date from reasons order by committed_date desc limit {_limit(days)}
        )
        select reasons.committed_date, reasons.reason, reasons.records
        from reasons
        inner join latest_days on reasons.committed_date = latest_days.committed_date
        order by reasons.committed_date, reasons.reason
        """,
        params,
    )
    df["records"] = df["records"].astype("int64")
    df["committed_date"] = pd.to_datetime(df["committed_date"])
    return df.reset_index(drop=True)


def quarantine_reasons(marts: Marts, dataset: str | None = None) -> pd.DataFrame:
    """dataset, reason, what it means, records: over the current run of every file, most first."""
    condition, params = _of_dataset(dataset)
    return marts.query(
        f"""
        select dataset, quarantine_reason as reason, reason_description as description, sum(records) as records
        from marts.fct_quarantine_reasons
        where is_current_run{condition}
        group by dataset, quarantine_reason, reason_description
        order by records desc, dataset, reason
        """,
        params,
    )


def files_with_quarantine(marts: Marts, *, limit: int = 200, dataset: str | None = None) -> pd.DataFrame:
    """The current runs that quarantined records, newest first."""
    condition, params = _of_dataset(dataset)
    return marts.query(
        f"""
        select run_id, dataset, source_uri, committed_at, records_read, quarantined
        from marts.fct_pipeline_runs
        where is_current_run and quarantined > 0{condition}
        order by committed_at desc, run_id
        limit {_limit(limit)}
        """,
        params,
    )


def quarantined_records(marts: Marts, run_id: str, *, limit: int = 1000) -> pd.DataFrame:
    return marts.query(
        f"""
        select source_line_number, quarantine_reason, raw_record
        from marts.fct_quarantined_records
        where run_id = ?
        order by source_line_number
        limit {_limit(limit)}
        """,
        [run_id],
    )
