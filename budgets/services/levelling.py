"""Resource levelling of a project: preview, apply (after a baseline), undo.

The method is ``budgets.levelling`` (pure). Applying it sets a "start no earlier than" date on
each task it delays, in one transaction under the project lock, after taking a baseline named
"Before levelling <date>", and recomputes the schedule once; the task history records every
change with the reason ``Levelling (baseline <id>)``, which is what ``levelling_undo`` reverses.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_update_with_history

from budgets import levelling
from budgets.models import Assignment, DayOff, Resource
from projects.models import Project
from scheduling import engine
from scheduling.models import Baseline, Dependency, Task
from scheduling.services import baseline_create, lock_project, schedule_recompute, work_calendar

CENT = Decimal("0.01")
# What levelling reads of a task.
TASK_FIELDS = (
    "id",
    "name",
    "duration",
    "constraint_date",
    "deadline",
    "actual_start",
    "actual_finish",
    "priority",
    "external_start",
    "external_finish",
)
REASON = "Levelling (baseline {})"
UNDO_REASON = "Levelling undone (baseline {})"


@dataclass(frozen=True)
class MoveRow:
    """One move of a plan, in dates and words."""

    task_id: int
    task_name: str
    from_start: datetime.date
    to_start: datetime.date
    delay: int
    levelled: bool
    past_float: bool
    constraint_date: datetime.date | None
    reason: str


@dataclass(frozen=True)
class LevellingPlan:
    """A levelling plan for people and pages: the moves, the conflicts that remain (rows shaped
    like ``selectors.conflicts_of``), and the project finish before and after (shown dates)."""

    plan: levelling.Plan
    moves: list[MoveRow]
    remaining: list[dict[str, Any]]
    finish_before: datetime.date | None
    finish_after: datetime.date | None
    baseline: Baseline | None = field(default=None)

    @property
    def allow_past_float(self) -> bool:
        return self.plan.allow_past_float

    @property
    def conflicts_before(self) -> int:
        return self.plan.conflicts_before

    @property
    def finish_delay(self) -> int:
        return self.plan.finish_after - self.plan.finish_before


def _index(calendar: engine.WorkCalendar, day: datetime.date | None, *, end: bool = False):
    if day is None:
        return None
    return calendar.last_index_on_or_before(day) if end else calendar.date_to_index(day)


def _start_no_earlier(row: dict[str, Any], calendar: engine.WorkCalendar) -> int | None:
    """The task's own "start no earlier than" and what its predecessors in other projects allow
    (a bound on the start, and one on the exclusive finish), the latest: as the recompute
    schedules it (``scheduling.services.schedule``), so levelling starts from the same plan."""
    bounds = [
        _index(calendar, row["constraint_date"]),
        _index(calendar, row["external_start"]),
    ]
    if row["external_finish"] is not None:
        bounds.append(calendar.date_to_index(row["external_finish"]) - row["duration"])
    given = [bound for bound in bounds if bound is not None]
    return max(given) if given else None


def _task_inputs(rows: list[dict[str, Any]], calendar: engine.WorkCalendar) -> list:
    """The engine's tasks from task rows (``TASK_FIELDS``), dates as indexes of ``calendar``."""
    tasks = []
    for row in rows:
        actual_start, actual_finish = calendar.actual_indexes(
            row["actual_start"], row["actual_finish"]
        )
        tasks.append(
            engine.TaskInput(
                id=row["id"],
                duration=row["duration"],
                constraint=_start_no_earlier(row, calendar),
                deadline=_index(calendar, row["deadline"], end=True),
                actual_start=actual_start,
                actual_finish=actual_finish,
            )
        )
    return tasks


def _plan(project: Project, *, allow_past_float: bool) -> LevellingPlan:
    """Read the project (seven queries) and level it; writes nothing."""
    calendar = work_calendar(project)
    rows = list(Task.objects.filter(project=project).values(*TASK_FIELDS))
    tasks = _task_inputs(rows, calendar)
    links = [
        engine.LinkInput(predecessor=p, successor=s, type=t, lag=lag)
        for p, s, t, lag in Dependency.objects.filter(project=project).values_list(
            "predecessor_id", "successor_id", "type", "lag"
        )
    ]
    people = {r.pk: r for r in Resource.objects.filter(project=project, kind=Resource.Kind.PERSON)}
    days_off: dict[int, set[int]] = {}
    for resource_id, day in DayOff.objects.filter(resource__in=list(people)).values_list(
        "resource_id", "date"
    ):
        if calendar.is_working_day(day):
            days_off.setdefault(resource_id, set()).add(calendar.date_to_index(day))
    demands = [
        levelling.Demand(
            resource_id=resource_id,
            task_id=task_id,
            hours_per_day=people[resource_id].capacity_hours * units / 100,
        )
        for resource_id, task_id, units in Assignment.objects.filter(
            project=project, resource__kind=Resource.Kind.PERSON
        ).values_list("resource_id", "task_id", "units")
    ]
    try:
        plan = levelling.level(
            tasks,
            links,
            demands,
            # A placeholder counts once per head; a booking is a share of one head.
            capacity={pk: r.daily_capacity for pk, r in people.items()},
            days_off={pk: frozenset(days) for pk, days in days_off.items()},
            priority={row["id"]: row["priority"] for row in rows},
            allow_past_float=allow_past_float,
        )
    except engine.CycleError:  # the services refuse loops; a plan read mid-edit is stale
        raise ValidationError("The plan has a dependency loop; fix it before levelling.") from None

    names = {row["id"]: row["name"] for row in rows}
    day = calendar.index_to_date

    moves = move_rows(plan.moves, task_names=names, people=people, day=day)
    remaining = [
        {
            "resource": people[conflict.resource_id],
            "date": day(conflict.day),
            "booked": conflict.booked.quantize(CENT),
            "capacity": conflict.capacity,
            "day_off": conflict.day in days_off.get(conflict.resource_id, ()),
            "tasks": [(pk, names[pk]) for pk in conflict.task_ids],
        }
        for conflict in plan.remaining
    ]

    def finish(index: int) -> datetime.date | None:
        return day(max(index - 1, 0)) if rows else None

    return LevellingPlan(
        plan=plan,
        moves=moves,
        remaining=remaining,
        finish_before=finish(plan.finish_before),
        finish_after=finish(plan.finish_after),
    )


def move_rows(
    moves: Iterable[levelling.Move],
    *,
    task_names: Mapping[int, str],
    people: Mapping[int, str],
    day: Callable[[int], datetime.date],
) -> list[MoveRow]:
    """The plan's moves in dates and words (``day`` turns the project's indexes into dates)."""

    def reason(move: levelling.Move) -> str:
        if not move.levelled:
            return "Follows a delayed predecessor."
        who, when = people[move.resource_id], day(move.day)
        text = f"Delayed to clear {who}'s over-allocation on {when:%a %d %b %Y}"
        return text + (
            ", past its float (the finish moves)." if move.past_float else ", within its float."
        )

    return [
        MoveRow(
            task_id=move.task_id,
            task_name=task_names[move.task_id],
            from_start=day(move.from_start),
            to_start=day(move.to_start),
            delay=move.delay,
            levelled=move.levelled,
            past_float=move.past_float,
            constraint_date=day(move.constraint) if move.constraint is not None else None,
            reason=reason(move),
        )
        for move in moves
    ]


def levelling_preview(*, project: Project, allow_past_float: bool = False) -> LevellingPlan:
    """What levelling would do now: each move, the conflicts left, the new finish. No writes."""
    return _plan(project, allow_past_float=allow_past_float)


def _baseline_name(project: Project) -> str:
    today = project.today()
    name = f"Before levelling {today.isoformat()}"
    taken = set(
        Baseline.objects.filter(project=project, name__startswith=name).values_list(
            "name", flat=True
        )
    )
    number = 1
    candidate = name
    while candidate in taken:
        number += 1
        candidate = f"{name} ({number})"
    return candidate


def _nothing_to_level(allow_past_float: bool) -> str:
    return "Nothing to level: no over-allocation can be removed by delaying tasks" + (
        "." if allow_past_float else " within their float; allow moves past float?"
    )


def _constrain(
    project: Project, *, by: AbstractBaseUser, levelled: dict[int, datetime.date | None]
) -> Baseline:
    """Apply levelled moves to a locked project: the baseline "Before levelling <date>", each
    task's start-no-earlier-than date (never earlier than one it had) with the history reason
    that ``levelling_undo`` looks for, and one recompute. Returns the baseline."""
    baseline = baseline_create(
        project=project,
        by=by,
        name=_baseline_name(project),
        note="Taken automatically before resource levelling; undo the levelling to return to it.",
    )
    tasks = list(Task.objects.select_for_update().filter(pk__in=levelled).order_by("pk"))
    for task in tasks:
        new = levelled[task.pk]
        task.constraint_date = (
            new if task.constraint_date is None else max(task.constraint_date, new)
        )
        task.version += 1
    bulk_update_with_history(
        tasks,
        Task,
        ["constraint_date", "version"],
        batch_size=500,
        default_user=by,
        default_change_reason=REASON.format(baseline.pk),
    )
    schedule_recompute(project)
    return baseline


@transaction.atomic
def levelling_apply(
    *,
    project: Project,
    by: AbstractBaseUser,
    allow_past_float: bool = False,
    plan: LevellingPlan | None = None,
) -> LevellingPlan:
    """Level the project: take the baseline "Before levelling <date>" (so it can be undone),
    then set the start-no-earlier-than date of every task the plan delays and reschedule, all
    in one transaction under the project lock.

    The plan is computed afresh under the lock; when a previewed ``plan`` is given and the
    project changed since (the moves differ), nothing is applied and the caller hears so.
    """
    project = lock_project(project)
    fresh = _plan(project, allow_past_float=plan.allow_past_float if plan else allow_past_float)
    if plan is not None and plan.plan.moves != fresh.plan.moves:
        raise ValidationError(
            "The plan changed since the preview (someone edited the schedule); preview again."
        )
    levelled = {move.task_id: move.constraint_date for move in fresh.moves if move.levelled}
    if not levelled:
        raise ValidationError(_nothing_to_level(fresh.allow_past_float))
    baseline = _constrain(project, by=by, levelled=levelled)
    return LevellingPlan(
        plan=fresh.plan,
        moves=fresh.moves,
        remaining=fresh.remaining,
        finish_before=fresh.finish_before,
        finish_after=fresh.finish_after,
        baseline=baseline,
    )


@transaction.atomic
def levelling_undo(*, project: Project, by: AbstractBaseUser, baseline: Baseline) -> int:
    """Undo the levelling that took ``baseline``: every task it constrained gets back the
    start-no-earlier-than date it had before, unless someone changed that date since (those
    are left as they are). Reschedules; returns the number of tasks restored."""
    project = lock_project(project)
    if baseline.project_id != project.pk:
        raise ValidationError(
            {"baseline": f"That baseline belongs to another project, not {project.key}."}
        )
    levelled = {
        row["id"]: row
        for row in Task.history.filter(
            project_id=project.pk, history_change_reason=REASON.format(baseline.pk)
        ).values("id", "history_id", "constraint_date")
    }
    if not levelled:
        raise ValidationError(
            {"baseline": f"“{baseline.name}” was not taken by a levelling, or it was undone."}
        )
    undone = Task.history.filter(
        project_id=project.pk, history_change_reason=UNDO_REASON.format(baseline.pk)
    )
    if undone.exists():
        raise ValidationError({"baseline": "This levelling has already been undone."})
    before: dict[int, datetime.date | None] = {}
    for pk, history_id, constraint in (
        Task.history.filter(
            id__in=list(levelled), history_id__lt=max(r["history_id"] for r in levelled.values())
        )
        .order_by("history_id")
        .values_list("id", "history_id", "constraint_date")
    ):
        if history_id < levelled[pk]["history_id"]:
            before[pk] = constraint
    tasks = [
        task
        for task in Task.objects.select_for_update().filter(pk__in=list(levelled)).order_by("pk")
        if task.constraint_date == levelled[task.pk]["constraint_date"]
    ]
    for task in tasks:
        task.constraint_date = before.get(task.pk)
        task.version += 1
    bulk_update_with_history(
        tasks,
        Task,
        ["constraint_date", "version"],
        batch_size=500,
        default_user=by,
        default_change_reason=UNDO_REASON.format(baseline.pk),
    )
    schedule_recompute(project)
    return len(tasks)


def levelling_undoable(project: Project) -> list[Baseline]:
    """The baselines of levellings of ``project`` that can still be undone, newest first: one
    query for the history's reasons, one more only when there are some."""
    levelled: set[int] = set()
    undone: set[int] = set()
    for reason in (
        Task.history.filter(project_id=project.pk, history_change_reason__startswith="Levelling ")
        .values_list("history_change_reason", flat=True)
        .distinct()
    ):
        head, _, number = reason.rstrip(")").rpartition("(baseline ")
        if number.isdigit():
            (undone if head.startswith("Levelling undone") else levelled).add(int(number))
    if not levelled - undone:
        return []
    return list(Baseline.objects.filter(project=project, pk__in=levelled - undone).order_by("-pk"))


__all__ = [
    "LevellingPlan",
    "MoveRow",
    "levelling_apply",
    "levelling_preview",
    "levelling_undo",
    "levelling_undoable",
]
