"""The reviews transforms, line by line: generations, loose dict literals, reasons, times, votes,
styles, images, duplicates, identities and line numbers. Every expectation is written out."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from shoplake.core.jobs import accounting as A
from shoplake.core.jobs import readers
from shoplake.core.spark import schema_for
from shoplake.core.transform import ParseContext, parse_records
from shoplake.datasets.reviews import transform as R
from shoplake.datasets.reviews.contract import REVIEWS
from tests.unit.review_lines import LINE_2014, LINE_2018, LINE_2023, review_id

pytestmark = pytest.mark.spark

SRC = "s3://raw/reviews/batch.jsonl"
INGESTED = datetime.fromisoformat("2026-11-23T07:00:00.123Z")
INGESTED_UTC = datetime(2026, 11, 23, 7, 0, 0, 123000)  # as Spark hands it back (naive, UTC)


def lines_df(spark, lines: list[str]):
    return spark.createDataFrame(list(enumerate(lines)), "line_id long, value string")


def parsed(spark, lines: list[str]):
    """Lines through the generic JSON Lines reader and the reviews transform."""
    records = readers.json_lines(lines_df(spark, lines), REVIEWS.fields)
    return R.parse_reviews(records)


def marked(spark, lines: list[str]):
    return A.mark_duplicates(parsed(spark, lines), REVIEWS.identity)


def work(spark, lines: list[str], run_id: str = "run-1"):
    """Lines → (work records, quarantine rows) DataFrames, as the clean job makes them (line_id 0 is line 1)."""
    numbered = A.with_line_numbers(marked(spark, lines), {0: 0})
    records = A.to_work(numbered, R.TRANSFORM, source_uri=SRC, run_id=run_id, ingested_at=INGESTED)
    quarantine = A.to_quarantine(numbered, REVIEWS, source_uri=SRC, run_id=run_id)
    return records, quarantine


def clean(spark, lines: list[str], run_id: str = "run-1"):
    """Lines → (records, quarantine) as lists of dicts ordered by line number."""
    records, quarantine = work(spark, lines, run_id)
    return rows(records), rows(quarantine)


def rows(df) -> list[dict]:
    return [r.asDict(recursive=True) for r in df.orderBy("line_number").collect()]


def test_2014_line_becomes_one_whole_canonical_row(spark):
    # Given a 2014 review line
    # When it is cleaned
    records, quarantine = clean(spark, [LINE_2014])
    # Then it is exactly this row
    assert quarantine == []
    assert records == [
        {
            "review_id": "193ae365502341c59b89fe26d3f4a44c",
            "product_id": "0000013714",
            "parent_product_id": None,
            "reviewer_id": "A2SUAM1J3GNN3B",
            "reviewer_name": "J. McDonald",
            "rating": 5,
            "title": "Heavenly Highway Hymns",
            "review_text": "I bought this for my husband.",
            "review_ts": datetime(2009, 9, 13, 0, 0),
            "review_date": date(2009, 9, 13),
            "helpful_votes": 2,
            "total_votes": 3,
            "verified_purchase": None,
            "image_count": 0,
            "style": None,
            "source_format": "amazon_2014",
            "source_uri": SRC,
            "line_number": 1,
            "ingested_at": INGESTED_UTC,
            "run_id": "run-1",
            "review_year": "2009",
            "images": [],
        }
    ]
    assert records[0]["review_id"] == review_id("0000013714", "A2SUAM1J3GNN3B", 1_252_800_000_000)


def test_2018_line_becomes_one_whole_canonical_row(spark):
    records, quarantine = clean(spark, [LINE_2018])
    assert quarantine == []
    assert records == [
        {
            "review_id": review_id("B00002018", "A2018", 1_388_880_000_000),
            "product_id": "B00002018",
            "parent_product_id": None,
            "reviewer_id": "A2018",
            "reviewer_name": "Ann",
            "rating": 4,
            "title": "Good",
            "review_text": "Fits well.",
            "review_ts": datetime(2014, 1, 5, 0, 0),
            "review_date": date(2014, 1, 5),
            "helpful_votes": 1234,
            "total_votes": None,
            "verified_purchase": True,
            "image_count": 2,
            # keys lower-cased, colon and spaces gone, values trimmed; the first "size" wins
            "style": {"size": "Large", "color name": "Black"},
            "source_format": "amazon_2018",
            "source_uri": SRC,
            "line_number": 1,
            "ingested_at": INGESTED_UTC,
            "run_id": "run-1",
            "review_year": "2014",
            "images": [
                {"image_url": "https://img/1.jpg", "variant": "original"},
                {"image_url": "https://img/2.jpg", "variant": "original"},
            ],
        }
    ]


def test_2023_line_becomes_one_whole_canonical_row(spark):
    records, quarantine = clean(spark, [LINE_2023])
    assert quarantine == []
    assert records == [
        {
            "review_id": review_id("B0C2023", "AGU2023", 1_588_687_728_923),
            "product_id": "B0C2023",
            "parent_product_id": "P0C2023",
            "reviewer_id": "AGU2023",
            "reviewer_name": None,
            "rating": 3,
            "title": "Okay",
            "review_text": "Works.",
            "review_ts": datetime(2020, 5, 5, 14, 8, 48, 923000),
            "review_date": date(2020, 5, 5),
            "helpful_votes": 0,
            "total_votes": None,
            "verified_purchase": False,
            "image_count": 2,  # image objects, not variants
            "style": None,
            "source_format": "amazon_2023",
            "source_uri": SRC,
            "line_number": 1,
            "ingested_at": INGESTED_UTC,
            "run_id": "run-1",
            "review_year": "2020",
            "images": [
                {"image_url": "https://s/1.jpg", "variant": "small"},
                {"image_url": "https://m/1.jpg", "variant": "medium"},
                {"image_url": "https://l/1.jpg", "variant": "large"},
                {"image_url": "https://s/2.jpg", "variant": "small"},
                {"image_url": "https://l/2.jpg", "variant": "large"},
            ],
        }
    ]


def test_loose_2014_python_dict_literals_are_read_without_eval(spark):
    # Given 2014 lines written as Python dict literals: single quotes, double quotes around a
    # string holding an apostrophe, and an escaped \' where the string holds both quotes
    literal = {
        "reviewerID": "A9",
        "asin": "B9",
        "reviewerName": "O'Brien",
        "helpful": [0, 1],
        "reviewText": 'It\'s "great"',
        "overall": 4.0,
        "summary": "ok",
        "unixReviewTime": 1252800000,
        "reviewTime": "09 13, 2009",
    }
    line = (
        "{'reviewerID': 'A9', 'asin': 'B9', 'reviewerName': \"O'Brien\", 'helpful': [0, 1], "
        "'reviewText': 'It\\'s \"great\"', 'overall': 4.0, 'summary': 'ok', "
        "'unixReviewTime': 1252800000, 'reviewTime': '09 13, 2009'}"
    )
    assert line == repr(literal)  # the fixture is what Python itself writes
    # When cleaned
    records, quarantine = clean(spark, [line])
    # Then the values are the dict's values
    assert quarantine == []
    assert [
        {k: r[k] for k in ("product_id", "reviewer_id", "reviewer_name", "review_text", "title", "rating")}
        | {k: r[k] for k in ("helpful_votes", "total_votes", "source_format", "review_year")}
        for r in records
    ] == [
        {
            "product_id": "B9",
            "reviewer_id": "A9",
            "reviewer_name": "O'Brien",
            "review_text": 'It\'s "great"',
            "title": "ok",
            "rating": 4,
            "helpful_votes": 0,
            "total_votes": 1,
            "source_format": "amazon_2014",
            "review_year": "2009",
        }
    ]


REASON_CASES = [
    ("not json", "malformed_json"),
    ("[1]", "malformed_json"),
    ("42", "malformed_json"),
    ('{"asin": "B1", "overall": 5.0} trailing', "malformed_json"),
    ('{"asin": "B1", "overall": 5.0', "malformed_json"),
    ("{'asin': 'B1', 'verified': True}", "malformed_json"),  # Python constants are not JSON
    ('{"foo": "bar"}', "unknown_format"),
    ("{}", "unknown_format"),
    ('{"reviewerID": "R1", "overall": 5.0, "helpful": [0, 0], "unixReviewTime": 1252800000}', "missing_product_id"),
    ('{"asin": " ", "user_id": "U1", "rating": 5, "timestamp": 1588687728923}', "missing_product_id"),
    ('{"asin": "B1", "overall": 5.0, "unixReviewTime": 1252800000}', "missing_reviewer_id"),
    ('{"asin": "B1", "user_id": "", "rating": 5, "timestamp": 1588687728923}', "missing_reviewer_id"),
    ('{"asin": "B1", "reviewerID": "R1", "helpful": [0, 0], "unixReviewTime": 1252800000}', "missing_rating"),
    ('{"asin": "B1", "user_id": "U1", "rating": null, "timestamp": 1588687728923}', "missing_rating"),
    ('{"asin": "B1", "reviewerID": "R1", "overall": 4.5, "unixReviewTime": 1252800000}', "invalid_rating"),
    ('{"asin": "B1", "reviewerID": "R1", "overall": 0, "unixReviewTime": 1252800000}', "invalid_rating"),
    ('{"asin": "B1", "user_id": "U1", "rating": 6, "timestamp": 1588687728923}', "invalid_rating"),
    ('{"asin": "B1", "user_id": "U1", "rating": "five", "timestamp": 1588687728923}', "invalid_rating"),
    ('{"asin": "B1", "user_id": "U1", "rating": true, "timestamp": 1588687728923}', "invalid_rating"),
    ('{"asin": "B1", "reviewerID": "R1", "overall": 5.0}', "missing_review_time"),
    ('{"asin": "B1", "user_id": "U1", "rating": 5}', "missing_review_time"),
    ('{"asin": "B1", "reviewerID": "R1", "overall": 5.0, "unixReviewTime": 0, "reviewTime": "13 45, 2009"}',
     "invalid_review_time"),
    ('{"asin": "B1", "reviewerID": "R1", "overall": 5.0, "reviewTime": "02 30, 2012"}', "invalid_review_time"),
    ('{"asin": "B1", "reviewerID": "R1", "overall": 5.0, "unixReviewTime": 757382399}', "invalid_review_time"),
    ('{"asin": "B1", "user_id": "U1", "rating": 5, "timestamp": 1588687728}', "invalid_review_time"),
    ('{"asin": "B1", "user_id": "U1", "rating": 5, "timestamp": "soon"}', "invalid_review_time"),
]  # fmt: skip


def test_every_reason_code_quarantines_the_line_as_landed(spark):
    # Given one line per way of being invalid (every reason code of the contract, with the store
    # form's below)
    assert {reason for _, reason in REASON_CASES} | {reason for _, reason in STORE_REASON_CASES} == set(
        REVIEWS.reason_codes
    )
    # When cleaned
    records, quarantine = clean(spark, [line for line, _ in REASON_CASES], run_id="run-q")
    # Then nothing is kept and every line is quarantined with its reason and raw text
    assert records == []
    assert quarantine == [
        {"source_uri": SRC, "line_number": n, "reason": reason, "raw_record": line, "run_id": "run-q"}
        for n, (line, reason) in enumerate(REASON_CASES, start=1)
    ]


def test_review_time_falls_back_to_the_date_when_the_epoch_is_missing_or_unusable(spark):
    lines = [
        '{"asin": "B1", "reviewerID": "R1", "overall": 5.0, "helpful": [0, 0], "reviewTime": "01 5, 2014"}',
        '{"asin": "B2", "reviewerID": "R1", "overall": "5", "unixReviewTime": 99, "reviewTime": "09 13, 2009"}',
        '{"asin": "B3", "reviewerID": "R1", "overall": 1, "unixReviewTime": "1252800000"}',
        '{"asin": "B4", "reviewerID": "R1", "overall": "2.0", "unixReviewTime": 4102444800, '
        '"reviewTime": "12 31, 2099"}',
        '{"asin": "B5", "reviewerID": "R1", "overall": 3, "unixReviewTime": 757382400}',
        '{"asin": "B6", "user_id": "U1", "rating": 4, "timestamp": "1588687728923"}',
    ]  # fmt: skip
    records, quarantine = clean(spark, lines)
    assert quarantine == []
    assert [(r["line_number"], r["rating"], r["review_ts"], r["review_date"], r["review_year"]) for r in records] == [
        (1, 5, datetime(2014, 1, 5), date(2014, 1, 5), "2014"),
        (2, 5, datetime(2009, 9, 13), date(2009, 9, 13), "2009"),
        (3, 1, datetime(2009, 9, 13), date(2009, 9, 13), "2009"),
        (4, 2, datetime(2099, 12, 31), date(2099, 12, 31), "2099"),
        (5, 3, datetime(1994, 1, 1), date(1994, 1, 1), "1994"),
        (6, 4, datetime(2020, 5, 5, 14, 8, 48, 923000), date(2020, 5, 5), "2020"),
    ]


def test_votes_per_generation(spark):
    base_2018 = '"asin": "B{n}", "reviewerID": "R", "overall": 5.0, "unixReviewTime": 1388880000'
    lines = [
        '{' + base_2018.format(n=1) + ', "vote": "1,234"}',
        '{' + base_2018.format(n=2) + '}',
        '{' + base_2018.format(n=3) + ', "vote": "12"}',
        '{' + base_2018.format(n=4) + ', "vote": "lots"}',
        '{' + base_2018.format(n=5) + ', "vote": 7}',
        '{"asin": "B6", "reviewerID": "R", "overall": 5.0, "helpful": [2, 3], "unixReviewTime": 1388880000}',
        '{"asin": "B7", "user_id": "U", "rating": 5, "timestamp": 1588687728923, "helpful_vote": 5}',
        '{"asin": "B8", "user_id": "U", "rating": 5, "timestamp": 1588687728923}',
    ]  # fmt: skip
    records, _ = clean(spark, lines)
    assert [(r["product_id"], r["helpful_votes"], r["total_votes"]) for r in records] == [
        ("B1", 1234, None),
        ("B2", 0, None),
        ("B3", 12, None),
        ("B4", None, None),
        ("B5", 7, None),
        ("B6", 2, 3),
        ("B7", 5, None),
        ("B8", 0, None),
    ]


def test_style_keys_and_values_are_normalised_for_2018_only(spark):
    base = '"reviewerID": "R", "overall": 5.0, "unixReviewTime": 1388880000'
    lines = [
        '{"asin": "B1", ' + base + ', "style": {"Size:": " Large", " Color Name: ": " Black "}}',
        '{"asin": "B2", ' + base + ', "style": {"Format:": " Kindle Edition"}}',
        '{"asin": "B3", ' + base + ', "style": {}}',
        '{"asin": "B4", ' + base + '}',
        '{"asin": "B5", ' + base + ', "helpful": [0, 0], "style": {"Size:": "S"}}',
    ]  # fmt: skip
    records, _ = clean(spark, lines)
    assert [(r["product_id"], r["source_format"], r["style"]) for r in records] == [
        ("B1", "amazon_2018", {"size": "Large", "color name": "Black"}),
        ("B2", "amazon_2018", {"format": "Kindle Edition"}),
        ("B3", "amazon_2018", {}),
        ("B4", "amazon_2018", None),
        ("B5", "amazon_2014", None),
    ]


def test_a_later_valid_record_with_the_same_identity_is_a_duplicate(spark):
    # Given the same product, reviewer and time on lines 2, 3 and 5 (line 1 is invalid, line 4
    # another reviewer)
    a = '"asin": "B1", "reviewerID": "R1", "unixReviewTime": 1252800000'
    lines = [
        '{' + a + ', "overall": 4.5}',
        '{' + a + ', "overall": 5.0, "reviewText": "first"}',
        '{' + a + ', "overall": 5.0, "reviewText": "second"}',
        '{"asin": "B1", "reviewerID": "R2", "unixReviewTime": 1252800000, "overall": 3.0}',
        '{' + a + ', "overall": 1.0, "helpful": [0, 0], "reviewText": "third"}',
    ]  # fmt: skip
    # When the lines are marked
    statuses = marked(spark, lines)
    # Then the first valid one is kept and the later ones are duplicates
    assert [(r.line_id, r[A.OUTCOME]) for r in statuses.orderBy("line_id").collect()] == [
        (0, A.QUARANTINED),
        (1, A.PROCESSED),
        (2, A.DUPLICATE),
        (3, A.PROCESSED),
        (4, A.DUPLICATE),
    ]
    records, _ = clean(spark, lines)
    assert [(r["line_number"], r["reviewer_id"], r["review_text"]) for r in records] == [
        (2, "R1", "first"),
        (4, "R2", None),
    ]


def test_review_id_is_the_same_on_every_run(spark):
    first, _ = clean(spark, [LINE_2014, LINE_2023], run_id="run-a")
    again, _ = clean(spark, [LINE_2023, LINE_2014], run_id="run-b")
    assert sorted(r["review_id"] for r in first) == sorted(r["review_id"] for r in again)
    assert sorted(r["review_id"] for r in first) == sorted(
        [
            review_id("0000013714", "A2SUAM1J3GNN3B", 1_252_800_000_000),
            review_id("B0C2023", "AGU2023", 1_588_687_728_923),
        ]
    )


def test_line_numbers_count_the_lines_of_earlier_partitions(spark):
    # Given line ids as monotonically_increasing_id makes them: partition index << 33 | row
    ids = [(0 << 33) + 0, (0 << 33) + 1, (1 << 33) + 0, (1 << 33) + 1, (1 << 33) + 2, (3 << 33) + 0]
    df = spark.createDataFrame([(i,) for i in ids], "line_id long")
    # When the lines per partition are known
    offsets = readers.partition_offsets({3: 1, 0: 2, 1: 3})
    # Then every line gets its 1-based position in the file
    assert offsets == {0: 0, 1: 2, 3: 5}
    numbered = A.with_line_numbers(df, offsets).orderBy("line_id").collect()
    assert [(r.line_id, r.line_number) for r in numbered] == [
        (0, 1), (1, 2), (1 << 33, 3), ((1 << 33) + 1, 4), ((1 << 33) + 2, 5), (3 << 33, 6)
    ]  # fmt: skip


def test_outputs_have_exactly_the_contract_schemas(spark):
    records, quarantine = work(spark, [LINE_2014], run_id="r")
    # (names and types; Spark decides nullability)
    assert records.schema.simpleString() == R.TRANSFORM.work_schema().simpleString()
    assert records.schema.simpleString() == (
        "struct<review_id:string,product_id:string,parent_product_id:string,reviewer_id:string,"
        "reviewer_name:string,rating:int,title:string,review_text:string,review_ts:timestamp,review_date:date,"
        "helpful_votes:bigint,total_votes:bigint,verified_purchase:boolean,image_count:int,"
        "style:map<string,string>,source_format:string,source_uri:string,line_number:bigint,"
        "ingested_at:timestamp,run_id:string,review_year:string,images:array<struct<image_url:string,variant:string>>>"
    )
    assert quarantine.schema.simpleString() == schema_for(REVIEWS.quarantine).simpleString()
    assert R.to_published_reviews(records).columns == [*REVIEWS.table("reviews").column_names, "review_year"]
    assert R.to_review_images(records).columns == [*REVIEWS.table("review_images").column_names, "review_year"]


def test_review_images_are_one_row_per_image_variant_with_the_reviews_year(spark):
    records, _ = work(spark, [LINE_2014, LINE_2018, LINE_2023], run_id="r")
    images = [r.asDict() for r in R.to_review_images(records).orderBy("review_year", "image_url").collect()]
    id_2018 = review_id("B00002018", "A2018", 1_388_880_000_000)
    id_2023 = review_id("B0C2023", "AGU2023", 1_588_687_728_923)
    assert images == [
        {
            "review_id": rid,
            "image_url": url,
            "variant": variant,
            "source_uri": SRC,
            "run_id": "r",
            "review_year": year,
        }
        for rid, url, variant, year in [
            (id_2018, "https://img/1.jpg", "original", "2014"),
            (id_2018, "https://img/2.jpg", "original", "2014"),
            (id_2023, "https://l/1.jpg", "large", "2020"),
            (id_2023, "https://l/2.jpg", "large", "2020"),
            (id_2023, "https://m/1.jpg", "medium", "2020"),
            (id_2023, "https://s/1.jpg", "small", "2020"),
            (id_2023, "https://s/2.jpg", "small", "2020"),
        ]
    ]


# --- the shop's own review form (CSV) -------------------------------------------------------------

STORE_HEADER = "review_id,product_id,customer_id,rating,review_text,review_date"


def clean_store_csv(spark, rows: list[str], run_id: str = "run-s"):
    """CSV rows (after the header line) → (records, quarantine) through the generic CSV reader."""
    lines = lines_df(spark, [STORE_HEADER, *rows])
    header = readers.csv_header(REVIEWS, STORE_HEADER, SRC)
    ctx = ParseContext(source_uri=SRC, ingested_at=INGESTED, layout=header.layout)
    marked = A.mark_duplicates(
        parse_records(R.TRANSFORM, readers.csv_records(lines, REVIEWS, header)[0], ctx), ("review_id",)
    )
    numbered = A.with_line_numbers(marked, {0: 0})
    records = A.to_work(numbered, R.TRANSFORM, source_uri=SRC, run_id=run_id, ingested_at=INGESTED)
    quarantine = A.to_quarantine(numbered, REVIEWS, source_uri=SRC, run_id=run_id)
    return rows_of(records), rows_of(quarantine)


def rows_of(df) -> list[dict]:
    return [r.asDict(recursive=True) for r in df.orderBy("line_number").collect()]


def test_a_store_review_becomes_one_whole_canonical_row(spark):
    # Given the shop's review form export, with a review text holding a comma, quotes and a line break
    records, quarantine = clean_store_csv(
        spark, ['SR-1,P-7,C-42,4,"Sturdy, ""really"" good.', 'Would buy again.",2026-11-20T18:30:00+01:00']
    )
    # Then it is exactly this row: the shop's id, the customer as reviewer, the text as written
    assert quarantine == []
    assert records == [
        {
            "review_id": "SR-1",
            "product_id": "P-7",
            "parent_product_id": None,
            "reviewer_id": "C-42",
            "reviewer_name": None,
            "rating": 4,
            "title": None,
            "review_text": 'Sturdy, "really" good.\nWould buy again.',
            "review_ts": datetime(2026, 11, 20, 17, 30),
            "review_date": date(2026, 11, 20),
            "helpful_votes": 0,
            "total_votes": None,
            "verified_purchase": None,
            "image_count": 0,
            "style": None,
            "source_format": "store_csv",
            "source_uri": SRC,
            "line_number": 2,
            "ingested_at": INGESTED_UTC,
            "run_id": "run-s",
            "review_year": "2026",
            "images": [],
        }
    ]


STORE_REASON_CASES = [
    ("SR-1,P-1,C-1,5,too,many,fields", "malformed_row"),
    ("SR-2,P-1,C-1,5", "malformed_row"),
    (",P-1,C-1,5,ok,2026-11-20", "missing_review_id"),
    ("SR-3, ,C-1,5,ok,2026-11-20", "missing_product_id"),
    ("SR-4,P-1,,5,ok,2026-11-20", "missing_reviewer_id"),
    ("SR-5,P-1,C-1,,ok,2026-11-20", "missing_rating"),
    ("SR-6,P-1,C-1,4.5,ok,2026-11-20", "invalid_rating"),
    ("SR-7,P-1,C-1,5,ok,", "missing_review_time"),
    ("SR-8,P-1,C-1,5,ok,2026-02-30", "invalid_review_time"),
    ("SR-9,P-1,C-1,5,ok,20 Nov 2026", "invalid_review_time"),
    ("SR-10,P-1,C-1,5,ok,1993-12-31", "invalid_review_time"),
]


def test_every_store_form_reason_quarantines_the_row_as_landed(spark):
    records, quarantine = clean_store_csv(spark, [row for row, _ in STORE_REASON_CASES])
    assert records == []
    assert quarantine == [
        {"source_uri": SRC, "line_number": n, "reason": reason, "raw_record": row, "run_id": "run-s"}
        for n, (row, reason) in enumerate(STORE_REASON_CASES, start=2)
    ]


def test_a_repeated_store_review_id_is_a_duplicate(spark):
    records, quarantine = clean_store_csv(
        spark, ["SR-1,P-1,C-1,5,first,2026-11-20", "SR-2,P-1,C-1,5,other,2026-11-20", "SR-1,P-1,C-1,1,again,2026-11-21"]
    )
    assert quarantine == []
    assert [(r["line_number"], r["review_id"], r["review_text"]) for r in records] == [
        (2, "SR-1", "first"),
        (3, "SR-2", "other"),
    ]
