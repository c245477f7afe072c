"""Geometry of the burndown and velocity charts, drawn as SVG by the templates (STYLE 8).

Pure: no Django, no clock. It takes the very numbers the selectors return (and the API
serves) and only places them on a canvas, so the picture and its table never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from scheduling.agile import BurndownDay

__all__ = ["BurndownChart", "VelocityChart", "burndown_chart", "nice_ticks", "velocity_chart"]

WIDTH = 760
HEIGHT = 280
LEFT, RIGHT, TOP, BOTTOM = 44, 30, 24, 40


@dataclass(frozen=True, slots=True)
class Tick:
    value: float
    y: float
    label: str


@dataclass(frozen=True, slots=True)
class DayMark:
    x: float
    label: str
    day: date


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    value: float


@dataclass(frozen=True, slots=True)
class BurndownChart:
    width: int
    height: int
    left: int
    right: float  # x of the plot's right edge
    top: int
    bottom: float  # y of the x axis
    ticks: list[Tick]
    days: list[DayMark]
    ideal: str  # SVG polyline points
    actual: str
    actual_points: list[Point]
    today_x: float | None
    today_label: str


def nice_ticks(top: float, *, most: int = 5) -> list[float]:
    """Round axis values 0, step, 2·step… reaching at least ``top``, at most ``most`` + 1."""
    top = max(top, 1)
    raw = top / most
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(step, 1) if top >= 1 else step
    count = math.ceil(top / step)
    return [round(i * step, 6) for i in range(count + 1)]


def _label(value: float) -> str:
    return f"{value:g}"


def burndown_chart(days: Sequence[BurndownDay], today: date) -> BurndownChart:
    """Place each working day on the x axis, points remaining on the y axis."""
    plot_right = WIDTH - RIGHT
    plot_bottom = HEIGHT - BOTTOM
    highest = max(
        [d.ideal for d in days] + [d.remaining for d in days if d.remaining is not None] + [1]
    )
    ticks = nice_ticks(highest)
    ceiling = ticks[-1] or 1
    span = max(len(days) - 1, 1)

    def x_of(index: int) -> float:
        return round(LEFT + (plot_right - LEFT) * index / span, 1)

    def y_of(value: float) -> float:
        return round(plot_bottom - (plot_bottom - TOP) * value / ceiling, 1)

    # Label about eight days across the axis, always the first and the last.
    every = max(1, math.ceil(len(days) / 8))
    marks = [
        DayMark(x_of(i), f"{d.day.day} {d.day:%b}", d.day)
        for i, d in enumerate(days)
        if i % every == 0 or i == len(days) - 1
    ]
    if len(marks) >= 2 and marks[-1].x - marks[-2].x < (plot_right - LEFT) / 16:
        marks.pop(-2)  # the last label would overlap its neighbour
    actual = [
        Point(x_of(i), y_of(d.remaining), d.remaining)
        for i, d in enumerate(days)
        if d.remaining is not None
    ]
    today_x = None
    for i, d in enumerate(days):
        if d.day == today:
            today_x = x_of(i)
    if today_x is None and days and days[0].day < today < days[-1].day:
        # Today is not a working day: mark it between the working days around it.
        before = max(i for i, d in enumerate(days) if d.day < today)
        today_x = round((x_of(before) + x_of(before + 1)) / 2, 1)
    return BurndownChart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=plot_right,
        top=TOP,
        bottom=plot_bottom,
        ticks=[Tick(t, y_of(t), _label(t)) for t in ticks],
        days=marks,
        ideal=" ".join(f"{x_of(i)},{y_of(d.ideal)}" for i, d in enumerate(days)),
        actual=" ".join(f"{p.x},{p.y}" for p in actual),
        actual_points=actual,
        today_x=today_x,
        today_label=f"Today {today.day} {today:%b}",
    )


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    width: float
    y: float
    height: float
    label_x: float
    label: str
    value: int
    committed_y: float | None
    committed_height: float


@dataclass(frozen=True, slots=True)
class VelocityChart:
    width: int
    height: int
    left: int
    right: float
    top: int
    bottom: float
    ticks: list[Tick]
    bars: list[Bar]
    mean_y: float | None
    mean_label: str


def velocity_chart(rows: Sequence[tuple[str, int, int]], mean: float | None) -> VelocityChart:
    """One bar per closed sprint (label, points done, points committed) and the mean line."""
    plot_right = WIDTH - RIGHT
    plot_bottom = HEIGHT - BOTTOM
    highest = max([done for _, done, _ in rows] + [c for _, _, c in rows] + [mean or 0, 1])
    ticks = nice_ticks(highest)
    ceiling = ticks[-1] or 1
    slot = (plot_right - LEFT) / max(len(rows), 1)
    width = min(56.0, slot * 0.6)

    def y_of(value: float) -> float:
        return round(plot_bottom - (plot_bottom - TOP) * value / ceiling, 1)

    bars = []
    for i, (label, done, committed) in enumerate(rows):
        x = round(LEFT + slot * i + (slot - width) / 2, 1)
        bars.append(
            Bar(
                x=x,
                width=round(width, 1),
                y=y_of(done),
                height=round(plot_bottom - y_of(done), 1),
                label_x=round(x + width / 2, 1),
                label=label,
                value=done,
                committed_y=y_of(committed) if committed else None,
                committed_height=round(plot_bottom - y_of(committed), 1),
            )
        )
    return VelocityChart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=plot_right,
        top=TOP,
        bottom=plot_bottom,
        ticks=[Tick(t, y_of(t), _label(t)) for t in ticks],
        bars=bars,
        mean_y=y_of(mean) if mean is not None else None,
        mean_label=f"Mean of last 3: {mean:.1f}" if mean is not None else "",
    )
