"""Agile arithmetic (DESIGN §4 "Agile"): burndown, velocity and the forecast of sprints left.

Pure: no Django, no clock; days and points come in as plain values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

__all__ = ["BurndownDay", "burndown", "forecast_sprints_left", "mean_velocity"]


@dataclass(frozen=True, slots=True)
class BurndownDay:
    day: date
    ideal: float
    remaining: int | None  # None for days still to come


def burndown(
    *,
    days: Sequence[date],
    committed: int,
    done: Iterable[tuple[date, int]],
    today: date | None = None,
) -> list[BurndownDay]:
    """Points remaining at the end of each working day of a sprint, with the ideal line.

    ``days`` are the sprint's working days in order, ``committed`` the points in the sprint,
    ``done`` each finished item's (day done, points). The ideal line falls evenly from
    ``committed`` on the first day to 0 on the last; days after ``today`` have no actual value.
    """
    done = sorted(done)
    steps = max(len(days) - 1, 1)
    result: list[BurndownDay] = []
    burned = 0
    index = 0
    for number, day in enumerate(days):
        while index < len(done) and done[index][0] <= day:
            burned += done[index][1]
            index += 1
        future = today is not None and day > today
        ideal = committed * (1 - number / steps) if len(days) > 1 else 0.0
        result.append(BurndownDay(day, round(ideal, 2), None if future else committed - burned))
    return result


def mean_velocity(velocities: Sequence[int], *, last: int = 3) -> float | None:
    """Mean points done over the last ``last`` closed sprints (oldest first); None if none."""
    recent = list(velocities)[-last:]
    return sum(recent) / len(recent) if recent else None


def forecast_sprints_left(remaining_points: int, velocities: Sequence[int]) -> int | None:
    """Sprints needed for the remaining points at the mean velocity of the last 3 sprints.

    None when there is no velocity yet (no closed sprint, or nothing done in them).
    """
    velocity = mean_velocity(velocities)
    if not velocity:
        return None
    return math.ceil(remaining_points / velocity)
