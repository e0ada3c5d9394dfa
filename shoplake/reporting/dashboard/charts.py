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


def daily_stacked_bars(data, series: str, title: str | None, colors: dict[str, str] | None = None) -> alt.Chart:
    """``records`` per ``committed_date`` stacked by ``series``; with ``colors``, stacked in its order
    and drawn in its colours."""
    scale, order = alt.Undefined, alt.Undefined
    if colors:
        scale = alt.Scale(domain=list(colors), range=list(colors.values()))
        order = alt.Order("stack_order:Q")
        data = data.assign(stack_order=data[series].map({s: i for i, s in enumerate(colors)}))
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=day_x(),
            y=count_y("records", "Records"),
            color=alt.Color(f"{series}:N", title=title, scale=scale),
            order=order,
            tooltip=[
                alt.Tooltip("committed_date:T", title="Day", format="%Y-%m-%d"),
                f"{series}:N",
                alt.Tooltip("records:Q", format=",d"),
            ],
        )
    )
