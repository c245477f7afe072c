"""Bounds that tasks of other projects put on a project's tasks (see
``scheduling.services.external`` for the rules of links between projects).

The predecessor's dates become bounds on the successor, in the successor's calendar, exactly as
the engine reduces an in-project link (``scheduling/engine.py``): the predecessor's start index
is its shown start's index, its finish index (exclusive) the index after its shown finish (a
milestone's is its start); FS and FF count from the finish, SS and SF from the start, plus the
lag; FS and SS bound the successor's start, FF and SF its finish. ``refresh_bounds`` stores them
on the successor (``Task.external_start``/``external_finish``), which ``schedule_recompute``
reads with the task's other inputs.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from projects.models import Project
from scheduling.models import ExternalDependency, Task
from scheduling.workdays import WorkCalendar


def link_bound(
    calendar: WorkCalendar,
    kind: str,
    lag: int,
    start: datetime.date,
    finish: datetime.date,
    milestone: bool,
) -> int:
    """The index (in ``calendar``) a link from a predecessor shown ``start``–``finish`` puts on
    its successor: the earliest start (FS, SS) or the earliest exclusive finish (FF, SF)."""
    first = calendar.date_to_index(start)
    if kind in ("SS", "SF") or milestone:
        anchor = first
    else:
        anchor = max(calendar.last_index_on_or_before(finish) + 1, first)
    return anchor + lag


def compute_bounds(
    calendar: WorkCalendar, links: Iterable[tuple[int, str, int, Any, Any, int]]
) -> dict[int, tuple[datetime.date | None, datetime.date | None]]:
    """Per successor id, ``(external_start, external_finish)`` as dates of ``calendar`` from
    ``(successor, type, lag, predecessor start, predecessor finish, predecessor duration)``. A
    predecessor not yet scheduled bounds nothing."""
    starts: dict[int, int] = {}
    finishes: dict[int, int] = {}
    for successor, kind, lag, start, finish, duration in links:
        if start is None or finish is None:
            continue
        bound = link_bound(calendar, kind, lag, start, finish, duration == 0)
        target = starts if kind in ("FS", "SS") else finishes
        target[successor] = max(target.get(successor, bound), bound)
    result: dict[int, tuple[datetime.date | None, datetime.date | None]] = {}
    for successor in starts.keys() | finishes.keys():
        start_bound, finish_bound = starts.get(successor), finishes.get(successor)
        result[successor] = (
            None if start_bound is None else calendar.index_to_date(start_bound),
            None if finish_bound is None else calendar.index_to_date(finish_bound),
        )
    return result


def refresh_bounds(project: Project, calendar: WorkCalendar) -> bool:
    """Store on the project's tasks the bounds their external predecessors put on them now (call
    under the project lock, before ``schedule_recompute``). True when a bound changed."""
    links = list(
        ExternalDependency.objects.filter(project=project).values_list(
            "successor_id",
            "type",
            "lag",
            "predecessor__start_date",
            "predecessor__finish_date",
            "predecessor__duration",
        )
    )
    stored = {
        pk: (start, finish)
        for pk, start, finish in Task.objects.filter(project=project)
        .exclude(external_start=None, external_finish=None)
        .values_list("pk", "external_start", "external_finish")
    }
    if not links and not stored:
        return False
    wanted = compute_bounds(calendar, links)
    changed = [
        Task(pk=pk, external_start=start, external_finish=finish)
        for pk, (start, finish) in wanted.items()
        if stored.get(pk) != (start, finish)
    ]
    changed += [
        Task(pk=pk, external_start=None, external_finish=None)
        for pk in stored.keys() - wanted.keys()
    ]
    if changed:
        Task.objects.bulk_update(changed, ["external_start", "external_finish"])
    return bool(changed)


def start_no_earlier(
    calendar: WorkCalendar,
    constraint_date: datetime.date | None,
    external_start: datetime.date | None,
    external_finish: datetime.date | None,
    duration: int,
) -> int | None:
    """A task's "start no earlier than" index as the engine takes it, for the code that builds
    its own network (the forecast, the KPI replay): the task's own constraint and the bounds of
    its external predecessors, whichever is latest (None: no bound at all)."""
    bounds = [calendar.date_to_index(day) for day in (constraint_date, external_start) if day]
    if external_finish is not None:
        bounds.append(calendar.date_to_index(external_finish) - duration)
    return max(bounds) if bounds else None
