"""Numbers and times as people read them."""

from __future__ import annotations

from datetime import UTC, datetime


def count(value: int | None) -> str:
    """12345 -> '12,345'; large values compact: 1234567 -> '1.23 M'."""
    if value is None:
        return "–"
    if abs(value) >= 10_000_000:
        return f"{value / 1_000_000:,.1f} M"
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:,.2f} M"
    return f"{value:,}"


def amount(value: float | None) -> str:
    """Money in the shop's currency: 12345.5 -> '12,345.50'; millions compact: '1.23 M'."""
    if value is None:
        return "–"
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:,.2f} M"
    return f"{value:,.2f}"


def rating(value: float | None) -> str:
    """4.2167 -> '4.22 ★'."""
    return "–" if value is None else f"{value:.2f} ★"


def share(value: float | None, digits: int = 1) -> str:
    """0.3751 -> '37.5%'."""
    return "–" if value is None else f"{value * 100:.{digits}f}%"


def seconds(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 60:
        return f"{value:.1f} s"
    minutes, secs = divmod(round(value), 60)
    return f"{minutes} min {secs:02d} s"


def ago(moment: datetime, now: datetime | None = None) -> str:
    """How long before ``now``: 'just now', '12 min ago', '3 h ago', '2 days ago'."""
    now = now or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = (now - moment).total_seconds()
    if delta < 60:
        return "just now"
    if delta < 3600:
        return f"{int(delta // 60)} min ago"
    if delta < 2 * 86400:
        return f"{int(delta // 3600)} h ago"
    return f"{int(delta // 86400)} days ago"


def timestamp(moment: datetime) -> str:
    """'2026-11-23 10:41 UTC' (naive values are UTC, as the warehouse keeps them)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def file_name(uri: str) -> str:
    """The object key's last part: 's3://b/reviews/2024/x.jsonl.gz' -> 'x.jsonl.gz'."""
    return uri.rstrip("/").rsplit("/", 1)[-1]
