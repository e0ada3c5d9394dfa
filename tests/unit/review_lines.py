"""Review lines of each generation, shared by the unit tests, and the review id computed without Spark."""

from __future__ import annotations

import hashlib


def review_id(product: str, reviewer: str, epoch_ms: int) -> str:
    """The review id as the contract defines it, computed independently of Spark."""
    return hashlib.sha256(f"{product}\x1f{reviewer}\x1f{epoch_ms}".encode()).hexdigest()[:32]


LINE_2014 = (
    '{"reviewerID": "A2SUAM1J3GNN3B", "asin": "0000013714", "reviewerName": "J. McDonald", '
    '"helpful": [2, 3], "reviewText": "I bought this for my husband.", "overall": 5.0, '
    '"summary": "Heavenly Highway Hymns", "unixReviewTime": 1252800000, "reviewTime": "09 13, 2009"}'
)
LINE_2018 = (
    '{"overall": 4.0, "vote": "1,234", "verified": true, "reviewTime": "01 5, 2014", "reviewerID": "A2018", '
    '"asin": "B00002018", "style": {"Size:": " Large", " Color Name: ": " Black ", "size:": "ignored"}, '
    '"reviewerName": "Ann", "reviewText": "Fits well.", "summary": "Good", "unixReviewTime": 1388880000, '
    '"image": ["https://img/1.jpg", "https://img/2.jpg"]}'
)
LINE_2023 = (
    '{"rating": 3.0, "title": "Okay", "text": "Works.", "images": ['
    '{"small_image_url": "https://s/1.jpg", "medium_image_url": "https://m/1.jpg", '
    '"large_image_url": "https://l/1.jpg", "attachment_type": "IMAGE"}, '
    '{"small_image_url": "https://s/2.jpg", "medium_image_url": null, '
    '"large_image_url": "https://l/2.jpg", "attachment_type": "IMAGE"}], '
    '"asin": "B0C2023", "parent_asin": "P0C2023", "user_id": "AGU2023", "timestamp": 1588687728923, '
    '"verified_purchase": false}'
)
