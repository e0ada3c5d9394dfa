"""Axes the pages share: counts as whole numbers, months as months."""

from __future__ import annotations

import altair as alt


def count_y(field: str, title: str) -> alt.Y:
    return alt.Y(f"{field}:Q", title=title, axis=alt.Axis(format=",d", tickMinStep=1))


def count_x(field: str, title: str) -> alt.X:
    return alt.X(f"{field}:Q", title=title, axis=alt.Axis(format=",d", tickMinStep=1))


def month_x(field: str = "review_month") -> alt.X:
    return alt.X(f"yearmonth({field}):T", title="Month", axis=alt.Axis(format="%b %Y"))


def day_x(field: str = "committed_date") -> alt.X:
    return alt.X(f"yearmonthdate({field}):O", title="Day (UTC)", axis=alt.Axis(labelAngle=0))


def rating_y(field: str = "average_rating") -> alt.Y:
    return alt.Y(f"{field}:Q", title="Average rating", scale=alt.Scale(domain=[1, 5]))
