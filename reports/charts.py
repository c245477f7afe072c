"""Sparklines of the KPI history, drawn as SVG by the templates (STYLE 8), with their words.

Pure: no Django, no clock. It takes the snapshot values the selectors read (and the API serves
as ``trend``) and only places them on a small canvas, so the line and its text never disagree.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["Sparkline", "sparkline"]

Number = Decimal | int | float


@dataclass(frozen=True, slots=True)
class Sparkline:
    """A polyline (``points``) in a ``width`` × ``height`` box, and what it says in words."""

    width: int
    height: int
    points: str
    last: tuple[float, float] | None
    first_value: Number | None
    last_value: Number | None
    count: int

    @property
    def direction(self) -> str:
        """``up``, ``down`` or ``flat`` from the first known value to the last."""
        if self.count < 2 or self.first_value == self.last_value:
            return "flat"
        return "up" if self.last_value > self.first_value else "down"


def sparkline(
    series: Sequence[tuple[datetime.date, Number | None]],
    *,
    start: datetime.date,
    end: datetime.date,
    width: int = 96,
    height: int = 24,
    pad: int = 3,
) -> Sparkline:
    """``series`` as (date, value) pairs, placed by calendar day between ``start`` and ``end``;
    ``None`` values (a ratio with a zero denominator) are left out of the line. A series that
    never moves is drawn flat across the middle."""
    known = [(day, value) for day, value in series if value is not None]
    if not known:
        return Sparkline(width, height, "", None, None, None, 0)
    values = [float(v) for _, v in known]
    low, high = min(values), max(values)
    span_days = max((end - start).days, 1)

    def x_of(day: datetime.date) -> float:
        return round(pad + (width - 2 * pad) * (day - start).days / span_days, 1)

    def y_of(value: float) -> float:
        if high == low:
            return round(height / 2, 1)
        return round(height - pad - (height - 2 * pad) * (value - low) / (high - low), 1)

    placed = [(x_of(day), y_of(float(v))) for day, v in known]
    return Sparkline(
        width=width,
        height=height,
        points=" ".join(f"{x},{y}" for x, y in placed),
        last=placed[-1],
        first_value=known[0][1],
        last_value=known[-1][1],
        count=len(known),
    )
