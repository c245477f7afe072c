"""Geometry of the risk charts (heat map, trend, forecast histogram, S-curve and tornado), drawn
as SVG by the templates (STYLE 8).

Pure: no Django, no clock. It takes the very numbers the selectors return and the API serves
(``heat_map``, ``risk_trend``, a forecast run's stored ``results``) and only places them on a
canvas, so the picture and the table beside it never disagree.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

CELL = 64
GRID_LEFT, GRID_TOP = 44, 8
WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 12, 40
LEVELS = ("low", "medium", "high", "critical")


@dataclass(frozen=True, slots=True)
class HeatCell:
    x: int
    y: int
    probability: int
    impact: int
    level: str
    count: int
    risk_ids: tuple[int, ...]


def heat_cells(grid: Sequence[Sequence[dict[str, Any]]]) -> list[HeatCell]:
    """The 25 squares of a ``heat_map`` grid (rows probability 5…1, columns impact 1…5)."""
    return [
        HeatCell(
            x=GRID_LEFT + col * CELL,
            y=GRID_TOP + row * CELL,
            probability=cell["probability"],
            impact=cell["impact"],
            level=cell["level"],
            count=cell["count"],
            risk_ids=tuple(cell["risk_ids"]),
        )
        for row, cells in enumerate(grid)
        for col, cell in enumerate(cells)
    ]


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: float
    key: str = ""


@dataclass(frozen=True, slots=True)
class Tick:
    """A labelled mark on an axis: ``x`` on the time axis, or ``y`` on the value axis."""

    position: float
    label: str


@dataclass(frozen=True, slots=True)
class BarChart:
    width: int
    height: int
    baseline: float
    bars: list[Bar]
    highest: float
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    left: float = LEFT


def _plot() -> tuple[float, float]:
    return WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


#: At most this many dates are written under a time axis (first and last always).
DATE_TICKS = 6


def day_label(iso: str) -> str:
    """An ISO date as the pages write it: "2027-06-21" → "21 Jun 2027"."""
    day = datetime.date.fromisoformat(iso)
    return f"{day.day} {day:%b %Y}"


def _date_ticks(rows: Sequence[dict[str, Any]], x_of: Any) -> list[Tick]:
    """Evenly spread dates of ``rows`` (first and last included) at ``x_of(i)``."""
    n = len(rows)
    if n == 0:
        return []
    count = min(n, DATE_TICKS)
    picks = sorted({round(k * (n - 1) / max(count - 1, 1)) for k in range(count)})
    return [Tick(x_of(i), day_label(rows[i]["date"])) for i in picks]


def histogram(rows: Sequence[dict[str, Any]]) -> BarChart:
    """One bar per finish date (``results["finish_histogram"]``), height by count."""
    plot_w, plot_h = _plot()
    highest = max([r["count"] for r in rows] or [1]) or 1
    step = plot_w / max(len(rows), 1)
    bars = [
        Bar(
            x=LEFT + i * step,
            y=TOP + plot_h - r["count"] / highest * plot_h,
            width=max(step - 1, 1),
            height=r["count"] / highest * plot_h,
            label=r["date"],
            value=r["count"],
        )
        for i, r in enumerate(rows)
    ]
    y_ticks = [
        Tick(TOP + plot_h - value / highest * plot_h, f"{value:g}")
        for value in sorted({0, round(highest / 2), highest})
    ]
    x_ticks = _date_ticks(rows, lambda i: LEFT + i * step + max(step - 1, 1) / 2)
    return BarChart(WIDTH, HEIGHT, TOP + plot_h, bars, highest, x_ticks, y_ticks)


@dataclass(frozen=True, slots=True)
class Curve:
    width: int
    height: int
    points: str
    baseline: float
    first: str
    last: str
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    left: float = LEFT


def s_curve(rows: Sequence[dict[str, Any]]) -> Curve:
    """The cumulative share of iterations finished by each date (0–100 %) as a polyline."""
    plot_w, plot_h = _plot()
    step = plot_w / max(len(rows) - 1, 1)
    points = " ".join(
        f"{LEFT + i * step:.1f},{TOP + plot_h - r['percent'] / 100 * plot_h:.1f}"
        for i, r in enumerate(rows)
    )
    first = day_label(rows[0]["date"]) if rows else ""
    last = day_label(rows[-1]["date"]) if rows else ""
    y_ticks = [Tick(TOP + plot_h - p / 100 * plot_h, f"{p} %") for p in (0, 50, 100)]
    x_ticks = _date_ticks(rows, lambda i: LEFT + i * step)
    return Curve(WIDTH, HEIGHT, points, TOP + plot_h, first, last, x_ticks, y_ticks)


def tornado(drivers: Sequence[dict[str, Any]], *, limit: int = 10) -> BarChart:
    """Horizontal bars from a centre line, one per driver, length by |rank correlation|:
    right for drivers that push the finish later, left for those that pull it earlier."""
    row_h = 22
    rows = list(drivers)[:limit]
    centre = WIDTH / 2 + 80
    half = WIDTH - centre - RIGHT
    bars = []
    for i, d in enumerate(rows):
        value = float(d["correlation"])
        length = abs(value) * half
        bars.append(
            Bar(
                x=centre if value >= 0 else centre - length,
                y=TOP + i * row_h,
                width=max(length, 1),
                height=row_h - 6,
                label=d["name"],
                value=value,
                key=d["kind"],
            )
        )
    return BarChart(WIDTH, TOP + len(rows) * row_h + 24, centre, bars, 1.0)


@dataclass(frozen=True, slots=True)
class Stack:
    x: float
    width: float
    label: str
    parts: list[tuple[str, float, float, int]]  # level, y, height, count


def trend(points: Sequence[dict[str, Any]]) -> tuple[BarChart, list[Stack]]:
    """Stacked bars of live risks per level at the end of each week (``risk_trend``)."""
    plot_w, plot_h = _plot()
    highest = max([sum(p[lv] for lv in LEVELS) for p in points] or [1]) or 1
    step = plot_w / max(len(points), 1)
    stacks = []
    for i, p in enumerate(points):
        y = TOP + plot_h
        parts = []
        for lv in LEVELS:
            h = p[lv] / highest * plot_h
            y -= h
            parts.append((lv, y, h, p[lv]))
        stacks.append(Stack(LEFT + i * step, max(step - 4, 1), str(p["week"]), parts))
    return BarChart(WIDTH, HEIGHT, TOP + plot_h, [], highest), stacks
