"""The sample generator: its stats are the exact truth about the lines it writes.

A small reference classifier, written from the validation rules (not from the generator),
re-derives every count from the lines themselves.
"""

from __future__ import annotations

import ast
import gzip
import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from shoplake.datasets.reviews.sample import SampleStats, _Generator, describe, generate, write_sample

MIN_MS = 757_382_400_000  # 1994-01-01
MAX_MS = 4_102_444_800_000  # 2100-01-01
REASONS = (
    "malformed_json",
    "unknown_format",
    "missing_product_id",
    "missing_reviewer_id",
    "missing_rating",
    "invalid_rating",
    "missing_review_time",
    "invalid_review_time",
)
FORMATS = ("amazon_2014", "amazon_2018", "amazon_2023")
REVIEWER_KEY = {"amazon_2014": "reviewerID", "amazon_2018": "reviewerID", "amazon_2023": "user_id"}
REVIEW_TIME_TEXT = re.compile(r"(0[1-9]|1[0-2]) [1-9]\d?, \d{4}")


# -- reference classifier --------------------------------------------------------------------


@dataclass
class Line:
    kind: str  # blank | corrupt | valid | duplicate
    fmt: str | None = None
    encoding: str | None = None  # json | python
    problems: tuple[str, ...] = ()  # every reason the record fails for
    record: dict | None = None
    identity: tuple[str, str, int] | None = None
    first: Line | None = None  # for a duplicate: the valid line it repeats


def _parse(content: str) -> tuple[dict | None, str | None]:
    try:
        obj = json.loads(content)
        encoding = "json"
    except ValueError:
        try:
            obj = ast.literal_eval(content)
            encoding = "python"
        except (ValueError, SyntaxError, TypeError):
            return None, None
    return (obj, encoding) if isinstance(obj, dict) else (None, None)


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _in_range(ms) -> bool:
    return MIN_MS <= ms < MAX_MS


def _review_ms(record: dict, fmt: str) -> tuple[int | None, str | None]:
    """The review time in epoch ms, or the reason it is not usable."""
    if fmt == "amazon_2023":
        if "timestamp" not in record:
            return None, "missing_review_time"
        ts = record["timestamp"]
        return (int(ts), None) if _number(ts) and _in_range(ts) else (None, "invalid_review_time")
    if "unixReviewTime" not in record and "reviewTime" not in record:
        return None, "missing_review_time"
    unix = record.get("unixReviewTime")
    if _number(unix) and _in_range(unix * 1000):
        return int(unix) * 1000, None
    text = record.get("reviewTime")
    if isinstance(text, str):
        try:
            day = datetime.strptime(text, "%m %d, %Y").replace(tzinfo=UTC)
        except ValueError:
            return None, "invalid_review_time"
        ms = int(day.timestamp()) * 1000
        if _in_range(ms):
            return ms, None
    return None, "invalid_review_time"


def classify(lines: list[str]) -> list[Line]:
    out: list[Line] = []
    seen: dict[tuple[str, str, int], Line] = {}
    for number, line in enumerate(lines):
        content = line.removesuffix("\n").removesuffix("\r")
        if number == 0:
            content = content.removeprefix("\ufeff")
        if not content.strip():
            out.append(Line("blank"))
            continue
        record, encoding = _parse(content)
        if record is None:
            out.append(Line("corrupt", problems=("malformed_json",)))
            continue
        if "rating" in record or "user_id" in record:
            fmt, rating_key, reviewer_key = "amazon_2023", "rating", "user_id"
        elif "helpful" in record:
            fmt, rating_key, reviewer_key = "amazon_2014", "overall", "reviewerID"
        elif "reviewerID" in record or "overall" in record:
            fmt, rating_key, reviewer_key = "amazon_2018", "overall", "reviewerID"
        else:
            out.append(Line("corrupt", encoding=encoding, problems=("unknown_format",), record=record))
            continue
        problems = []
        if not record.get("asin"):
            problems.append("missing_product_id")
        if not record.get(reviewer_key):
            problems.append("missing_reviewer_id")
        if rating_key not in record:
            problems.append("missing_rating")
        else:
            rating = record[rating_key]
            if not (_number(rating) and float(rating).is_integer() and 1 <= rating <= 5):
                problems.append("invalid_rating")
        ms, time_problem = _review_ms(record, fmt)
        if time_problem:
            problems.append(time_problem)
        if problems:
            out.append(Line("corrupt", fmt, encoding, tuple(problems), record))
            continue
        identity = (record["asin"], record[reviewer_key], ms)
        if identity in seen:
            out.append(Line("duplicate", fmt, encoding, (), record, identity, seen[identity]))
        else:
            seen[identity] = Line("valid", fmt, encoding, (), record, identity)
            out.append(seen[identity])
    return out


def stats_of(classified: list[Line]) -> SampleStats:
    kinds = Counter(c.kind for c in classified)
    return SampleStats(
        lines=len(classified),
        valid=kinds["valid"],
        duplicates=kinds["duplicate"],
        corrupt=kinds["corrupt"],
        blank=kinds["blank"],
        by_format={fmt: sum(c.kind == "valid" and c.fmt == fmt for c in classified) for fmt in FORMATS},
        corrupt_by_reason={r: sum(c.kind == "corrupt" and c.problems[0] == r for c in classified) for r in REASONS},
    )


def top_and_median(counts: Counter) -> tuple[int, int]:
    values = sorted(counts.values())
    return values[-1], values[len(values) // 2]


# -- tests -----------------------------------------------------------------------------------


def test_fixed_seed_gives_exact_stats():
    # Given a fixed seed and shares
    # When 1,000 rows are generated
    _, stats = generate(1000, corrupt_share=0.05, duplicate_share=0.03, blank_share=0.01, seed=11)

    # Then the counts are exactly the requested shares
    assert stats == SampleStats(
        lines=1010,
        valid=920,
        duplicates=30,
        corrupt=50,
        blank=10,
        by_format={"amazon_2014": 264, "amazon_2018": 313, "amazon_2023": 343},
        corrupt_by_reason={
            "malformed_json": 15,
            "unknown_format": 5,
            "missing_product_id": 5,
            "missing_reviewer_id": 5,
            "missing_rating": 5,
            "invalid_rating": 5,
            "missing_review_time": 5,
            "invalid_review_time": 5,
        },
    )


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"corrupt_share": 0.2, "duplicate_share": 0.1, "blank_share": 0.05, "seed": 3},
        {"corrupt_share": 0.0, "duplicate_share": 0.3, "blank_share": 0.0, "seed": 5},
        {"start_line_bom": True, "crlf": True, "seed": 9, "blank_share": 0.02},
    ],
)
def test_stats_match_an_independent_classification_of_the_lines(options):
    # Given a generated dump
    lines, stats = generate(3000, **options)

    # When the reference classifier reads it line by line
    classified = classify(lines)

    # Then it derives exactly the generator's stats, they reconcile, and the first line is valid
    assert stats_of(classified) == stats
    assert stats.lines == stats.valid + stats.duplicates + stats.corrupt + stats.blank
    assert classified[0].kind == "valid"


def test_each_corrupt_line_fails_for_exactly_one_reason():
    # Given a dump with many corrupt lines of every reason
    lines, stats = generate(4000, corrupt_share=0.25, seed=21)

    # When each line is checked against every rule
    classified = classify(lines)

    # Then no corrupt line fails for a second reason, and each reason occurs as planned
    corrupt = [c for c in classified if c.kind == "corrupt"]
    assert [c.problems for c in corrupt if len(c.problems) != 1] == []
    assert dict(sorted(Counter(c.problems[0] for c in corrupt).items())) == dict(
        sorted(stats.corrupt_by_reason.items())
    )
    assert stats.corrupt_by_reason == {
        "malformed_json": 300,
        "unknown_format": 100,
        "missing_product_id": 100,
        "missing_reviewer_id": 100,
        "missing_rating": 100,
        "invalid_rating": 100,
        "missing_review_time": 100,
        "invalid_review_time": 100,
    }


def test_corrupt_lines_of_each_reason_look_as_intended():
    # Given corrupt lines, classified
    lines, _ = generate(2000, corrupt_share=0.2, seed=4)
    corrupt = [c for c in classify(lines) if c.kind == "corrupt"]

    # When the details of each reason are collected
    def detail(c: Line) -> str:
        reason, record = c.problems[0], c.record
        if reason == "invalid_rating":
            value = record["rating" if c.fmt == "amazon_2023" else "overall"]
            return f"{reason}:{type(value).__name__}"
        if reason == "invalid_review_time":
            if c.fmt == "amazon_2023":
                return f"{reason}:2023:{record['timestamp'] < 2_000_000_000}"  # seconds, not ms
            return f"{reason}:{c.fmt}:reviewTime={'reviewTime' in record}"
        if reason in ("missing_product_id", "missing_reviewer_id"):
            key = "asin" if reason == "missing_product_id" else REVIEWER_KEY[c.fmt]
            return f"{reason}:{'empty' if key in record else 'absent'}"
        return reason

    details = {detail(c) for c in corrupt}

    # Then each reason comes in the shapes the pipeline has to recognise
    assert details == {
        "malformed_json",
        "unknown_format",
        "missing_product_id:empty",
        "missing_product_id:absent",
        "missing_reviewer_id:empty",
        "missing_reviewer_id:absent",
        "missing_rating",
        "invalid_rating:float",
        "invalid_rating:int",
        "invalid_rating:str",
        "missing_review_time",
        "invalid_review_time:2023:True",
        "invalid_review_time:amazon_2014:reviewTime=False",
        "invalid_review_time:amazon_2018:reviewTime=False",
    }


def test_records_read_the_same_under_the_pipelines_wider_reading():
    # Given a dump with many corrupt lines
    lines, _ = generate(4000, corrupt_share=0.25, seed=21)
    classified = classify(lines)

    # When unknown-format records and Python-literal lines are inspected
    review_fields = {
        "rating", "user_id", "parent_asin", "timestamp", "helpful_vote", "verified_purchase", "images",
        "text", "helpful", "reviewerID", "overall", "vote", "verified", "style", "image",
    }  # fmt: skip
    layout_fields_in_unknown = set().union(*(c.record for c in classified if c.fmt is None and c.record))
    literal_types = set().union(*(value_types(c.record) for c in classified if c.encoding == "python"))

    # Then an unknown record has no field any reader could take as a generation's marker, and a
    # Python literal holds nothing a single-quoted JSON reader cannot read (None, True, False)
    assert layout_fields_in_unknown & review_fields == set()
    assert literal_types == {"dict", "list", "str", "int", "float"}


def value_types(value) -> set[str]:
    if isinstance(value, dict):
        return {"dict"}.union(*(value_types(v) for v in value.values()))
    if isinstance(value, list):
        return {"list"}.union(*(value_types(v) for v in value))
    return {type(value).__name__}


def test_duplicates_repeat_an_earlier_valid_identity_in_several_ways():
    # Given a dump with many duplicates
    lines, stats = generate(4000, duplicate_share=0.1, seed=8)

    # When duplicates are compared with the valid record they repeat
    classified = classify(lines)
    kinds = Counter()
    for c in classified:
        if c.kind != "duplicate":
            continue
        if c.record == c.first.record and c.encoding == c.first.encoding:
            kinds["exact copy"] += 1
        elif c.fmt == c.first.fmt:
            kinds["same layout, other content or encoding"] += 1
        else:
            kinds[f"{c.first.fmt} -> {c.fmt}"] += 1

    # Then they are exact copies, edits and re-exports in another layout (identity on the UTC instant)
    assert stats.duplicates == 400
    assert dict(kinds) == {
        "exact copy": 266,
        "same layout, other content or encoding": 100,
        "amazon_2014 -> amazon_2018": 5,
        "amazon_2014 -> amazon_2023": 10,
        "amazon_2018 -> amazon_2014": 2,
        "amazon_2018 -> amazon_2023": 17,
    }


def test_a_chance_identity_collision_is_drawn_again():
    # Given a generator whose next review's identity is already taken
    gen = _Generator(100, seed=3)
    state = gen.rng.getstate()
    first = gen.unique_review(set())
    gen.rng.setstate(state)
    first_identity = (first.product.asin, first.reviewer_id, first.ts_ms)
    taken = {first_identity}

    # When it draws the next review
    second = gen.unique_review(taken)

    # Then that review has a new identity, now taken too
    identity = (second.product.asin, second.reviewer_id, second.ts_ms)
    assert (identity == first_identity, taken - {first_identity}) == (False, {identity})


def test_formats_and_encodings_are_mixed():
    # Given a dump
    lines, _ = generate(3000, seed=2)

    # When valid records are counted per layout and encoding
    mix = Counter((c.fmt, c.encoding) for c in classify(lines) if c.kind == "valid")

    # Then all three generations are present, 2014 both as JSON and as Python literals
    assert dict(sorted(mix.items())) == {
        ("amazon_2014", "json"): 655,
        ("amazon_2014", "python"): 218,
        ("amazon_2018", "json"): 1003,
        ("amazon_2023", "json"): 1034,
    }


def test_layouts_have_the_public_datasets_fields():
    # Given valid records of every generation
    lines, _ = generate(3000, seed=6)
    valid = [c for c in classify(lines) if c.kind == "valid"]

    # When their keys are collected per generation
    keys = {fmt: set().union(*(c.record for c in valid if c.fmt == fmt)) for fmt in FORMATS}

    # Then they are the keys of the public dumps, and nothing else
    assert keys == {
        "amazon_2014": {
            "reviewerID", "asin", "reviewerName", "helpful", "reviewText", "overall", "summary",
            "unixReviewTime", "reviewTime",
        },
        "amazon_2018": {
            "overall", "verified", "reviewTime", "reviewerID", "asin", "style", "reviewerName",
            "reviewText", "summary", "unixReviewTime", "vote", "image",
        },
        "amazon_2023": {
            "rating", "title", "text", "images", "asin", "parent_asin", "user_id", "timestamp",
            "helpful_vote", "verified_purchase",
        },
    }  # fmt: skip


def test_review_times_are_well_formed_and_within_each_generations_era():
    # Given valid records
    lines, _ = generate(5000, seed=12)
    valid = [c for c in classify(lines) if c.kind == "valid"]
    eras = {"amazon_2014": (1999, 2014), "amazon_2018": (2000, 2018), "amazon_2023": (2005, 2023)}

    # When review times are checked
    outside_era = [
        c.record
        for c in valid
        if not eras[c.fmt][0] <= datetime.fromtimestamp(c.identity[2] / 1000, UTC).year <= eras[c.fmt][1]
    ]
    bad_text = [
        c.record["reviewTime"]
        for c in valid
        if "reviewTime" in c.record and not REVIEW_TIME_TEXT.fullmatch(c.record["reviewTime"])
    ]
    disagreeing = [
        c.record
        for c in valid
        if isinstance(unix := c.record.get("unixReviewTime"), int)
        and unix > 0
        and "reviewTime" in c.record
        and f"{(day := datetime.fromtimestamp(unix, UTC)):%m} {day.day}, {day.year}" != c.record["reviewTime"]
    ]
    years = Counter(datetime.fromtimestamp(c.identity[2] / 1000, UTC).year for c in valid)

    # Then they lie in the era, reviewTime reads "MM D, YYYY" and agrees with unixReviewTime
    assert (outside_era, bad_text, disagreeing) == ([], [], [])
    # and volume grows towards the end of the eras
    assert years[2013] > years[2008] > years[2003]


def test_ratings_are_j_shaped_and_popularity_is_skewed():
    # Given valid records
    lines, _ = generate(5000, seed=13)
    valid = [c for c in classify(lines) if c.kind == "valid"]

    # When ratings and reviews per product and per reviewer are counted
    ratings = Counter(int(c.record.get("overall", c.record.get("rating"))) for c in valid)
    per_product = Counter(c.identity[0] for c in valid)
    per_reviewer = Counter(c.identity[1] for c in valid)

    # Then there are many 5s, fewer 4s, and more 1s than 2s
    assert dict(sorted(ratings.items())) == {1: 423, 2: 168, 3: 337, 4: 949, 5: 2973}
    # and a few products and reviewers account for many reviews, most for one or two
    assert (top_and_median(per_product), top_and_median(per_reviewer)) == ((110, 3), (54, 2))


def test_text_exercises_utf8():
    # Given a dump
    lines, _ = generate(2000, seed=1)
    text = "".join(lines)

    # When it is searched for non-ASCII characters
    found = {ch for ch in ("é", "ï", "ç", "ü", "—", "…", "😍", "😡", "👍", "☕", "送") if ch in text}

    # Then accents, punctuation, emoji and CJK all occur, and the text survives UTF-8
    assert found == {"é", "ï", "ç", "ü", "—", "…", "😍", "😡", "👍", "☕", "送"}
    assert text.encode("utf-8").decode("utf-8") == text


def test_same_seed_gives_identical_lines_and_another_seed_does_not():
    # Given two runs with the same seed and one with another
    first, first_stats = generate(1500, seed=42)
    second, second_stats = generate(1500, seed=42)
    other, _ = generate(1500, seed=43)

    # Then the same seed reproduces every line, another seed changes them
    assert (first, first_stats) == (second, second_stats)
    assert first != other


def test_write_sample_gzip_round_trip(tmp_path):
    # Given a path ending in .gz under directories that do not exist yet
    path = tmp_path / "landing" / "reviews" / "sample.jsonl.gz"

    # When the sample is written
    stats = write_sample(path, 800, seed=5)

    # Then it is the gzip of the generated lines, and the stats are the generator's
    lines, expected = generate(800, seed=5)
    assert gzip.decompress(path.read_bytes()).decode("utf-8") == "".join(lines)
    assert stats == expected
    assert stats_of(classify(gzip.decompress(path.read_bytes()).decode("utf-8").splitlines(True))) == stats


def test_write_sample_plain_with_bom_and_crlf(tmp_path):
    # Given a plain .jsonl path
    path = tmp_path / "out" / "sample.jsonl"

    # When written with a BOM and CRLF line ends
    stats = write_sample(path, 300, seed=5, start_line_bom=True, crlf=True, blank_share=0.02)

    # Then the file starts with the UTF-8 BOM, every line ends in CRLF, and it classifies to the stats
    data = path.read_bytes()
    lines = data.decode("utf-8").split("\r\n")
    assert (data[:4], lines[-1], [ln for ln in lines[:-1] if "\n" in ln or "\r" in ln]) == (
        b"\xef\xbb\xbf{",
        "",
        [],
    )
    assert stats_of(classify([ln + "\r\n" for ln in lines[:-1]])) == stats
    assert (stats.lines, stats.blank) == (306, 6)


def test_zero_rows_gives_an_empty_dump():
    assert generate(0) == (
        [],
        SampleStats(
            lines=0,
            valid=0,
            duplicates=0,
            corrupt=0,
            blank=0,
            by_format=dict.fromkeys(FORMATS, 0),
            corrupt_by_reason=dict.fromkeys(REASONS, 0),
        ),
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"corrupt_share": 1.5}, "corrupt_share must be within"),
        ({"duplicate_share": -0.1}, "duplicate_share must be within"),
        ({"corrupt_share": 0.7, "duplicate_share": 0.4}, "leave no valid record"),
        ({"corrupt_share": 0.9, "duplicate_share": 0.1}, "leave no valid record"),
    ],
)
def test_impossible_shares_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        generate(100, **options)


def test_describe_is_one_line():
    # Given the stats of a small dump
    _, stats = generate(100, corrupt_share=0.03, duplicate_share=0.02, blank_share=0.01, seed=7)

    # When described
    text = describe(stats)

    # Then one line names every count
    assert text == (
        "101 lines: 95 valid (2014: 25, 2018: 37, 2023: 33), 2 duplicates, "
        "3 corrupt (unknown_format 1, missing_rating 1, missing_review_time 1), 1 blank"
    )
