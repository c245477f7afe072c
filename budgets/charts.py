"""Geometry of the money charts (the budget burn chart and the earned-value S-curve), drawn as
SVG by the templates (STYLE 8); the money wording is projects.money.

Pure: no Django, no clock. It takes the very numbers the selectors return (and the API serves)
and only places them on a canvas, so the picture and the table beside it never disagree.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from projects.money import money_short
from scheduling.agile_charts import nice_ticks

__all__ = ["TimeChart", "time_chart"]

WIDTH = 820
HEIGHT = 300
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 18, 42


@dataclass(frozen=True, slots=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True, slots=True)
class DateMark:
    x: float
    label: str


@dataclass(frozen=True, slots=True)
class Line:
    """One series as an SVG polyline (``points``); ``dots`` mark each known value."""

    key: str
    label: str
    points: str
    last: tuple[float, float] | None


@dataclass(frozen=True, slots=True)
class Level:
    """A horizontal reference line (the approved budget)."""

    key: str
    label: str
    y: float


@dataclass(frozen=True, slots=True)
class TimeChart:
    width: int
    height: int
    left: int
    right: float
    top: int
    bottom: float
    ticks: list[Tick]
    dates: list[DateMark]
    lines: list[Line]
    levels: list[Level]
    marker_x: float | None
    marker_label: str


def time_chart(
    dates: Sequence[datetime.date],
    lines: Sequence[tuple[str, str, Sequence[Decimal | None]]],
    *,
    currency: str,
    levels: Sequence[tuple[str, str, Decimal]] = (),
    marker: datetime.date | None = None,
    marker_label: str = "",
) -> TimeChart:
    """Cumulative money over time: ``lines`` are (key, label, one value per date, ``None`` where
    unknown); ``levels`` horizontal lines; ``marker`` a vertical line (the status date). Dates
    are placed by calendar day, so a status date inside a week sits where it falls."""
    plot_right = WIDTH - RIGHT
    plot_bottom = HEIGHT - BOTTOM
    values = [float(v) for _, _, vs in lines for v in vs if v is not None]
    values += [float(v) for _, _, v in levels]
    highest = max([*values, 1.0])
    lowest = min([*values, 0.0])
    ticks = nice_ticks(highest)
    ceiling = ticks[-1] or 1.0
    # Credits can make cumulative cost dip below zero; keep the axis at zero otherwise.
    floor = min(lowest, 0.0)
    first = dates[0] if dates else (marker or datetime.date.min)
    last = dates[-1] if dates else first
    span = max((last - first).days, 1)

    def x_of(day: datetime.date) -> float:
        return round(LEFT + (plot_right - LEFT) * (day - first).days / span, 1)

    def y_of(value: float) -> float:
        return round(plot_bottom - (plot_bottom - TOP) * (value - floor) / (ceiling - floor), 1)

    drawn = []
    for key, label, series in lines:
        known = [
            (x_of(d), y_of(float(v))) for d, v in zip(dates, series, strict=True) if v is not None
        ]
        drawn.append(
            Line(
                key=key,
                label=label,
                points=" ".join(f"{x},{y}" for x, y in known),
                last=known[-1] if known else None,
            )
        )
    # About eight date labels across the axis, always the first and the last.
    every = max(1, -(-len(dates) // 8))
    marks = [
        DateMark(x_of(d), f"{d.day} {d:%b}" + (f" {d:%y}" if i == 0 else ""))
        for i, d in enumerate(dates)
        if i % every == 0 or i == len(dates) - 1
    ]
    if len(marks) >= 2 and marks[-1].x - marks[-2].x < (plot_right - LEFT) / 14:
        marks.pop(-2)
    marker_x = x_of(marker) if marker is not None and first <= marker <= last else None
    return TimeChart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=plot_right,
        top=TOP,
        bottom=plot_bottom,
        ticks=[Tick(y_of(t), money_short(t, currency)) for t in ticks],
        dates=marks,
        lines=drawn,
        levels=[Level(key, label, y_of(float(v))) for key, label, v in levels],
        marker_x=marker_x,
        marker_label=marker_label,
    )
