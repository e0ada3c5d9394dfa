"""The reviews contract in DuckDB: the single-node reference ``make bench`` measures Spark against.

The same contract as the clean + flatten jobs (``shoplake.datasets.reviews``) on a JSON Lines
review dump, in one DuckDB process: read every physical line, parse the three Amazon generations
(the 2014 Python dict literals too), validate with the same reason codes in the same order,
mark in-file duplicates (first in file order kept), and write the ``reviews`` and
``review_images`` tables partitioned by ``review_year`` and the quarantine rows as Parquet.
It returns the clean manifest's counts, reasons and formats, and the published row counts, so the
bench can check that both engines agree before it compares their speed.

Only SQL runs per record (no Python): DuckDB has no lenient JSON reader, so a line that is not JSON
is tokenised by a regular expression into quoted strings and the rest, and its single-quoted
strings are rewritten as JSON strings (what Jackson's ``allowSingleQuotes`` accepts).

Not covered, because the bench does not need them: CSV files, lone-CR line ends, and the
reconciliation with an independent line scan (the clean job's first pass).

    python bench/duckdb_reviews.py FILE OUT_DIR [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

from shoplake.core.contracts import RecordFormat
from shoplake.datasets.reviews.contract import REVIEWS

# The contract's names (what the engines must agree on), not its logic: the JSON layouts' fields
# and the reason codes in the order the clean manifest lists them.
FIELDS = tuple(dict.fromkeys(f for layout in REVIEWS.layouts if RecordFormat.JSON_LINES in layout.formats
                             for f in layout.fields))  # fmt: skip
REASONS = tuple(REVIEWS.reason_codes)

# [1994-01-01, 2100-01-01) in epoch seconds: a usable review time.
EPOCH_FROM, EPOCH_UNTIL = 757_382_400, 4_102_444_800
NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
THOUSANDS = r"^\d{1,3}(,\d{3})+$"
REVIEW_TIME = r"^\s*(\d{1,2})\s+(\d{1,2}),\s*(\d{4})\s*$"
# A quoted string (either quote, backslash escapes) or a run of anything else.
LITERAL_PARTS = r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^'"]+"""


def _q(text: str) -> str:
    """A SQL string literal (the constants above, never user input)."""
    return "'" + text.replace("'", "''") + "'"


def _field(name: str) -> str:
    return f"f[{FIELDS.index(name) + 1}]"


def _present(expr: str) -> str:
    return f"coalesce(regexp_matches({expr}, '\\S'), false)"


def _number(expr: str) -> str:
    return f"CASE WHEN regexp_full_match(trim({expr}), {_q(NUMBER)}) THEN TRY_CAST(trim({expr}) AS DOUBLE) END"


def _count(expr: str) -> str:
    plain = (
        f"CASE WHEN regexp_full_match(trim({expr}), {_q(THOUSANDS)}) THEN replace(trim({expr}), ',', '') "
        f"ELSE trim({expr}) END"
    )
    n = _number(plain)
    return f"CASE WHEN {n} = floor({n}) AND {n} >= 0 AND {n} < 9007199254740992 THEN CAST({n} AS BIGINT) END"


def _boolean(expr: str) -> str:
    return f"CASE lower(trim({expr})) WHEN 'true' THEN true WHEN 'false' THEN false END"


def _strip(expr: str) -> str:
    return f"regexp_replace({expr}, '^\\s+|\\s+$', '', 'g')"


def _json(expr: str) -> str:
    """The text when it is JSON, else null (DuckDB's JSON functions raise on other text)."""
    return f"CASE WHEN json_valid({expr}) THEN {expr} END"


def _epoch_seconds(seconds_expr: str) -> str:
    """A timestamp from whole epoch seconds (a double truncated toward zero, as Spark's cast)."""
    return f"make_timestamp(CAST(trunc({seconds_expr}) AS BIGINT) * 1000000)"


def outcome_counts(stats: list[tuple[str, str | None, str | None, int]], reasons: tuple[str, ...]) -> dict[str, Any]:
    """The clean manifest's counts, reasons (in the contract's order) and formats, from rows of
    (outcome, reason, source_format, records); blank lines are not records. Shared by the
    references in this folder."""
    counts = {"records_read": 0, "processed": 0, "quarantined": 0, "duplicates": 0}
    by_reason: dict[str, int] = {}
    formats: dict[str, int] = {}
    for outcome, reason, source_format, n in stats:
        if outcome == "blank":
            continue
        counts["records_read"] += n
        if outcome == "processed":
            counts["processed"] += n
            formats[source_format] = formats.get(source_format, 0) + n
        elif outcome == "quarantined":
            counts["quarantined"] += n
            by_reason[reason] = by_reason.get(reason, 0) + n
        else:
            counts["duplicates"] += n
    return {
        "counts": counts,
        "quarantine_reasons": {r: by_reason[r] for r in reasons if r in by_reason},
        "source_formats": dict(sorted(formats.items())),
    }


def parse_sql(path: str) -> str:
    """Every physical line of the file with its outcome and the work columns (one SELECT)."""
    f = _field
    loose = (
        f"array_to_string(list_transform(regexp_extract_all(raw_record, {_q(LITERAL_PARTS)}), "
        "lambda t: CASE WHEN t[1] = '''' THEN '\"' || replace(replace(t[2:-2], '\\''', ''''), '\"', '\\\"') || '\"' "
        "ELSE t END), '')"
    )
    paths = "[" + ", ".join(_q(f"$.{name}") for name in FIELDS) + "]"
    any_2023 = " OR ".join(f"{f(n)} IS NOT NULL" for n in ("rating", "user_id", "parent_asin", "timestamp",
                                                          "helpful_vote", "verified_purchase"))  # fmt: skip
    any_2018 = " OR ".join(
        f"{f(n)} IS NOT NULL" for n in ("reviewerID", "overall", "vote", "verified", "style", "image")
    )
    seconds, millis = _number(f("unixReviewTime")), _number(f("timestamp"))
    month, day, year = (f"TRY_CAST(nullif(regexp_extract({f('reviewTime')}, {_q(REVIEW_TIME)}, {i}), '') AS INTEGER)"
                        for i in (1, 2, 3))  # fmt: skip
    review_day = (
        f"CASE WHEN coalesce(regexp_matches({f('reviewTime')}, {_q(REVIEW_TIME)}), false) AND {month} BETWEEN 1 AND 12 "
        f"AND {day} >= 1 AND {day} <= day(last_day(make_date({year}, {month}, 1))) "
        f"THEN make_date({year}, {month}, {day}) END"
    )
    rating = _number("rating_text")
    img_2023 = '[{"small_image_url":"VARCHAR","medium_image_url":"VARCHAR","large_image_url":"VARCHAR"}]'
    return f"""
WITH lines AS (
    SELECT row_number() OVER () AS line_number, value
    FROM read_csv({_q(path)}, columns = {{'value': 'VARCHAR'}}, header = false, delim = '\x1f', quote = '',
                  escape = '', new_line = '\\r\\n', auto_detect = false, strict_mode = false)
), raw AS (
    SELECT line_number, regexp_replace(coalesce(value, ''), '^\ufeff', '') AS raw_record FROM lines
), documents AS (
    SELECT line_number, raw_record, NOT regexp_matches(raw_record, '\\S') AS is_blank,
           CASE WHEN json_valid(raw_record) THEN raw_record ELSE {loose} END AS doc
    FROM raw
), fielded AS (
    SELECT line_number, raw_record, is_blank,
           NOT is_blank AND NOT (is_object AND regexp_matches(raw_record, '\\}}\\s*$')) AS malformed,
           CASE WHEN is_object THEN json_extract_string(doc, {paths}) END AS f
    FROM (SELECT *, CASE WHEN json_valid(doc) THEN json_type(doc) = 'OBJECT' ELSE false END AS is_object FROM documents)
), detected AS (
    SELECT *, CASE WHEN is_blank OR malformed THEN NULL
                   WHEN {any_2023} THEN 'amazon_2023'
                   WHEN {f("helpful")} IS NOT NULL THEN 'amazon_2014'
                   WHEN {any_2018} THEN 'amazon_2018' END AS source_format
    FROM fielded
), fields AS (
    SELECT line_number, raw_record, is_blank, malformed, source_format,
           {f("asin")} AS product_id,
           CASE WHEN source_format = 'amazon_2023' THEN {f("parent_asin")} END AS parent_product_id,
           CASE WHEN source_format = 'amazon_2023' THEN {f("user_id")} ELSE {f("reviewerID")} END AS reviewer_id,
           CASE WHEN source_format = 'amazon_2023' THEN NULL ELSE {f("reviewerName")} END AS reviewer_name,
           CASE WHEN source_format = 'amazon_2023' THEN {f("rating")} ELSE {f("overall")} END AS rating_text,
           CASE WHEN source_format = 'amazon_2023' THEN {f("title")} ELSE {f("summary")} END AS title,
           CASE WHEN source_format = 'amazon_2023' THEN {f("text")} ELSE {f("reviewText")} END AS review_text,
           CASE WHEN source_format = 'amazon_2023' THEN
                    CASE WHEN {millis} >= {EPOCH_FROM * 1000} AND {millis} < {EPOCH_UNTIL * 1000}
                         THEN make_timestamp(CAST(trunc({millis}) AS BIGINT) * 1000) END
                ELSE CASE WHEN {seconds} >= {EPOCH_FROM} AND {seconds} < {EPOCH_UNTIL} THEN {_epoch_seconds(seconds)}
                          WHEN {review_day} >= DATE '1994-01-01' AND {review_day} < DATE '2100-01-01'
                          THEN CAST({review_day} AS TIMESTAMP) END
           END AS review_ts,
           CASE WHEN source_format = 'amazon_2023' THEN {_present(f("timestamp"))}
                ELSE {_present(f("unixReviewTime"))} OR {_present(f("reviewTime"))} END AS time_given,
           CASE source_format
                WHEN 'amazon_2023' THEN
                     CASE WHEN {f("helpful_vote")} IS NULL THEN 0 ELSE {_count(f("helpful_vote"))} END
                WHEN 'amazon_2018' THEN CASE WHEN {f("vote")} IS NULL THEN 0 ELSE {_count(f("vote"))} END
                WHEN 'amazon_2014' THEN TRY_CAST({f("helpful")} AS BIGINT[])[1] END AS helpful_votes,
           CASE WHEN source_format = 'amazon_2014' THEN TRY_CAST({f("helpful")} AS BIGINT[])[2] END AS total_votes,
           CASE source_format WHEN 'amazon_2023' THEN {_boolean(f("verified_purchase"))}
                              WHEN 'amazon_2018' THEN {_boolean(f("verified"))} END AS verified_purchase,
           CASE WHEN source_format = 'amazon_2018' THEN
                list_transform(map_entries(TRY_CAST(json_transform({_json(f("style"))}, '"MAP(VARCHAR, VARCHAR)"')
                                                    AS MAP(VARCHAR, VARCHAR))),
                               lambda e: {{'key': lower(regexp_replace(e.key, '^\\s+|\\s*:?\\s*$', '', 'g')),
                                      'value': {_strip("e.value")}}}) END AS style_entries,
           CASE WHEN source_format = 'amazon_2023' THEN
                list_filter(json_transform({_json(f("images"))}, {_q(img_2023)}), lambda o: o IS NOT NULL)
           END AS objects_2023,
           CASE WHEN source_format = 'amazon_2018' THEN
                list_filter(TRY_CAST(json_transform({_json(f("image"))}, '["VARCHAR"]') AS VARCHAR[]),
                            lambda u: {_present("u")}) END AS urls_2018
    FROM detected
), reasoned AS (
    SELECT *,
           CASE WHEN is_blank THEN NULL
                WHEN malformed THEN 'malformed_json'
                WHEN source_format IS NULL THEN 'unknown_format'
                WHEN NOT {_present("product_id")} THEN 'missing_product_id'
                WHEN NOT {_present("reviewer_id")} THEN 'missing_reviewer_id'
                WHEN NOT {_present("rating_text")} THEN 'missing_rating'
                WHEN NOT coalesce({rating} = floor({rating}) AND {rating} BETWEEN 1 AND 5, false) THEN 'invalid_rating'
                WHEN NOT time_given THEN 'missing_review_time'
                WHEN review_ts IS NULL THEN 'invalid_review_time' END AS reason,
           CAST({rating} AS INTEGER) AS rating
    FROM fields
), identified AS (
    SELECT *, CASE WHEN reason IS NULL AND NOT is_blank THEN
                   substr(sha256(concat_ws(chr(31), product_id, reviewer_id,
                                           CAST(epoch_ms(review_ts) AS VARCHAR))), 1, 32)
              END AS review_id
    FROM reasoned
)
SELECT *,
       CASE WHEN is_blank THEN 'blank'
            WHEN reason IS NOT NULL THEN 'quarantined'
            WHEN row_number() OVER (PARTITION BY review_id ORDER BY line_number) > 1 THEN 'duplicate'
            ELSE 'processed' END AS outcome
FROM identified
"""


def run(
    path: Path, out_dir: Path, *, source_uri: str, run_id: str, ingested_at: str, threads: int = 2
) -> dict[str, Any]:
    """Clean and flatten one review dump with DuckDB; return the counts and the published row counts."""
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"threads": threads, "preserve_insertion_order": True})
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"CREATE TEMP TABLE marked AS {parse_sql(str(path))}")
    lineage = (
        f"{_q(source_uri)} AS source_uri, line_number, TIMESTAMP {_q(ingested_at)} AS ingested_at, "
        f"{_q(run_id)} AS run_id"
    )
    valid = "outcome = 'processed'"
    reviews = f"""
        SELECT review_id, product_id, parent_product_id, reviewer_id, reviewer_name, rating, title, review_text,
               review_ts, CAST(review_ts AS DATE) AS review_date, helpful_votes, total_votes, verified_purchase,
               CASE WHEN source_format = 'amazon_2023' THEN len(coalesce(objects_2023, []))
                    ELSE len(coalesce(urls_2018, [])) END AS image_count,
               map_from_entries(list_filter(style_entries,
                   lambda e, i: NOT list_contains(list_transform(style_entries[1:i - 1], lambda x: x.key), e.key)))
               AS style,
               source_format, {lineage}, strftime(review_ts, '%Y') AS review_year
        FROM marked WHERE {valid}"""
    images = f"""
        SELECT DISTINCT review_id, image.url AS image_url, image.variant AS variant, {_q(source_uri)} AS source_uri,
               {_q(run_id)} AS run_id, strftime(review_ts, '%Y') AS review_year
        FROM (
            SELECT review_id, review_ts, unnest(CASE
                WHEN source_format = 'amazon_2018' THEN
                     list_transform(urls_2018, lambda u: {{'url': u, 'variant': 'original'}})
                WHEN source_format = 'amazon_2023' THEN flatten(list_transform(objects_2023, lambda o: list_filter([
                    {{'url': o.small_image_url, 'variant': 'small'}},
                    {{'url': o.medium_image_url, 'variant': 'medium'}},
                    {{'url': o.large_image_url, 'variant': 'large'}}], lambda i: {_present("i.url")})))
                ELSE [] END) AS image
            FROM marked WHERE {valid})"""
    quarantine = f"""
        SELECT {_q(source_uri)} AS source_uri, line_number, reason, raw_record, {_q(run_id)} AS run_id
        FROM marked WHERE outcome = 'quarantined'"""
    rows = {}
    for name, query, partitioned in (("reviews", reviews, True), ("review_images", images, True),
                                     ("reviews_quarantine", quarantine, False)):  # fmt: skip
        target = out_dir / name
        options = "FORMAT parquet, PARTITION_BY (review_year), OVERWRITE_OR_IGNORE" if partitioned else "FORMAT parquet"
        if not partitioned:
            target.mkdir(parents=True, exist_ok=True)
            target = target / "part-0.parquet"
        rows[name] = con.execute(f"COPY ({query}) TO {_q(str(target))} ({options})").fetchone()[0]
    stats = con.execute("SELECT outcome, reason, source_format, count(*) FROM marked GROUP BY ALL").fetchall()
    con.close()
    return outcome_counts(stats, REASONS) | {"row_counts": rows, "seconds": round(time.perf_counter() - started, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--threads", type=int, default=2)
    opts = parser.parse_args(argv)
    result = run(opts.file, opts.out_dir, source_uri=f"s3://raw/reviews/{opts.file.name}", run_id="duckdb",
                 ingested_at="2026-11-23 07:00:00", threads=opts.threads)  # fmt: skip
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
