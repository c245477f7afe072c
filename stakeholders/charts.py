"""Geometry of the power/interest grid, drawn as SVG by its template (STYLE 8).

Pure: no Django. It takes each stakeholder's power and interest (the numbers the register and
the API show) and places a labelled dot in the grid's 5 × 5 cells, interest across and power up;
the quadrant lines fall between 2 and 3, where "high" starts (DESIGN §4).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["GridChart", "GridPerson", "power_interest_chart"]

WIDTH = 760
HEIGHT = 520
LEFT, RIGHT, TOP, BOTTOM = 58, 14, 14, 50
SCALE = 5
HIGH = 3
LINE = 16  # vertical space of one labelled dot in a cell
LABEL_CHARS = 19


@dataclass(frozen=True, slots=True)
class GridPerson:
    id: int
    name: str
    power: int
    interest: int
    quadrant: str  # the quadrant's code, e.g. "manage_closely"


@dataclass(frozen=True, slots=True)
class QuadrantBox:
    code: str
    label: str
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    count: int


@dataclass(frozen=True, slots=True)
class Dot:
    person: GridPerson
    x: float
    y: float
    label: str
    label_x: float


@dataclass(frozen=True, slots=True)
class Overflow:
    x: float
    y: float
    text: str
    names: str


@dataclass(frozen=True, slots=True)
class AxisTick:
    value: int
    position: float


@dataclass(frozen=True, slots=True)
class GridChart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    plot_width: float
    plot_height: float
    split_x: float
    split_y: float
    quadrants: list[QuadrantBox]
    x_ticks: list[AxisTick]
    y_ticks: list[AxisTick]
    dots: list[Dot]
    overflows: list[Overflow]


def _short(name: str, limit: int = LABEL_CHARS) -> str:
    return name if len(name) <= limit else f"{name[: limit - 1].rstrip()}…"


def power_interest_chart(
    people: Sequence[GridPerson], quadrant_labels: dict[str, str]
) -> GridChart:
    """Place every stakeholder in the cell of their (interest, power), stacked top-down within
    the cell; a cell that cannot hold them all ends with "+n more" (the table lists everyone)."""
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    cell_w = (right - LEFT) / SCALE
    cell_h = (bottom - TOP) / SCALE

    def x_of(interest: float) -> float:  # left edge of the interest's column (1-based)
        return round(LEFT + (interest - 1) * cell_w, 1)

    def y_of(power: float) -> float:  # top edge of the power's row (5 at the top)
        return round(TOP + (SCALE - power) * cell_h, 1)

    split_x, split_y = x_of(HIGH), y_of(HIGH - 1)
    counts: dict[str, int] = defaultdict(int)
    for person in people:
        counts[person.quadrant] += 1
    boxes = []
    for code, (x0, y0, x1, y1) in {
        "manage_closely": (split_x, TOP, right, split_y),
        "keep_satisfied": (LEFT, TOP, split_x, split_y),
        "keep_informed": (split_x, split_y, right, bottom),
        "monitor": (LEFT, split_y, split_x, bottom),
    }.items():
        boxes.append(
            QuadrantBox(
                code=code,
                label=quadrant_labels.get(code, code),
                x=x0,
                y=y0,
                width=round(x1 - x0, 1),
                height=round(y1 - y0, 1),
                label_x=round(x1 - 8, 1),
                label_y=round(y1 - 8, 1),
                count=counts[code],
            )
        )

    cells: dict[tuple[int, int], list[GridPerson]] = defaultdict(list)
    for person in people:
        power = min(max(person.power, 1), SCALE)
        interest = min(max(person.interest, 1), SCALE)
        cells[(power, interest)].append(person)
    room = max(int((cell_h - 8) // LINE), 1)
    dots, overflows = [], []
    for (power, interest), group in sorted(cells.items()):
        group = sorted(group, key=lambda p: (p.name.lower(), p.id))
        shown = group if len(group) <= room else group[: room - 1]
        x0, y0 = x_of(interest), y_of(power)
        for i, person in enumerate(shown):
            y = round(y0 + 12 + i * LINE, 1)
            dots.append(Dot(person, round(x0 + 10, 1), y, _short(person.name), round(x0 + 18, 1)))
        hidden = group[len(shown) :]
        if hidden:
            overflows.append(
                Overflow(
                    x=round(x0 + 18, 1),
                    y=round(y0 + 12 + len(shown) * LINE, 1),
                    text=f"+{len(hidden)} more",
                    names=", ".join(p.name for p in hidden),
                )
            )
    return GridChart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=right,
        top=TOP,
        bottom=bottom,
        plot_width=round(right - LEFT, 1),
        plot_height=round(bottom - TOP, 1),
        split_x=split_x,
        split_y=split_y,
        quadrants=boxes,
        x_ticks=[AxisTick(v, round(x_of(v) + cell_w / 2, 1)) for v in range(1, SCALE + 1)],
        y_ticks=[AxisTick(v, round(y_of(v) + cell_h / 2, 1)) for v in range(1, SCALE + 1)],
        dots=dots,
        overflows=overflows,
    )
