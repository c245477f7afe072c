"""Charts of the weekly status report: health per dimension, the SPI/CPI trend, the budget bars.

Pure: no Django, no clock. Each chart is laid out once as a list of simple shapes (rectangles,
lines, polylines, dots, text) from the report's frozen figures; ``svg`` draws them for the page
and the PDF, and ``reports.mail_charts`` paints the very same shapes as a PNG for mail clients
that do not show SVG (STYLE 8), so the three never disagree. Each chart carries its words
(``alt``), which the templates show beside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from html import escape

from projects.money import money

__all__ = [
    "Chart",
    "Dot",
    "Line",
    "Polyline",
    "Rect",
    "Text",
    "budget_chart",
    "health_chart",
    "svg",
    "trend_chart",
]

RAG_COLOURS = {"green": "#1e7b34", "amber": "#a35c00", "red": "#b3261e", "": "#6b7280"}
INK = "#1f2933"
MUTED = "#52606d"
GRID = "#d9dee4"
SPI_COLOUR = "#1d4ed8"
CPI_COLOUR = "#b3261e"


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    radius: float = 0


@dataclass(frozen=True, slots=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str
    width: float = 1
    dashed: bool = False


@dataclass(frozen=True, slots=True)
class Polyline:
    points: tuple[tuple[float, float], ...]
    stroke: str
    width: float = 2


@dataclass(frozen=True, slots=True)
class Dot:
    x: float
    y: float
    r: float
    fill: str


@dataclass(frozen=True, slots=True)
class Text:
    x: float
    y: float  # baseline
    text: str
    size: float = 12
    fill: str = INK
    anchor: str = "start"  # start | middle | end
    bold: bool = False


Shape = Rect | Line | Polyline | Dot | Text


@dataclass(frozen=True, slots=True)
class Chart:
    """A picture: ``width`` × ``height`` user units, its shapes in drawing order, its words."""

    name: str
    title: str
    width: int
    height: int
    alt: str
    shapes: tuple[Shape, ...] = field(default_factory=tuple)


# --- layouts --------------------------------------------------------------------------------------


def health_chart(overall: dict, dimensions: Sequence[dict]) -> Chart:
    """One row per rating (overall first): its name and a coloured pill that says its word."""
    rows = [("Overall", overall.get("rag", ""))] + [
        (d["label"], d.get("rag", "")) for d in dimensions
    ]
    row_h, width = 30, 300
    shapes: list[Shape] = []
    words = []
    for i, (label, rag) in enumerate(rows):
        top = 6 + i * row_h
        word = rag.capitalize() if rag else "Not rated"
        words.append(f"{label}: {word}")
        shapes.append(Text(8, top + 18, label, size=13, bold=(i == 0)))
        shapes.append(Rect(120, top + 2, 110, 22, RAG_COLOURS.get(rag, RAG_COLOURS[""]), radius=11))
        shapes.append(
            Text(175, top + 18, word, size=12, fill="#ffffff", anchor="middle", bold=True)
        )
    return Chart(
        name="health",
        title="Health by dimension",
        width=width,
        height=12 + row_h * len(rows),
        alt="; ".join(words) + ".",
        shapes=tuple(shapes),
    )


def _two(value: object) -> str:
    """A ratio to 2 places, half up as people round (and as the health sentences do)."""
    return str(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _label_date(iso: str) -> str:
    year, month, day = (int(part) for part in iso.split("-"))
    months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
    return f"{day} {months[month - 1]}"


def trend_chart(points: Sequence[dict]) -> Chart:
    """SPI and CPI, one point per week (the week's last snapshot), against the 1.00 line."""
    width, height = 480, 210
    left, right, top, bottom = 44, 28, 28, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [float(p[k]) for p in points for k in ("spi", "cpi") if p.get(k) not in (None, "")]
    # Round outward to a tidy step, so the grid lines read 0.60, 0.80, 1.00 …
    low, high = min([0.8, *values]), max([1.2, *values])
    step = 0.1 if high - low <= 0.6 else 0.2 if high - low <= 1.2 else 0.5
    low = math.floor(round(low / step, 6)) * step
    high = math.ceil(round(high / step, 6)) * step
    steps = round((high - low) / step)

    def y_of(value: float) -> float:
        return round(top + plot_h - plot_h * (value - low) / (high - low), 1)

    count = len(points)

    def x_of(index: int) -> float:
        if count == 1:
            return left + plot_w / 2
        return round(left + plot_w * index / (count - 1), 1)

    shapes: list[Shape] = []
    for i in range(steps + 1):
        value = low + step * i
        y = y_of(value)
        shapes.append(Line(left, y, width - right, y, GRID))
        shapes.append(Text(left - 6, y + 4, f"{value:.2f}", size=10, fill=MUTED, anchor="end"))
    if low <= 1 <= high:
        shapes.append(Line(left, y_of(1), width - right, y_of(1), MUTED, width=1, dashed=True))
    label_every = max(1, (count + 5) // 6)
    for i, p in enumerate(points):
        if i % label_every == 0 or i == count - 1:
            shapes.append(
                Text(
                    x_of(i),
                    height - 10,
                    _label_date(p["week"]),
                    size=10,
                    fill=MUTED,
                    anchor="middle",
                )
            )
    words = []
    for key, label, colour in (("spi", "SPI", SPI_COLOUR), ("cpi", "CPI", CPI_COLOUR)):
        placed = [
            (x_of(i), y_of(float(p[key])))
            for i, p in enumerate(points)
            if p.get(key) not in (None, "")
        ]
        known = [p[key] for p in points if p.get(key) not in (None, "")]
        if len(placed) > 1:
            shapes.append(Polyline(tuple(placed), colour, width=2))
        for x, y in placed:
            shapes.append(Dot(x, y, 3, colour))
        if not known:
            words.append(f"{label}: no value yet")
        elif len(known) == 1:
            words.append(f"{label} {_two(known[0])}")
        else:
            words.append(f"{label} {_two(known[0])} → {_two(known[-1])}")
    # Legend, top left.
    shapes.append(Rect(left, 8, 14, 4, SPI_COLOUR))
    shapes.append(Text(left + 18, 14, "SPI", size=11, fill=INK))
    shapes.append(Rect(left + 60, 8, 14, 4, CPI_COLOUR))
    shapes.append(Text(left + 78, 14, "CPI", size=11, fill=INK))
    weeks = f"over {count} week{'s' if count != 1 else ''}" if count else "no weeks yet"
    return Chart(
        name="trend",
        title="SPI and CPI by week",
        width=width,
        height=height,
        alt=f"{'; '.join(words)} ({weeks}; 1.00 is on plan).",
        shapes=tuple(shapes),
    )


def budget_chart(budget: dict, currency: str) -> Chart:
    """Horizontal bars: the budget (BAC), the forecast (EAC), earned (EV) and spent (AC)."""
    width = 480
    left, right, top, bar_h, gap = 150, 130, 10, 22, 10
    rows = [
        ("bac", "Budget (BAC)", "#52606d"),
        ("eac", "Forecast (EAC)", "#a35c00"),
        ("ev", "Earned (EV)", "#1e7b34"),
        ("ac", "Spent (AC)", "#1d4ed8"),
    ]
    values = {
        key: (Decimal(budget[key]) if budget.get(key) not in (None, "") else None)
        for key, *_ in rows
    }
    biggest = max([float(v) for v in values.values() if v is not None] + [0.0])
    plot_w = width - left - right
    shapes: list[Shape] = []
    words = []
    for i, (key, label, colour) in enumerate(rows):
        y = top + i * (bar_h + gap)
        value = values[key]
        shapes.append(Text(left - 8, y + 16, label, size=12, anchor="end"))
        shown = money(value, currency)
        words.append(f"{label} {shown}")
        if value is not None and biggest > 0:
            length = max(1.0, round(plot_w * float(value) / biggest, 1)) if value > 0 else 0
            if length:
                shapes.append(Rect(left, y, length, bar_h, colour))
            shapes.append(Text(left + length + 6, y + 16, shown, size=11, fill=INK))
        else:
            shapes.append(Text(left + 6, y + 16, shown, size=11, fill=MUTED))
    axis_y = top + len(rows) * (bar_h + gap) - gap + 4
    shapes.append(Line(left, top - 4, left, axis_y, GRID))
    return Chart(
        name="budget",
        title="Budget and earned value",
        width=width,
        height=axis_y + 20,
        alt="; ".join(words) + ".",
        shapes=tuple(shapes),
    )


# --- SVG ------------------------------------------------------------------------------------------


def _svg_shape(shape: Shape) -> str:
    if isinstance(shape, Rect):
        radius = f' rx="{shape.radius}"' if shape.radius else ""
        return (
            f'<rect x="{shape.x}" y="{shape.y}" width="{shape.w}" height="{shape.h}"'
            f'{radius} fill="{shape.fill}"/>'
        )
    if isinstance(shape, Line):
        dash = ' stroke-dasharray="4 3"' if shape.dashed else ""
        return (
            f'<line x1="{shape.x1}" y1="{shape.y1}" x2="{shape.x2}" y2="{shape.y2}" '
            f'stroke="{shape.stroke}" stroke-width="{shape.width}"{dash}/>'
        )
    if isinstance(shape, Polyline):
        points = " ".join(f"{x},{y}" for x, y in shape.points)
        return (
            f'<polyline points="{points}" fill="none" stroke="{shape.stroke}" '
            f'stroke-width="{shape.width}" stroke-linejoin="round"/>'
        )
    if isinstance(shape, Dot):
        return f'<circle cx="{shape.x}" cy="{shape.y}" r="{shape.r}" fill="{shape.fill}"/>'
    weight = ' font-weight="bold"' if shape.bold else ""
    return (
        f'<text x="{shape.x}" y="{shape.y}" font-size="{shape.size}" fill="{shape.fill}" '
        f'text-anchor="{shape.anchor}"{weight}>{escape(shape.text)}</text>'
    )


def svg(chart: Chart) -> str:
    """The chart as an inline ``<svg>`` (role img, its words as the title)."""
    body = "".join(_svg_shape(shape) for shape in chart.shapes)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="status-chart status-chart-{chart.name}" '
        f'viewBox="0 0 {chart.width} {chart.height}" width="{chart.width}" '
        f'height="{chart.height}" role="img" aria-label="{escape(chart.title)}" '
        f'font-family="DejaVu Sans, Helvetica, Arial, sans-serif">'
        f"<title>{escape(chart.title)}: {escape(chart.alt)}</title>{body}</svg>"
    )
