"""The transactions contract in DuckDB: the single-node reference ``make bench`` measures Spark against.

The same contract as the clean + flatten jobs (``shoplake.datasets.transactions``) on an order-line
CSV export, in one DuckDB process: read every physical line (LF, CRLF or CR), join the lines a quoted
line break spans into one record, split records into fields as Spark's CSV parser does, let the
header pick the layout (the shop's own or the Online Retail export; names in any letter case and
order), validate with the same reason codes in the same order, mark in-file duplicates of
``transaction_id`` (first in file order kept), and write the ``transactions`` table partitioned by
``transaction_month`` and the quarantine rows as Parquet. It returns the clean manifest's counts,
reasons and formats, and the published row counts, so the bench can check that both engines agree
before it compares their speed.

Only SQL runs per record (no Python); the header row is read once in Python, as the clean job does.
Spark's regular expressions are Java's: their ``$`` also matches before a final line terminator and
their ``\\s`` includes a vertical tab, so the patterns below say so explicitly for RE2; Spark's trim
drops spaces only.

Not covered, because the bench does not need them: JSON Lines and Parquet files, lone-CR line ends
in a gzipped file, the scan's rejection of undecodable files (DuckDB fails on them instead), and
the reconciliation with an independent line scan (the clean job's first pass).

    python bench/duckdb_transactions.py FILE OUT_DIR [--threads 2] [--default-currency USD]
"""

from __future__ import annotations

import argparse
import codecs
import csv
import gzip
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
from duckdb_reviews import outcome_counts  # this folder's sibling (bench/ is on sys.path when run)

from shoplake.core.contracts import Layout, RecordFormat
from shoplake.core.errors import MalformedDocument, MissingColumns
from shoplake.datasets.transactions.contract import ONLINE_RETAIL, STATUSES, TRANSACTIONS

# The contract's names (what the engines must agree on), not its logic: the input fields every
# reader hands the transform, the reason codes in the order the clean manifest lists them, and the
# published table.
FIELDS = TRANSACTIONS.fields
REASONS = tuple(TRANSACTIONS.reason_codes)
TABLE = TRANSACTIONS.records_table
PARTITION = TABLE.partition_by or "transaction_month"
# shoplake.core.transform.DEFAULT_CURRENCY (importing it would load PySpark).
DEFAULT_CURRENCY = "USD"

# Java's `$` (without MULTILINE) also matches before a final line terminator; RE2's only at the end.
EOL = r"(?:\r\n|[\n\r\x{85}\x{2028}\x{2029}])?"
# Java's \s and \S (RE2's \s lacks the vertical tab).
NOT_SPACE = r"[^ \t\n\x0B\f\r]"
SPACE = r"[ \t\n\x0B\f\r]"
NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?" + EOL + "$"
# A plain decimal's parts: integer digits, fraction digits, the final line terminator.
DECIMAL_PARTS = r"^[+-]?(\d*)(?:\.(\d*))?(" + EOL + ")$"
PLAIN_MONEY = r"\d{1,10}(\.\d{0,2})?"
# An ISO 8601 date or date-time (shoplake.core.columns.ISO_DATETIME), taken apart.
ISO_PARTS = (
    r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?(" + EOL + ")$"
)
USUAL_ISO = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}Z"
ISO_OFFSET = r"^([+-])(\d{2}):?(\d{2})$"
US_PARTS = r"^(\d{1,2})/(\d{1,2})/(\d{4})" + SPACE + r"+(\d{1,2}):(\d{2})(?::(\d{2}))?" + EOL + "$"
CURRENCY = r"^[A-Z]{3}" + EOL + "$"
RETAIL_CUSTOMER = r"\.0+(" + EOL + ")$"
# A CSV record as Spark's CSV parser (univocity) splits it: a field is quoted (quotes doubled
# inside; after the closing quote, white space is dropped and other text kept, quotes and all, up
# to the next comma), unquoted (not starting with a quote) or empty. The record must be a sequence
# of such fields; CSV_FIELD is one of them after a comma, QUOTED_PARTS a quoted one's parts.
QUOTED = r'"(?:[^"]|"")*"[^,]*'
UNQUOTED = r'[^,"][^,]*'
CSV_ROW = rf"^(?:{QUOTED}|{UNQUOTED})?(?:,(?:{QUOTED}|{UNQUOTED})?)*$"
CSV_FIELD = rf",({QUOTED}|{UNQUOTED}|)"
QUOTED_PARTS = r'^"((?:[^"]|"")*)"([^,]*)$'
AFTER_QUOTE_SPACE = r"^[\x00-\x20]*$"
HEAD_BYTES = 1 << 16


def _q(text: str) -> str:
    """A SQL string literal (the constants above and file paths, never a record's text)."""
    return "'" + text.replace("'", "''") + "'"


def _present(expr: str) -> str:
    return f"coalesce(regexp_matches({expr}, {_q(NOT_SPACE)}), false)"


def _trim(expr: str) -> str:
    """Spark's trim: spaces only (DuckDB's one-argument trim also drops Unicode spaces); the byte
    checks first, as most texts have none to trim."""
    return f"CASE WHEN prefix({expr}, ' ') OR suffix({expr}, ' ') THEN trim({expr}, ' ') ELSE {expr} END"


def _blank_to_null(expr: str) -> str:
    """The trimmed text (spaces only, as Spark's trim), or null when it is empty."""
    return f"nullif({_trim(expr)}, '')"


def _number(t: str) -> str:
    return f"CASE WHEN regexp_matches({t}, {_q(NUMBER)}) THEN TRY_CAST({t} AS DOUBLE) END"


def _integer(n: str) -> str:
    return f"CASE WHEN {n} = floor({n}) AND abs({n}) < 9007199254740992 THEN TRY_CAST({n} AS BIGINT) END"


def _decimal(t: str) -> str:
    """decimal(12,2) of a trimmed text: no exponent, at most two decimals and ten integer digits
    (a line terminator Java's `$` lets by counts as one). Most texts are plain money (the first
    pattern, no groups to extract)."""
    part = {name: f"regexp_extract({t}, {_q(DECIMAL_PARTS)}, {i})" for i, name in enumerate(("i", "f", "e"), 1)}
    return (
        f"CASE WHEN regexp_full_match({t}, {_q(PLAIN_MONEY)}) THEN TRY_CAST({t} AS DECIMAL(12,2)) "
        f"WHEN length({part['i']}) + length({part['f']}) > 0 AND length({part['f']}) <= 2 "
        f"AND length(ltrim({part['i']}, '0')) + length({part['e']}) <= 10 THEN TRY_CAST({t} AS DECIMAL(12,2)) END"
    )


def _iso_parts(t: str) -> str:
    """ISO_PARTS of a trimmed text; the usual ``YYYY-MM-DDTHH:MM:SSZ`` by position."""
    usual = (
        f"{{'d': substr({t}, 1, 10), 'h': substr({t}, 12, 2), 'mi': substr({t}, 15, 2), 's': substr({t}, 18, 2), "
        "'fr': '', 'z': 'Z', 'e': ''}"
    )
    return (
        f"CASE WHEN regexp_full_match({t}, {_q(USUAL_ISO)}) THEN {usual} "
        f"ELSE regexp_extract({t}, {_q(ISO_PARTS)}, ['d', 'h', 'mi', 's', 'fr', 'z', 'e']) END"
    )


def _iso_timestamp(x: str, day: str, o: str) -> str:
    """Spark's cast of an ISO_DATETIME text to a timestamp (UTC session), from its ISO_PARTS ``x``,
    its day ``day`` and its ISO_OFFSET ``o``: minutes without seconds take no offset, fractions are
    truncated to microseconds, offsets reach ±18:00, and of the line terminators Java's `$` lets by
    only CR and LF are trimmed (the others fail the cast)."""
    minutes = f"TRY_CAST({o}.hh AS BIGINT) * 60 + TRY_CAST({o}.mm AS BIGINT)"
    return f"""CASE WHEN {day} IS NOT NULL AND {x}.e IN ('', chr(10), chr(13), chr(13) || chr(10))
        AND ({x}.h = '' OR (TRY_CAST({x}.h AS INTEGER) <= 23 AND TRY_CAST({x}.mi AS INTEGER) <= 59))
        AND ({x}.s = '' OR TRY_CAST({x}.s AS INTEGER) <= 59)
        AND ({x}.z = '' OR ({x}.s <> '' AND ({x}.z = 'Z' OR (TRY_CAST({o}.mm AS INTEGER) <= 59 AND {minutes} <= 1080))))
        THEN make_timestamp(epoch_us(CAST({day} AS TIMESTAMP))
            + coalesce(TRY_CAST({x}.h AS BIGINT), 0) * 3600000000 + coalesce(TRY_CAST({x}.mi AS BIGINT), 0) * 60000000
            + coalesce(TRY_CAST({x}.s AS BIGINT), 0) * 1000000 + CAST(substr(rpad({x}.fr, 6, '0'), 1, 6) AS BIGINT)
            - CASE WHEN {x}.z IN ('', 'Z') THEN 0 ELSE CASE {o}.sign WHEN '-' THEN -1 ELSE 1 END * ({minutes}) END
              * 60000000) END"""


def _iso_day(x: str) -> str:
    return f"TRY_CAST(nullif({x}.d, '') AS DATE)"


def _us_day(x: str) -> str:
    return (
        f"CASE WHEN {x}.y <> '' THEN TRY_CAST(printf('%s-%02d-%02d', {x}.y, TRY_CAST({x}.m AS INTEGER), "
        f"TRY_CAST({x}.d AS INTEGER)) AS DATE) END"
    )


def _us_datetime(x: str, day: str) -> str:
    """An ``M/D/YYYY H:MM[:SS]`` text as a UTC timestamp (shoplake.core.columns.us_datetime), from
    its US_PARTS ``x`` and its day ``day`` (null unless a real one)."""
    h, mi = f"TRY_CAST({x}.h AS BIGINT)", f"TRY_CAST({x}.mi AS BIGINT)"
    s = f"coalesce(TRY_CAST({x}.s AS BIGINT), 0)"
    return (
        f"CASE WHEN {day} IS NOT NULL AND {h} <= 23 AND {mi} <= 59 AND {s} <= 59 THEN "
        f"make_timestamp(epoch_us(CAST({day} AS TIMESTAMP)) + {h} * 3600000000 + {mi} * 60000000 + {s} * 1000000) END"
    )


class FileColumns:
    """A CSV header's column names and the layout they chose (shoplake.core.jobs.readers.csv_header)."""

    def __init__(self, columns: tuple[str, ...], layout: Layout):
        self.columns, self.layout = columns, layout
        position = {c.lower(): i + 1 for i, c in enumerate(columns)}
        # Input field → its 1-based column, for the chosen layout's fields only.
        self.position = {
            name: position[name.lower()]
            for name in FIELDS
            if name.lower() in {f.lower() for f in layout.fields} and name.lower() in position
        }


def read_header(path: Path, source_uri: str) -> FileColumns:
    """The file's header row and the layout it picks; MalformedDocument or MissingColumns (the
    clean job's rejections) when it has none or none fits."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as f:
        head = codecs.getincrementaldecoder("utf-8")("replace").decode(f.read(HEAD_BYTES))
    first_line = re.split(r"\r\n|\r|\n", head.removeprefix("\ufeff"), maxsplit=1)[0]
    if not first_line.strip():
        raise MalformedDocument(f"{source_uri}: the first line is empty; a CSV file starts with its header row")
    if first_line.count('"') % 2:
        raise MalformedDocument(f"{source_uri}: the header row has an unterminated quoted name")
    columns = tuple(name.strip() for name in next(csv.reader([first_line])))
    lowered = [c.lower() for c in columns]
    repeated = sorted({c for c in lowered if lowered.count(c) > 1})
    if repeated:
        raise MalformedDocument(f"{source_uri}: the header names {', '.join(repeated)} more than once")
    for layout in TRANSACTIONS.layouts:
        if RecordFormat.CSV in layout.formats and all(f.lower() in lowered for f in layout.required):
            return FileColumns(columns, layout)
    raise MissingColumns(f"{source_uri}: the header fits no layout of transactions ({', '.join(columns)})")


def lines_sql(path: str) -> str:
    """Every physical line of the file, numbered from 1 (a last line without a terminator counts;
    no empty line after a final terminator). Hadoop splits at LF, CRLF and lone CR: a text with a
    CR anywhere is split by a regular expression, one without at LF (much faster). DuckDB's
    read_text does not decompress: a gzipped file is read by its CSV reader (no lone CRs)."""
    if path.endswith(".gz"):
        return f"""
            SELECT row_number() OVER () AS line_number, coalesce(value, '') AS value
            FROM read_csv({_q(path)}, columns = {{'value': 'VARCHAR'}}, header = false, delim = '\\0', quote = '',
                          escape = '', new_line = '\\r\\n', auto_detect = false, strict_mode = false)"""
    return f"""
        SELECT unnest(generate_series(1, len(l))) AS line_number, unnest(l) AS value
        FROM (SELECT CASE WHEN len(l) > 0 AND l[-1] = '' THEN l[:-2] ELSE l END AS l
              FROM (SELECT CASE WHEN contains(content, chr(13)) THEN regexp_split_to_array(content, '\\r\\n|\\r|\\n')
                                ELSE string_split(content, chr(10)) END AS l
                    FROM read_text({_q(path)})))"""


def records_sql(quoted_breaks: bool) -> str:
    """The records of the ``lines`` table: a line, or the lines a quoted line break joins (a line
    with an odd number of quotes opens or closes such a field), joined by LF; ``open_quote`` when
    the file ends inside a quoted field."""
    if not quoted_breaks:
        return "SELECT line_number, value AS raw_record, false AS open_quote FROM lines"
    return """
        SELECT min(line_number) AS line_number, string_agg(value, chr(10) ORDER BY line_number) AS raw_record,
               sum(CAST(odd AS INTEGER)) % 2 = 1 AS open_quote
        FROM (SELECT *, sum(CAST(starts AS INTEGER)) OVER (ORDER BY line_number ROWS UNBOUNDED PRECEDING) AS record
              FROM (SELECT *, coalesce(sum(CAST(odd AS INTEGER)) OVER (ORDER BY line_number
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) % 2 = 0 AS starts
                    FROM (SELECT line_number, value, (strlen(value) - strlen(replace(value, '"', ''))) % 2 = 1 AS odd
                          FROM lines)))
        GROUP BY record"""


def parse_sql(header: FileColumns, *, quoted_breaks: bool, default_currency: str) -> str:
    """Every record of the ``lines`` table with its reason and the table's columns (one SELECT)."""
    retail = header.layout.name == ONLINE_RETAIL.name
    quoted = f"CASE WHEN t[1] = '\"' THEN regexp_extract(t, {_q(QUOTED_PARTS)}, ['c', 'r']) END"
    unquoted = "replace(x.p.c, '\"\"', '\"')"
    tokens = (
        "CASE WHEN is_blank THEN NULL "
        "WHEN strpos(raw_record, '\"') = 0 THEN string_split(raw_record, ',') "
        f"WHEN regexp_full_match(raw_record, {_q(CSV_ROW)}) THEN list_transform(list_transform("
        f"regexp_extract_all(',' || raw_record, {_q(CSV_FIELD)}, 1), lambda t: {{'t': t, 'p': {quoted}}}), "
        f"lambda x: CASE WHEN x.p IS NULL THEN x.t WHEN regexp_matches(x.p.r, {_q(AFTER_QUOTE_SPACE)}) "
        f"THEN {unquoted} ELSE '\"' || {unquoted} || '\"' || x.p.r END) END"
    )
    f = {name: f'"f_{name}"' for name in FIELDS}
    raw = [f"nullif(tokens[{header.position[name]}], '') AS {f[name]}" if name in header.position
           else f"NULL::VARCHAR AS {f[name]}" for name in FIELDS]  # fmt: skip
    if retail:
        # Over the layout's fields in its order (its Quantity is the dataset's quantity).
        spelled = {name.lower(): name for name in FIELDS}
        hashed = ", ".join(f"coalesce({f[spelled[name.lower()]]}, '')" for name in ONLINE_RETAIL.fields)
        invoice = _blank_to_null(f["InvoiceNo"])
        layout_columns = f"""
            {invoice} AS order_id, coalesce(starts_with({invoice}, 'C'), false) AS cancelled,
            substr(sha256(concat_ws(chr(31), {hashed})), 1, 32) AS transaction_id,
            {_blank_to_null(f["StockCode"])} AS product_id,
            {_trim(f["UnitPrice"])} AS price_t, NULL::VARCHAR AS total_t, {f["InvoiceDate"]} AS date_text,
            'completed' AS status,
            regexp_replace({_blank_to_null(f["CustomerID"])}, {_q(RETAIL_CUSTOMER)}, '\\1') AS customer_id,
            {_blank_to_null(f["Description"])} AS product_name, {_blank_to_null(f["Country"])} AS customer_country"""
        us_parts = f", regexp_extract(date_t, {_q(US_PARTS)}, ['m', 'd', 'y', 'h', 'mi', 's']) AS us"
        us_day = f", {_us_day('us')} AS us_day"
        ts = f"coalesce({_us_datetime('us', 'us_day')}, {_iso_timestamp('iso', 'iso_day', 'iso_o')})"
        quantity = "CASE WHEN cancelled THEN -quantity_i ELSE quantity_i END"
        status = "CASE WHEN cancelled THEN 'returned' ELSE status END"
        total_checks = ""
        total = "TRY_CAST(CAST(quantity AS DECIMAL(20,0)) * price AS DECIMAL(12,2))"
    else:
        layout_columns = f"""
            coalesce({_blank_to_null(f["order_id"])}, {_blank_to_null(f["transaction_id"])}) AS order_id,
            {_blank_to_null(f["transaction_id"])} AS transaction_id,
            {_blank_to_null(f["product_id"])} AS product_id,
            {_trim(f["price"])} AS price_t, {_trim(f["total_amount"])} AS total_t,
            {f["transaction_date"]} AS date_text,
            lower({_trim(f["status"])}) AS status,
            {_blank_to_null(f["customer_id"])} AS customer_id,
            NULL::VARCHAR AS product_name, NULL::VARCHAR AS customer_country"""
        us_parts = us_day = ""
        ts = _iso_timestamp("iso", "iso_day", "iso_o")
        quantity = "quantity_i"
        status = "status"
        total_checks = """
                WHEN given_total IS NULL THEN 'invalid_total_amount'
                WHEN abs(given_total - CAST(quantity AS DECIMAL(20,0)) * price) > 0.01 THEN 'total_mismatch'"""
        total = "given_total"
    statuses = ", ".join(_q(s) for s in STATUSES)
    return f"""
WITH records AS ({records_sql(quoted_breaks)}
), blanks AS (
    SELECT *, line_number = 1 OR {_trim("raw_record")} = '' AS is_blank FROM records
), split AS (
    SELECT line_number, raw_record, is_blank, open_quote, {tokens} AS tokens FROM blanks
), fielded AS (
    SELECT line_number, raw_record, is_blank,
           NOT is_blank AND (open_quote OR tokens IS NULL OR len(tokens) <> {len(header.columns)}) AS malformed,
           {", ".join(raw)}
    FROM split
), typed AS (
    SELECT line_number, raw_record, is_blank, malformed, {layout_columns},
           {_trim(f["quantity"])} AS quantity_t, upper({_blank_to_null(f["currency"])}) AS currency_text
    FROM fielded
), parsed AS (
    SELECT *, {_number("quantity_t")} AS quantity_n,
           {_decimal("price_t")} AS price, {_decimal("total_t")} AS given_total,
           {_iso_parts("date_t")} AS iso{us_parts}
    FROM (SELECT *, {_trim("date_text")} AS date_t FROM typed)
), valued AS (
    SELECT *, {_integer("quantity_n")} AS quantity_i,
           {_iso_day("iso")} AS iso_day, regexp_extract(iso.z, {_q(ISO_OFFSET)}, ['sign', 'hh', 'mm']) AS iso_o{us_day}
    FROM parsed
), timed AS (
    SELECT *, {quantity} AS quantity, {status} AS status_final, {ts} AS ts FROM valued
), reasoned AS (
    SELECT *,
           CASE WHEN is_blank THEN NULL
                WHEN malformed THEN 'malformed_row'
                WHEN transaction_id IS NULL THEN 'missing_transaction_id'
                WHEN product_id IS NULL THEN 'missing_product_id'
                WHEN NOT coalesce(quantity >= 1, false) THEN 'invalid_quantity'
                WHEN price IS NULL OR price < 0 THEN 'invalid_price'{total_checks}
                WHEN NOT {_present("date_text")} THEN 'missing_transaction_date'
                WHEN ts IS NULL THEN 'invalid_transaction_date'
                WHEN NOT coalesce(status_final IN ({statuses}), false) THEN 'invalid_status'
                WHEN currency_text IS NOT NULL AND NOT regexp_matches(currency_text, {_q(CURRENCY)})
                THEN 'invalid_currency' END AS reason
    FROM timed
)
SELECT line_number, CASE WHEN reason IS NOT NULL THEN raw_record END AS raw_record, reason,
       {_q(header.layout.name)} AS source_format,
       transaction_id, order_id, customer_id, customer_id IS NULL AS is_guest, product_id, product_name,
       quantity, price, {total} AS total_amount, coalesce(currency_text, {_q(default_currency)}) AS currency,
       status_final AS status, ts AS transaction_ts, CAST(ts AS DATE) AS transaction_date, customer_country,
       strftime(CAST(ts AS DATE), '%Y-%m') AS {PARTITION},
       is_blank
FROM reasoned
"""


def run(
    path: Path,
    out_dir: Path,
    *,
    source_uri: str,
    run_id: str,
    ingested_at: str,
    threads: int = 2,
    default_currency: str = DEFAULT_CURRENCY,
) -> dict[str, Any]:
    """Clean and flatten one order-line CSV with DuckDB; return the counts and the published row counts."""
    started = time.perf_counter()
    header = read_header(Path(path), source_uri)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"threads": threads, "preserve_insertion_order": True})
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"CREATE TEMP TABLE lines AS {lines_sql(str(path))}")
    quoted_breaks = con.execute(
        "SELECT count(*) > 0 FROM lines WHERE (strlen(value) - strlen(replace(value, '\"', ''))) % 2 = 1"
    ).fetchone()[0]
    con.execute(
        f"CREATE TEMP TABLE parsed AS "
        f"{parse_sql(header, quoted_breaks=quoted_breaks, default_currency=default_currency)}"
    )
    con.execute("DROP TABLE lines")
    # The first valid record of each identity (in file order); a later valid one is a duplicate.
    con.execute(
        "CREATE TEMP TABLE firsts AS SELECT min(line_number) AS line_number FROM parsed "
        f"WHERE reason IS NULL AND NOT is_blank GROUP BY {', '.join(TRANSACTIONS.identity)}"
    )
    first = "line_number IN (SELECT line_number FROM firsts)"
    lineage = {
        "source_uri": _q(source_uri),
        "line_number": "line_number",
        "ingested_at": f"TIMESTAMP {_q(ingested_at)}",
        "run_id": _q(run_id),
    }
    columns = [lineage.get(name, name) + ("" if name not in lineage else f" AS {name}") for name in TABLE.column_names]
    transactions = f"SELECT {', '.join(columns)} FROM parsed WHERE {first}"
    quarantine = f"""
        SELECT {_q(source_uri)} AS source_uri, line_number, reason, raw_record, {_q(run_id)} AS run_id
        FROM parsed WHERE reason IS NOT NULL"""
    # Hive-style partitions, one COPY (one file) each: DuckDB's PARTITION_BY writes at half the
    # speed and buffers the whole table.
    table_dir = out_dir / TABLE.name
    table_dir.mkdir(parents=True, exist_ok=True)
    rows = {TABLE.name: 0}
    months = con.execute(f"SELECT DISTINCT {PARTITION} FROM parsed WHERE {first} ORDER BY 1").fetchall()
    for (month,) in months:
        target = table_dir / f"{PARTITION}={month}"
        target.mkdir(parents=True, exist_ok=True)
        rows[TABLE.name] += con.execute(
            f"COPY ({transactions} AND {PARTITION} = {_q(month)}) TO {_q(str(target / 'data_0.parquet'))} "
            "(FORMAT parquet)"
        ).fetchone()[0]
    quarantine_dir = out_dir / TRANSACTIONS.quarantine.name
    quarantine_dir.mkdir(parents=True, exist_ok=True)
    rows[TRANSACTIONS.quarantine.name] = con.execute(
        f"COPY ({quarantine}) TO {_q(str(quarantine_dir / 'part-0.parquet'))} (FORMAT parquet)"
    ).fetchone()[0]
    outcome = (
        "CASE WHEN is_blank THEN 'blank' WHEN reason IS NOT NULL THEN 'quarantined' "
        f"WHEN {first} THEN 'processed' ELSE 'duplicate' END"
    )
    stats = con.execute(f"SELECT {outcome}, reason, source_format, count(*) FROM parsed GROUP BY ALL").fetchall()
    con.close()
    return outcome_counts(stats, REASONS) | {"row_counts": rows, "seconds": round(time.perf_counter() - started, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--default-currency", default=DEFAULT_CURRENCY)
    opts = parser.parse_args(argv)
    result = run(opts.file, opts.out_dir, source_uri=f"s3://raw/transactions/{opts.file.name}", run_id="duckdb",
                 ingested_at="2026-11-23 07:00:00", threads=opts.threads,
                 default_currency=opts.default_currency)  # fmt: skip
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
