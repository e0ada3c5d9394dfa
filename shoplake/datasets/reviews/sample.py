"""Deterministic sample Amazon review dumps (JSON Lines) for demos and tests.

One dump mixes, line by line, the three public generations of the Amazon review datasets:

* ``amazon_2014`` — ``reviewerID``, ``asin``, ``helpful: [h, t]``, ``overall``, ``unixReviewTime``
  (seconds) and ``reviewTime`` ("MM D, YYYY"); a share is written in the "loose" variant the
  2014 files also came in: a Python dict literal instead of JSON;
* ``amazon_2018`` — ``overall``, ``verified``, ``style``, ``vote`` ("1,234"), ``image``;
* ``amazon_2023`` — ``rating``, ``title``, ``text``, ``images``, ``parent_asin``, ``user_id``,
  ``timestamp`` (milliseconds), ``helpful_vote``, ``verified_purchase``.

Around the valid records it plants, at exact counts, duplicates (a later line with the identity
of an earlier valid record: product id, reviewer id and review time compared as a UTC
instant), corrupt lines that each fail for exactly one quarantine reason of the ``reviews``
contract, and blank lines. ``SampleStats`` is the exact truth about what was written, so the
pipeline's counts can be checked against it.

Realism: a catalogue with Zipf-like popularity, per-product quality so ratings are J-shaped,
reviewers who write several reviews, review times skewed towards the end of each generation's
era, text from word lists with some non-ASCII (accents, CJK, emoji).
"""

from __future__ import annotations

import gc
import json
import random
from bisect import bisect
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any, TypeVar

from shoplake.datasets import shop
from shoplake.datasets.reviews.contract import REVIEWS

T = TypeVar("T")

FORMATS: tuple[str, ...] = ("amazon_2014", "amazon_2018", "amazon_2023")
# The reasons a line of an Amazon JSON Lines dump can be quarantined for (the store form's CSV
# reasons, malformed_row and missing_review_id, cannot occur in one).
REASONS: tuple[str, ...] = tuple(r for r in REVIEWS.reason_codes if r not in ("malformed_row", "missing_review_id"))

# Usable review times start at 1994-01-01 UTC (epoch milliseconds); they end before 2100.
MIN_REVIEW_MS = 757_382_400_000

_DAY_MS = 86_400_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _day(d: date) -> int:
    return d.toordinal() - _EPOCH_ORDINAL


# Each generation's era (first day, last day) as days since the epoch.
_ERAS: dict[str, tuple[int, int]] = {
    "amazon_2014": (_day(date(1999, 1, 1)), _day(date(2014, 7, 23))),
    "amazon_2018": (_day(date(2000, 1, 1)), _day(date(2018, 10, 2))),
    "amazon_2023": (_day(date(2005, 1, 1)), _day(date(2023, 9, 30))),
}
_FORMAT_CUM_WEIGHTS = (30, 65, 100)  # 2014 / 2018 / 2023 share of valid records
_LOOSE_SHARE_2014 = 0.25

_UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_IMAGE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-"
# Random bytes -> characters by table (fast); 256 % 36 != 0 skews letters a little, harmless here.
_UPPER_ALNUM_BYTES = bytes(ord(_UPPER_ALNUM[i % len(_UPPER_ALNUM)]) for i in range(256))
_IMAGE_BYTES = bytes(ord(_IMAGE_ALPHABET[i % len(_IMAGE_ALPHABET)]) for i in range(256))
# One encoder each: json.dumps with options builds a new encoder per call.
_ascii_json = json.JSONEncoder(ensure_ascii=True, check_circular=False).encode
_utf8_json = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode

# (category, nouns, style kind): the style kind picks the 2018 "style" dict's keys.
_CATEGORIES: tuple[tuple[str, tuple[str, ...], str | None], ...] = (
    ("Electronics", ("headphones", "phone charger", "bluetooth speaker", "USB cable", "webcam"), "color"),
    ("Home & Kitchen", ("blender", "coffee grinder", "espresso machine", "knife set", "frying pan"), "color"),
    ("Books", ("novel", "cookbook", "biography", "thriller"), "book"),
    ("Clothing", ("t-shirt", "hoodie", "pair of running shoes", "rain jacket", "sundress"), "size_color"),
    ("Beauty", ("moisturizer", "shampoo", "lip balm", "face serum"), "size"),
    ("Toys & Games", ("jigsaw puzzle", "board game", "LEGO set", "plush toy"), None),
    ("Sports & Outdoors", ("yoga mat", "water bottle", "dumbbell set", "bike light"), "color"),
    ("Pet Supplies", ("dog leash", "cat tree", "chew toy"), "size"),
    ("Patio & Garden", ("garden hose", "pair of pruning shears", "planter"), None),
    ("Digital Music", ("album", "vinyl record"), "music"),
)
_COLORS = ("Black", "White", "Navy Blue", "Red", "Café Noir", "Rosé", "Graphite", "Sage Green")
_SIZES = ("Small", "Medium", "Large", "X-Large", "2XL", "8.5", "10 Wide", "16 oz")
# The 2018 "style" dict per style kind: keys end in a colon, values start with a space.
_STYLES: dict[str | None, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "color": (("Color:", _COLORS),),
    "size": (("Size:", _SIZES),),
    "size_color": (("Size:", _SIZES), ("Color:", _COLORS)),
    "book": (("Format:", ("Kindle Edition", "Paperback", "Hardcover", "Mass Market Paperback")),),
    "music": (("Format:", ("Audio CD", "MP3 Music", "Vinyl")),),
}

_POSITIVE = (
    "I love this {noun}.",
    "Works exactly as described.",
    "Great value for the money.",
    "Best {noun} I've ever owned.",
    "Arrived quickly and well packaged.",
    "Would definitely buy again!",
    "The build quality is excellent.",
    "Exceeded my expectations.",
    "Highly recommend it to anyone looking for a {noun}.",
    "My wife says it's the best purchase we've made this year.",
    "Five stars, no complaints 👍",
    "Très bien — exactly what I needed.",
    "Perfect with my morning café au lait ☕",
    "So glad I didn't listen to the negative reviews.",
    "It looks even better in person 😍",
    "Easy to set up, even for a technophobe like me.",
    "Bought a second one for my parents.",
    "Genial, funciona perfecto.",
    "Sehr gute Qualität, schnelle Lieferung.",
    "Solid, well made and reasonably priced.",
)
_NEUTRAL = (
    "It's okay for the price.",
    "Does the job, nothing special.",
    "A bit smaller than I expected.",
    "The instructions were confusing but I figured it out.",
    "Not bad, not great.",
    "It's an average {noun}.",
    "Comparable to the {noun} I had before.",
    "The color is slightly different from the photos.",
    "Took a while to arrive.",
    "I'm not sure it's worth the \"premium\" price.",
    "Some minor scratches out of the box, otherwise fine.",
    "Meh… it works.",
)
_NEGATIVE = (
    "Stopped working after two weeks.",
    "Very disappointed with this {noun}.",
    "Cheaply made and flimsy.",
    "I was naïve to trust the five-star reviews.",
    "Returned it 😡",
    "Don't waste your money.",
    "It arrived broken and customer service never answered.",
    "The description is misleading.",
    "Worst {noun} I have ever bought.",
    "Smells like chemicals and the façade peeled off within days.",
    "One star because zero isn't an option.",
    "Looks nothing like the picture 👎",
)
_GENERAL = (
    "I bought this {noun} as a gift for my son.",
    "We've had it for about three months now.",
    "I use it almost every day.",
    "Update: still going strong after a year.",
    "I compared several models before choosing this one.",
    "My old {noun} finally wore out, so I needed a replacement.",
    "It fits perfectly in our small apartment.",
    "I ordered it on a Tuesday and it arrived on Thursday.",
    "Déjà vu — this is the third one I've ordered.",
    "My daughter picked it out.",
    "Got it on sale during Prime Day.",
    "The packaging was recyclable, which I appreciate.",
    "Used it on a camping trip in the rain.",
    "For reference, I'm 5'10\" and 170 lbs.",
    "送料も安くて、とても良い買い物でした。",
)
_SUMMARIES = {
    5: (
        "Five Stars",
        "Great product",
        "Love it!",
        "Excellent",
        "Perfect",
        "Highly recommend",
        "Works great",
        "Best {noun} ever",
        "Exactly as described",
        "Parfait 👍",
        "⭐⭐⭐⭐⭐",
        "Awesome {noun}",
    ),
    4: (
        "Four Stars",
        "Very good",
        "Good value",
        "Pretty good {noun}",
        "Solid",
        "Happy with it",
        "Nice, but…",
    ),
    3: ("Three Stars", "It's okay", "Average", "Meh", "Not bad", "Could be better", "Mixed feelings"),
    2: ("Two Stars", "Disappointed", "Not great", "Not as described", "Flimsy", "Expected more"),
    1: (
        "One Star",
        "Broke after two weeks",
        "Don't buy",
        "Junk",
        "Terrible {noun}",
        "Returned it 😡",
        "Waste of money",
    ),
}
_FIRST_NAMES = (
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Susan",
    "José",
    "María",
    "Zoë",
    "Renée",
    "Björn",
    "François",
    "Søren",
    "Chloé",
    "Nguyễn",
    "Ahmet",
    "Siobhan",
    "Conor",
    "Priya",
    "Wei",
    "Olga",
    "Jürgen",
)
_LAST_NAMES = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "García",
    "Miller",
    "Davis",
    "O'Brien",
    "Müller",
    "Novák",
    "Kowalski",
    "Dubois",
    "Andersson",
    "Tanaka",
    "Rossi",
    "D'Angelo",
    "Petrov",
)
_NICKNAMES = ("Amazon Customer", "Kindle Customer", "A Customer", "bookworm", "gadget guy", "mom of 3")
# Sentences per review: many short reviews, a tail of long ones.
_SENTENCE_COUNTS = (1, 2, 3, 4, 5, 6, 8, 12)
_SENTENCE_CUM_WEIGHTS = tuple(accumulate((22, 20, 17, 13, 10, 8, 6, 4)))
_SENTENCE_TOTAL = _SENTENCE_CUM_WEIGHTS[-1] - 1e-9


def _pools(noun: str) -> dict[str, tuple[str, ...]]:
    fill = noun.removeprefix("pair of ")
    return {
        "pos": tuple(s.format(noun=noun) for s in _POSITIVE),
        "neu": tuple(s.format(noun=noun) for s in _NEUTRAL),
        "neg": tuple(s.format(noun=noun) for s in _NEGATIVE),
        "gen": tuple(s.format(noun=noun) for s in _GENERAL),
        **{str(star): tuple(s.format(noun=fill.title()) for s in ss) for star, ss in _SUMMARIES.items()},
    }


_NOUN_POOLS: dict[str, dict[str, tuple[str, ...]]] = {
    noun: _pools(noun) for _, nouns, _ in _CATEGORIES for noun in nouns
}


@dataclass(frozen=True)
class SampleStats:
    """The exact truth about a generated dump."""

    lines: int  # physical lines written, blank lines included
    valid: int  # valid records whose identity had not been seen before
    duplicates: int  # valid records repeating an earlier valid record's identity
    corrupt: int  # lines the pipeline must quarantine, each for exactly one reason
    blank: int  # whitespace-only lines
    by_format: dict[str, int]  # valid unique records per source format
    corrupt_by_reason: dict[str, int]  # corrupt lines per reason code (every code present)


@dataclass(slots=True)
class _Product:
    asin: str
    parent: str
    noun: str
    style_kind: str | None
    rating_cum_weights: tuple[float, ...]
    launch: float  # share of the era that passed before the product got its first review


@dataclass(slots=True)
class _Reviewer:
    old_id: str  # reviewerID of the 2014/2018 dumps
    new_id: str  # user_id of the 2023 dump
    name: str | None


@dataclass(slots=True)
class _Review:
    """One review, independent of the layout it is written in."""

    fmt: str
    product: _Product
    reviewer_id: str
    name: str | None
    rating: int
    title: str
    text: str
    ts_ms: int  # the identity's review time: midnight UTC for 2014/2018, any millisecond for 2023
    votes: int
    helpful: int  # 2014: helpful share of the votes
    verified: bool
    style: dict[str, str] | None
    images: tuple[str, ...]
    # 2014/2018 only: which time fields are written (see _TIME_VARIANTS).
    time_variant: str = "both"
    loose: bool = False


# 2014/2018 time fields. "bad_unix" writes an unusable unixReviewTime beside a good reviewTime,
# which the pipeline must fall back to.
_TIME_VARIANTS = ("both", "date", "unix", "bad_unix")
_TIME_VARIANT_CUM_WEIGHTS = (94, 97, 99, 100)


class _Generator:
    def __init__(self, rows: int, seed: int) -> None:
        # Not for security: a seeded PRNG makes the dump reproducible.
        self.rng = random.Random(seed)  # noqa: S311
        self._review_times: dict[int, str] = {}
        self._ids_in_use: set[str] = set()
        self.products = self._catalogue(max(12, rows // 5))
        # Zipf-like: a few products and reviewers account for many reviews, most for one or two.
        self.product_cum_weights = _zipf(len(self.products), 0.85)
        self.reviewers = self._reviewers(max(12, rows // 3))
        self.reviewer_cum_weights = _zipf(len(self.reviewers), 0.75)

    # -- catalogue ---------------------------------------------------------------------------

    def _unique(self, make) -> str:
        while True:
            value = make()
            if value not in self._ids_in_use:
                self._ids_in_use.add(value)
                return value

    def _alnum(self, n: int) -> str:
        return self.rng.randbytes(n).translate(_UPPER_ALNUM_BYTES).decode()

    def _isbn10(self) -> str:
        digits = [self.rng.randrange(10) for _ in range(9)]
        check = (11 - sum((10 - i) * d for i, d in enumerate(digits)) % 11) % 11
        return "".join(map(str, digits)) + ("X" if check == 10 else str(check))

    def _catalogue(self, n: int) -> list[_Product]:
        rng = self.rng
        products = []
        last_parent: dict[str, str] = {}
        for _ in range(n):
            category, nouns, style_kind = self.pick(_CATEGORIES)
            if category == "Books" and rng.random() < 0.5:
                asin = self._unique(self._isbn10)
            else:
                asin = self._unique(lambda: "B00" + self._alnum(7))
            if rng.random() < 0.65:
                parent = asin
            elif category in last_parent and rng.random() < 0.6:
                parent = last_parent[category]
            else:
                parent = self._unique(lambda: "B0" + self._alnum(8))
                last_parent[category] = parent
            quality = rng.betavariate(5.0, 1.5)
            bad = 1.0 - quality
            # Stars 1..5: good products get a J shape (many 5s, a few 1s), bad ones more 1s.
            weights = (
                0.03 + 0.6 * bad**2,
                0.015 + 0.08 * bad,
                0.04 + 0.1 * bad,
                0.18,
                0.05 + 0.9 * quality**2,
            )
            noun = self.pick(nouns)
            products.append(_Product(asin, parent, noun, style_kind, tuple(accumulate(weights)), 0.85 * rng.random()))
        return products

    def _reviewers(self, n: int) -> list[_Reviewer]:
        rng = self.rng
        reviewers = []
        for _ in range(n):
            old_id = self._unique(lambda: "A" + self._alnum(13 if rng.random() < 0.8 else 12))
            new_id = self._unique(lambda: "A" + self._alnum(27))
            r = rng.random()
            if r < 0.55:
                name = f"{self.pick(_FIRST_NAMES)} {self.pick(_LAST_NAMES)}"
            elif r < 0.75:
                name = f"{self.pick(_FIRST_NAMES)} {self.pick(_LAST_NAMES)[0]}."
            elif r < 0.93:
                name = self.pick(_NICKNAMES)
            elif r < 0.97:
                name = f'{self.pick(_FIRST_NAMES)[0]}. {self.pick(_LAST_NAMES)} "{self.pick(_NICKNAMES)}"'
            else:
                name = None  # some 2014/2018 records have no reviewerName
            reviewers.append(_Reviewer(old_id, new_id, name))
        return reviewers

    # -- reviews -----------------------------------------------------------------------------

    def pick(self, seq: Sequence[T]) -> T:
        return seq[int(self.rng.random() * len(seq))]

    # Weighted draws by bisecting cumulative weights: random.choices(k=1) is several times slower.

    def pick_format(self) -> str:
        return FORMATS[bisect(_FORMAT_CUM_WEIGHTS, self.rng.random() * 100, 0, 2)]

    def pick_product(self) -> _Product:
        cw = self.product_cum_weights
        return self.products[bisect(cw, self.rng.random() * cw[-1], 0, len(cw) - 1)]

    def pick_reviewer(self) -> _Reviewer:
        cw = self.reviewer_cum_weights
        return self.reviewers[bisect(cw, self.rng.random() * cw[-1], 0, len(cw) - 1)]

    def rating(self, product: _Product) -> int:
        cw = product.rating_cum_weights
        return 1 + bisect(cw, self.rng.random() * cw[-1], 0, 4)

    def unique_review(self, taken: set[tuple[str, str, int]]) -> _Review:
        """A valid review whose identity is not in ``taken`` yet (and now is)."""
        fmt = self.pick_format()
        product, reviewer = self.pick_product(), self.pick_reviewer()
        ts_ms = self.review_time_ms(fmt, product)
        rid = reviewer.new_id if fmt == "amazon_2023" else reviewer.old_id
        while (product.asin, rid, ts_ms) in taken:
            # Same reviewer, product and day by chance: a real duplicate only where planned.
            product, reviewer = self.pick_product(), self.pick_reviewer()
            ts_ms = self.review_time_ms(fmt, product)
            rid = reviewer.new_id if fmt == "amazon_2023" else reviewer.old_id
        taken.add((product.asin, rid, ts_ms))
        return self.review(fmt, product, reviewer, ts_ms)

    def review_time_ms(self, fmt: str, product: _Product) -> int:
        first, last = _ERAS[fmt]
        # Skewed towards the era's end: review volume grew year over year.
        share = product.launch + (1.0 - product.launch) * self.rng.random() ** 0.6
        day = first + int(share * (last - first))
        if fmt == "amazon_2023":
            return day * _DAY_MS + int(self.rng.random() * _DAY_MS)
        return day * _DAY_MS

    def votes(self) -> int:
        r = self.rng.random()
        if r < 0.6:
            return 0
        if r < 0.995:
            return min(int(self.rng.paretovariate(1.3)), 999)
        return self.rng.randint(1000, 40_000)

    def text(self, product: _Product, rating: int) -> tuple[str, str]:
        rng = self.rng
        pools = _NOUN_POOLS[product.noun]
        sentiment = pools["pos"] if rating >= 4 else pools["neu"] if rating == 3 else pools["neg"]
        general = pools["gen"]
        summary = self.pick(pools[str(rating)])
        random_ = rng.random
        if random_() < 0.005:
            return summary, ""
        k = _SENTENCE_COUNTS[bisect(_SENTENCE_CUM_WEIGHTS, random_() * _SENTENCE_TOTAL)]
        n_sentiment, n_general = len(sentiment), len(general)
        sentences: list[str] = []
        for _ in range(k):
            if random_() < 0.65:
                sentence = sentiment[int(random_() * n_sentiment)]
            else:
                sentence = general[int(random_() * n_general)]
            if sentence not in sentences:
                sentences.append(sentence)
        k = len(sentences)
        if k > 3 and rng.random() < 0.05:
            half = k // 2
            return summary, " ".join(sentences[:half]) + "\n\n" + " ".join(sentences[half:])
        return summary, " ".join(sentences)

    def review(self, fmt: str, product: _Product, reviewer: _Reviewer, ts_ms: int) -> _Review:
        random_ = self.rng.random
        rating = self.rating(product)
        title, text = self.text(product, rating)
        votes = self.votes()
        # Extreme reviews are found more helpful.
        helpful = round(votes * (0.85 if rating in (1, 5) else 0.6) * random_() ** 0.3)
        style = None
        images: tuple[str, ...] = ()
        time_variant = "both"
        loose = False
        if fmt == "amazon_2023":
            reviewer_id, verified = reviewer.new_id, random_() < 0.85
            if random_() < 0.08:
                images = self.image_ids()
        else:
            reviewer_id, verified = reviewer.old_id, random_() < 0.75
            time_variant = _TIME_VARIANTS[bisect(_TIME_VARIANT_CUM_WEIGHTS, random_() * 100)]
            if fmt == "amazon_2014":
                loose = random_() < _LOOSE_SHARE_2014
            else:
                if product.style_kind and random_() < 0.6:
                    style = {key: " " + self.pick(values) for key, values in _STYLES[product.style_kind]}
                if random_() < 0.05:
                    images = self.image_ids()
        return _Review(
            fmt, product, reviewer_id, reviewer.name, rating, title, text, ts_ms, votes, helpful, verified,
            style, images, time_variant, loose,
        )  # fmt: skip

    def image_ids(self) -> tuple[str, ...]:
        rng = self.rng
        return tuple("7" + rng.randbytes(10).translate(_IMAGE_BYTES).decode() for _ in range(rng.randint(1, 3)))

    # -- rendering ---------------------------------------------------------------------------

    def review_time_text(self, ts_ms: int) -> str:
        day = ts_ms // _DAY_MS
        text = self._review_times.get(day)
        if text is None:
            d = date.fromordinal(day + _EPOCH_ORDINAL)
            text = self._review_times[day] = f"{d.month:02d} {d.day}, {d.year}"
        return text

    def _bad_unix(self, loose: bool) -> int | None:
        # Null, zero or negative: unusable however a reader treats it, so reviewTime decides.
        # Never None in a Python literal: readers that take it as single-quoted JSON choke on None.
        return self.pick((0, -1) if loose else (None, 0, -1))

    def _unix_time_field(self, rv: _Review, record: dict) -> None:
        if rv.time_variant in ("both", "unix"):
            record["unixReviewTime"] = rv.ts_ms // 1000
        elif rv.time_variant == "bad_unix":
            record["unixReviewTime"] = self._bad_unix(rv.loose)

    def _review_time_field(self, rv: _Review, record: dict) -> None:
        if rv.time_variant != "unix":
            record["reviewTime"] = self.review_time_text(rv.ts_ms)

    def record(self, rv: _Review) -> dict:
        if rv.fmt == "amazon_2014":
            record: dict = {"reviewerID": rv.reviewer_id, "asin": rv.product.asin}
            if rv.name is not None:
                record["reviewerName"] = rv.name
            record["helpful"] = [rv.helpful, rv.votes]
            record["reviewText"] = rv.text
            record["overall"] = float(rv.rating)
            record["summary"] = rv.title
            self._unix_time_field(rv, record)
            self._review_time_field(rv, record)
            return record
        if rv.fmt == "amazon_2018":
            # The 2018 files put reviewTime early and unixReviewTime late.
            record = {"overall": float(rv.rating), "verified": rv.verified}
            self._review_time_field(rv, record)
            record["reviewerID"] = rv.reviewer_id
            record["asin"] = rv.product.asin
            if rv.style is not None:
                record["style"] = rv.style
            if rv.name is not None:
                record["reviewerName"] = rv.name
            record["reviewText"] = rv.text
            record["summary"] = rv.title
            self._unix_time_field(rv, record)
            if rv.votes:
                record["vote"] = f"{rv.votes:,}"
            if rv.images:
                base = "https://images-na.ssl-images-amazon.com/images/I/"
                record["image"] = [f"{base}{i}._SY88.jpg" for i in rv.images]
            return record
        base = "https://m.media-amazon.com/images/I/"
        return {
            "rating": float(rv.rating),
            "title": rv.title,
            "text": rv.text,
            "images": [
                {
                    "small_image_url": f"{base}{i}._SL256_.jpg",
                    "medium_image_url": f"{base}{i}._SL800_.jpg",
                    "large_image_url": f"{base}{i}.jpg",
                    "attachment_type": "IMAGE",
                }
                for i in rv.images
            ],
            "asin": rv.product.asin,
            "parent_asin": rv.product.parent,
            "user_id": rv.reviewer_id,
            "timestamp": rv.ts_ms,
            "helpful_vote": rv.votes,
            "verified_purchase": rv.verified,
        }

    @staticmethod
    def dump(record: dict, fmt: str, loose: bool) -> str:
        if loose:
            # The "loose" 2014 files hold Python dict literals (single quotes). Only ever for records
            # without None/True/False, which a single-quoted-JSON reader could not take.
            return repr(record)
        # The 2014 strict files are ASCII with \u escapes; the later ones are raw UTF-8.
        return _ascii_json(record) if fmt == "amazon_2014" else _utf8_json(record)

    def line(self, rv: _Review) -> str:
        return self.dump(self.record(rv), rv.fmt, rv.loose)

    # -- duplicates ----------------------------------------------------------------------------

    def duplicate(self, original: _Review, original_line: str) -> str:
        """A line with the original's identity: an exact copy, an edit, or another layout."""
        rng = self.rng
        r = rng.random()
        if r < 0.55:
            return original_line
        rv = replace(original)
        if r < 0.8:
            # The reviewer edited the review: same identity, new rating, text and votes.
            rv.rating = self.rating(rv.product)
            rv.title, rv.text = self.text(rv.product, rv.rating)
            rv.votes = self.votes()
            rv.helpful = min(rv.helpful, rv.votes)
            return self.line(rv)
        # The same review exported again in another layout or encoding.
        if rv.fmt == "amazon_2023":
            return _ascii_json(self.record(rv))
        choice = rng.random()
        if rv.fmt == "amazon_2014" and choice < 0.4:
            rv.loose = not rv.loose
        elif choice < 0.7:
            rv.fmt = "amazon_2023"  # user_id keeps the old reviewerID; timestamp = seconds * 1000
            rv.loose = False
        else:
            rv.fmt = "amazon_2018" if rv.fmt == "amazon_2014" else "amazon_2014"
            rv.loose = False
        return self.line(rv)

    # -- corrupt lines -------------------------------------------------------------------------

    def corrupt(self, reason: str, rv: _Review) -> str:
        """A line that fails for ``reason`` and for no other reason."""
        rng = self.rng
        if reason == "malformed_json":
            if rng.random() < 0.1:
                return self.pick(
                    (
                        "reviewerID,asin,overall,reviewText",
                        "<html><body><h1>503 Service Unavailable</h1></body></html>",
                        "--- end of part 3 ---",
                    )
                )
            whole = self.line(rv)
            # Cut before the closing brace: neither JSON nor a Python literal can parse a prefix.
            return whole[: rng.randint(8, len(whole) - 2)]
        if reason == "unknown_format":
            return self._unknown_format(rv)
        record = self.record(rv)
        new = rv.fmt == "amazon_2023"
        if reason == "missing_product_id":
            if rng.random() < 0.5:
                record["asin"] = ""
            else:
                del record["asin"]
        elif reason == "missing_reviewer_id":
            key = "user_id" if new else "reviewerID"
            if rng.random() < 0.5:
                record[key] = ""
            else:
                del record[key]
        elif reason == "missing_rating":
            del record["rating" if new else "overall"]
        elif reason == "invalid_rating":
            record["rating" if new else "overall"] = self.pick(_INVALID_RATINGS)
        elif reason == "missing_review_time":
            for key in ("timestamp", "unixReviewTime", "reviewTime"):
                record.pop(key, None)
        elif reason == "invalid_review_time":
            if new:
                record["timestamp"] = rv.ts_ms // 1000  # seconds where milliseconds belong: 1970
            else:
                record.pop("reviewTime", None)
                record["unixReviewTime"] = self.pick(
                    (
                        -5,
                        rng.randint(315_532_800, MIN_REVIEW_MS // 1000 - 1),  # 1980-1993
                        rv.ts_ms,  # milliseconds where seconds belong: far beyond 2100
                    )
                )
        else:
            raise ValueError(f"unknown reason {reason!r}")
        return self.dump(record, rv.fmt, rv.loose)

    def _unknown_format(self, rv: _Review) -> str:
        rng = self.rng
        p = rv.product
        kind = rng.randrange(4)
        if kind == 0:
            record: dict = {"foo": 1}
        elif kind == 1:  # a 2014 product-metadata line in the review dump
            record = {
                "asin": p.asin,
                "title": p.noun.title(),
                "price": round(rng.uniform(3, 300), 2),
                "imUrl": f"http://ecx.images-amazon.com/images/I/5{self._alnum(10)}.jpg",
                "salesRank": {"Books": rng.randint(1, 3_000_000)},
                "categories": [["Books"]],
            }
        elif kind == 2:  # a 2023 item-metadata line
            record = {
                "main_category": "All Beauty",
                "title": p.noun.title(),
                "average_rating": round(rng.uniform(1, 5), 1),
                "rating_number": rng.randint(1, 5000),
                "features": [],
                "price": round(rng.uniform(3, 300), 2),
                "store": "Acme",
                # No parent_asin: a reader may take any 2023-only field as the 2023 marker.
            }
        else:  # the Amazon Customer Reviews (TSV) columns
            record = {
                "marketplace": "US",
                "customer_id": str(rng.randint(10_000, 53_000_000)),
                "review_id": "R" + self._alnum(13),
                "product_id": p.asin,
                "star_rating": rv.rating,
                "review_body": rv.text,
                "review_date": date.fromordinal(rv.ts_ms // _DAY_MS + _EPOCH_ORDINAL).isoformat(),
            }
        return self.dump(record, "amazon_2018", loose=rng.random() < 0.1)


_BLANKS = ("", " ", "\t", "  ", " \t ")
# Not integral numbers from 1 to 5 (no None: that could read as missing; no bools: True == 1).
_INVALID_RATINGS = (0.0, 6.0, 4.5, "five", 0, 6, 2.5, -1.0, 10.0)


def _zipf(n: int, exponent: float) -> tuple[float, ...]:
    """Cumulative Zipf-Mandelbrot weights; the offset keeps the head from taking too large a share."""
    return tuple(accumulate(1.0 / (i + 5) ** exponent for i in range(n)))


def _count(rows: int, share: float, name: str) -> int:
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"{name} must be within [0, 1], got {share}")
    return round(rows * share)


def generate(
    rows: int,
    *,
    corrupt_share: float = 0.02,
    duplicate_share: float = 0.01,
    blank_share: float = 0.001,
    seed: int = 7,
    start_line_bom: bool = False,
    crlf: bool = False,
) -> tuple[list[str], SampleStats]:
    """Generate a review dump of ``rows`` non-blank lines plus ``round(rows * blank_share)`` blank ones.

    Each returned string is one physical line with its terminator (``\\n``, or ``\\r\\n`` with
    ``crlf``), so ``"".join(lines)`` is the file's text; ``start_line_bom`` puts U+FEFF before
    the first line. The first line is a valid record whenever there is one. Counts of corrupt
    and duplicate lines are ``round(rows * share)``; the same arguments always give the same lines.
    """
    if rows < 0:
        raise ValueError(f"rows must be >= 0, got {rows}")
    corrupt = _count(rows, corrupt_share, "corrupt_share")
    duplicates = _count(rows, duplicate_share, "duplicate_share")
    blank = _count(rows, blank_share, "blank_share")
    valid = rows - corrupt - duplicates
    if valid < 0 or (duplicates and not valid):
        raise ValueError("corrupt_share + duplicate_share leave no valid record for the duplicates to repeat")

    with _gc_paused():
        out, by_format, corrupt_by_reason = _lines(rows, valid, duplicates, corrupt, blank, seed, crlf)
    if start_line_bom and out:
        out[0] = "\ufeff" + out[0]
    stats = SampleStats(
        lines=len(out),
        valid=valid,
        duplicates=duplicates,
        corrupt=corrupt,
        blank=blank,
        by_format=by_format,
        corrupt_by_reason=corrupt_by_reason,
    )
    return out, stats


@contextmanager
def _gc_paused() -> Iterator[None]:
    # Tens of thousands of small long-lived objects: the cyclic collector would rescan them
    # over and over (a quarter of the run time) and can never free any of them.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _lines(
    rows: int, valid: int, duplicates: int, corrupt: int, blank: int, seed: int, crlf: bool
) -> tuple[list[str], dict[str, int], dict[str, int]]:
    gen = _Generator(rows, seed)
    rng = gen.rng
    kinds = ["v"] * valid + ["d"] * duplicates + ["c"] * corrupt
    rng.shuffle(kinds)
    if valid and kinds[0] != "v":
        # The first line is valid: a duplicate needs an earlier record, and a BOM stays off blanks.
        first = kinds.index("v")
        kinds[0], kinds[first] = kinds[first], kinds[0]
    # Reasons cycle through a shuffled pattern, so every reason shows up once there are 10 corrupt lines.
    pattern = ["malformed_json", *REASONS]
    pattern.insert(5, "malformed_json")
    rng.shuffle(pattern)
    blanks_after = [0] * rows
    for i in rng.choices(range(rows), k=blank) if rows else ():
        blanks_after[i] += 1

    taken: set[tuple[str, str, int]] = set()
    written: list[tuple[_Review, str]] = []
    by_format = dict.fromkeys(FORMATS, 0)
    corrupt_by_reason = dict.fromkeys(REASONS, 0)
    newline = "\r\n" if crlf else "\n"
    out: list[str] = []
    corrupt_seen = 0
    for i, kind in enumerate(kinds):
        if kind == "v":
            rv = gen.unique_review(taken)
            text = gen.line(rv)
            written.append((rv, text))
            by_format[rv.fmt] += 1
        elif kind == "d":
            # Re-exports tend to repeat recent records.
            if rng.random() < 0.5:
                original, original_text = written[-1 - int(rng.random() * min(20, len(written)))]
            else:
                original, original_text = written[int(rng.random() * len(written))]
            text = gen.duplicate(original, original_text)
        else:
            reason = pattern[corrupt_seen % len(pattern)]
            corrupt_seen += 1
            fmt = gen.pick_format()
            product = gen.pick_product()
            rv = gen.review(fmt, product, gen.pick_reviewer(), gen.review_time_ms(fmt, product))
            text = gen.corrupt(reason, rv)
            corrupt_by_reason[reason] += 1
        out.append(text + newline)
        for _ in range(blanks_after[i]):
            out.append(gen.pick(_BLANKS) + newline)
    return out, by_format, corrupt_by_reason


def write_sample(path: Path, rows: int, **options: Any) -> SampleStats | shop.SampleStats:
    """Write a sample to ``path``: the shop's own review form when it ends in ``.csv`` (see
    :func:`write_store_sample`), else ``generate(rows, **options)``'s Amazon dump lines, as UTF-8
    (gzip when it ends in ``.gz``).

    ``options`` are generate's keyword arguments, with its defaults (and ``day`` for the store form).
    """
    if Path(path).name.removesuffix(".gz").endswith(".csv"):
        allowed = {"corrupt_share", "duplicate_share", "seed", "day", "until", "sessions_per_day"}
        return write_store_sample(path, rows, **{k: v for k, v in options.items() if k in allowed})
    options.pop("day", None)
    lines, stats = generate(rows, **options)
    shop.write_text(Path(path), "".join(lines))
    return stats


# -- the shop's own review form -----------------------------------------------------------------
STORE_HEADER = ("review_id", "product_id", "customer_id", "rating", "review_text", "review_date")
# The reasons a row of the store form can be quarantined for, one corrupt row each in turn.
STORE_REASONS = (
    "malformed_row",
    "missing_review_id",
    "missing_product_id",
    "missing_reviewer_id",
    "missing_rating",
    "invalid_rating",
    "missing_review_time",
    "invalid_review_time",
)


def write_store_sample(
    path: Path,
    rows: int | None,
    *,
    corrupt_share: float = 0.02,
    duplicate_share: float = 0.01,
    seed: int = 2026,
    day: date | None = None,
    until: date | None = None,
    sessions_per_day: int = 60,
) -> shop.SampleStats:
    """The shop's review form export of one day: reviews written by customers about products they
    bought that day (the shop's simulated visits), as CSV with a header; some texts hold commas,
    quotes and line breaks. ``rows`` records, of which round(rows × share) repeat an earlier
    review exactly and round(rows × share) are broken, one reason each in turn. With ``until``:
    the reviews of every day from ``day`` to ``until`` (``rows`` None: all of them)."""
    day = day or date(2026, 12, 1)
    rng = random.Random(f"store-reviews-{seed}-{day}")  # noqa: S311 - reproducible samples
    reviews, available = shop.records(
        lambda s: s.reviews, seed=seed, day=day, until=until, sessions_per_day=sessions_per_day
    )
    if rows is None:
        if available is None:
            raise ValueError("rows is required without until")
        rows = round(available / (1 - duplicate_share))
    kinds = shop.plan_kinds(rows, corrupt_share, duplicate_share, rng)
    written: list[str] = []
    out = [shop.csv_line(list(STORE_HEADER))]
    by_reason = dict.fromkeys(STORE_REASONS, 0)
    corrupt_seen = 0
    for kind in kinds:
        if kind == "d":
            out.append(rng.choice(written[-20:]))
            continue
        rv = next(reviews)
        text = rv.text.replace(". ", ".\n", 1) if rng.random() < 0.2 else rv.text
        if rng.random() < 0.2:
            text += " Sturdy, light, and cheap."
        row = [rv.review_id, rv.product_id, rv.customer_id, rv.rating, text, rv.ts.isoformat().replace("+00:00", "Z")]
        if kind == "v":
            line = shop.csv_line(row)
            written.append(line)
            out.append(line)
            continue
        reason = STORE_REASONS[corrupt_seen % len(STORE_REASONS)]
        corrupt_seen += 1
        by_reason[reason] += 1
        broken = {
            "missing_review_id": {0: ""},
            "missing_product_id": {1: " "},
            "missing_reviewer_id": {2: ""},
            "missing_rating": {3: ""},
            "invalid_rating": {3: rng.choice(("0", "6", "4.5", "five"))},
            "missing_review_time": {5: ""},
            "invalid_review_time": {5: rng.choice(("2026-02-30", "yesterday", "1990-05-01"))},
        }
        if reason == "malformed_row":
            out.append(shop.csv_line([*row, "an extra field"]))
        else:
            out.append(shop.csv_line([broken[reason].get(i, v) for i, v in enumerate(row)]))
    shop.write_text(Path(path), "\n".join(out) + "\n")
    valid = kinds.count("v")
    return shop.SampleStats(rows, valid, kinds.count("d"), kinds.count("c"), by_reason)


def describe(stats: SampleStats | shop.SampleStats) -> str:
    """One line for humans, e.g. ``1,000 lines: 968 valid (2014: 290, …), 10 duplicates, …``."""
    if isinstance(stats, shop.SampleStats):
        return stats.describe()
    formats = ", ".join(f"{fmt.removeprefix('amazon_')}: {n:,}" for fmt, n in stats.by_format.items())
    reasons = ", ".join(f"{reason} {n:,}" for reason, n in stats.corrupt_by_reason.items() if n)
    return (
        f"{stats.lines:,} lines: {stats.valid:,} valid ({formats}), {stats.duplicates:,} duplicates, "
        f"{stats.corrupt:,} corrupt" + (f" ({reasons})" if reasons else "") + f", {stats.blank:,} blank"
    )


# -- the demo ------------------------------------------------------------------------------------
def demo_files(samples: Path, rows: int, day: date) -> list[shop.DemoFile]:
    """What ``make demo`` lands for reviews: an Amazon dump of ``rows`` lines, a late batch, the
    shop's own review form over its history, and a file that is no review dump at all (rejected)."""
    big = samples / f"reviews-mixed-{rows // 1000}k.jsonl.gz"
    small = samples / "reviews-late-batch.ndjson"
    first = day - timedelta(days=shop.HISTORY_DAYS - 1)
    store = samples / f"store-reviews-{first}_{day}.csv"
    junk = samples / "notes.txt"
    junk.parent.mkdir(parents=True, exist_ok=True)
    junk.write_text("this is not a review dump\n")
    late_rows = max(rows // 25, 100)
    return [
        shop.DemoFile(big, "reviews", None, write_sample(big, rows, corrupt_share=0.02, duplicate_share=0.01, seed=7)),
        shop.DemoFile(
            small, "reviews", None, write_sample(small, late_rows, corrupt_share=0.05, duplicate_share=0.02, seed=11)
        ),
        shop.DemoFile(store, "reviews", day, write_store_sample(store, None, corrupt_share=0.05, day=first, until=day)),
        shop.DemoFile(junk, "reviews", None, None, rejection="unsupported_file_type"),
    ]


# What reached the marts (the demo prints these after the transform).
DEMO_QUERIES = {
    "Reviews by source format (marts.fct_reviews)": """
        select source_format, count(*) as reviews, round(avg(rating), 2) as avg_rating,
               sum(image_count) as images, round(avg(helpful_votes), 2) as avg_helpful
        from marts.fct_reviews group by source_format order by source_format""",
    "Top products by Bayesian average (marts.product_rating_summary, at least 20 reviews)": """
        select product_id, review_count, round(average_rating, 2) as average_rating,
               round(bayesian_average, 3) as bayesian_average, round(verified_share, 2) as verified_share
        from marts.product_rating_summary where review_count >= 20
        order by bayesian_average desc, product_id limit 5""",
    "Rating distribution (marts.fct_reviews)": """
        select rating, count(*) as reviews, round(100.0 * count(*) / sum(count(*)) over (), 1) as pct
        from marts.fct_reviews group by rating order by rating""",
}
