"""Writes with a rule on the schedule. Every edit that can move a date recomputes the schedule in
the same transaction, under a lock on the project row (DESIGN §4 "Schedule"), so the response of
the edit already carries the new dates and concurrent edits of one project queue.
"""

from __future__ import annotations

import contextvars
import copy
import dataclasses
import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max, Q, Subquery
from django.urls import reverse

from projects.events import build_event, record_assignment, record_event, record_events
from projects.exceptions import StaleEdit
from projects.models import Project
from projects.services.common import (
    check_member,
    check_not_after_today,
    check_same_project,
    lock_project,
)
from scheduling import engine, predecessors, signals
from scheduling.crossproject import refresh_bounds
from scheduling.models import (
    MAX_WORKING_DAYS,
    Baseline,
    BaselineTask,
    Calendar,
    Dependency,
    Holiday,
    PlanFinish,
    Task,
    validate_working_weekdays,
)
from scheduling.workdays import shown_finish_index

# Task fields a person edits; the rest are computed or kept by the services.
TASK_FIELDS = (
    "name",
    "description",
    "work_package",
    "phase",
    "owner",
    "position",
    "duration",
    "constraint_date",
    "deadline",
    "percent_complete",
    "actual_start",
    "actual_finish",
    "optimistic_duration",
    "most_likely_duration",
    "pessimistic_duration",
    "priority",
    "fixed_cost",
)
# Changing one of these can move dates, so the schedule is recomputed.
SCHEDULE_FIELDS = frozenset(
    {"duration", "constraint_date", "deadline", "actual_start", "actual_finish"}
)


def calendar_for(project: Project) -> Calendar:
    """The project's calendar, Monday to Friday with no holidays until someone changes it."""
    calendar, _ = Calendar.objects.get_or_create(
        project=project, defaults={"working_weekdays": [1, 2, 3, 4, 5]}
    )
    return calendar


def work_calendar(project: Project) -> engine.WorkCalendar:
    """The engine's calendar for ``project``: working weekdays and holidays from its start.

    Reads only: a project whose calendar was never edited works Monday to Friday.
    """
    calendar = Calendar.objects.filter(project=project).first()
    weekdays = calendar.working_weekdays if calendar else [1, 2, 3, 4, 5]
    holidays = Holiday.objects.filter(calendar__project=project).values_list("date", flat=True)
    return engine.WorkCalendar(
        working_weekdays=frozenset(weekdays),
        holidays=frozenset(holidays),
        start=project.start_date,
    )


# --- recompute ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ScheduleChange:
    """What a recompute did: the project's finish as shown and the tasks whose schedule as read
    (dates, late dates, floats, criticality) changed. The rows it wrote are fewer when the
    finish moved: late dates are stored relative to it."""

    finish: datetime.date | None
    moved: list[int] = dataclasses.field(default_factory=list)
    # The new shown start and finish of each moved task, in the order of ``moved``.
    starts: list[datetime.date] = dataclasses.field(default_factory=list, repr=False)
    finishes: list[datetime.date] = dataclasses.field(default_factory=list, repr=False)

    @property
    def moved_count(self) -> int:
        return len(self.moved)

    def as_json(self, *, with_dates: bool = False) -> dict[str, Any]:
        """The ``schedule`` key of a schedule-moving write's response (DESIGN §5); with
        ``with_dates`` (``?include=moved``) the moved tasks' new dates too."""
        data: dict[str, Any] = {
            "finish": self.finish,
            "moved_count": self.moved_count,
            "moved": self.moved,
        }
        if with_dates:
            data["moved_dates"] = [
                {"id": pk, "start_date": start, "finish_date": finish}
                for pk, start, finish in zip(self.moved, self.starts, self.finishes, strict=True)
            ]
        return data


_FIRST_DAY = np.datetime64("0001-01-01")
_LAST_DAY = np.datetime64("9999-12-31")


_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()
_NAT = np.datetime64("NaT", "D")
_NAT_DAYS = int(np.iinfo(np.int64).min)  # NaT as an integer count of days


def _day_column(values: tuple[datetime.date | None, ...]) -> npt.NDArray[np.datetime64]:
    """``datetime64[D]`` of dates (NaT for None): by ordinals, ~8× faster than numpy's own
    conversion of date objects, and a column without dates costs one scan."""
    if not any(values):
        return np.full(len(values), _NAT)
    days = np.fromiter(
        (_NAT_DAYS if day is None else day.toordinal() - _EPOCH_ORDINAL for day in values),
        np.int64,
        len(values),
    )
    return days.astype("datetime64[D]")


def _index_column(
    days: npt.NDArray[np.datetime64], calendar: engine.WorkCalendar, *, inclusive_end: bool
) -> npt.NDArray[np.int64]:
    """Working-day indexes of ``days`` (``MISSING`` where there is none): the next working day,
    or with ``inclusive_end`` the previous one (a deadline, an actual finish)."""
    missing = np.isnat(days)
    if missing.all():
        return np.full(days.size, engine.MISSING, np.int64)
    filled = np.where(missing, np.datetime64(calendar.start, "D"), days)
    if inclusive_end:
        indexes = calendar.dates_to_indexes(filled + np.timedelta64(1, "D")) - 1
    else:
        indexes = calendar.dates_to_indexes(filled)
    return np.where(missing, engine.MISSING, indexes)


def _int_column(values: tuple[int | None, ...]) -> npt.NDArray[np.int64]:
    return np.fromiter(
        (engine.MISSING if value is None else value for value in values), np.int64, len(values)
    )


def _cycle_message(error: engine.CycleError) -> str:
    names = dict(Task.objects.filter(pk__in=error.task_ids).values_list("pk", "name"))
    chain = " → ".join(f"“{names.get(pk, pk)}”" for pk in [*error.task_ids, error.task_ids[0]])
    return f"This would make a loop of dependencies: {chain}."


def _out_of_calendar_message(task_id: int) -> str:
    name = Task.objects.filter(pk=task_id).values_list("name", flat=True).first()
    return (
        f"“{name}” would be scheduled outside the years 1 to 9999: check its start-no-earlier-"
        "than date, its duration and the lags of the links leading to it."
    )


_WRITE_BATCH = 2000


def _write_computed(ids: list[int], values: dict[str, list[Any]]) -> None:
    """Write the ``Task.COMPUTED_FIELDS`` (``values``: a list per field, in the order of
    ``ids``) of the tasks ``ids``.

    PostgreSQL: one ``UPDATE … FROM unnest(<one array per column>)``, ten parameters whatever
    the number of rows (a VALUES list of 9,000 rows is 90,000 placeholders to bind). SQLite:
    ``UPDATE … FROM (VALUES …)`` in batches. Either joins on the id, which is linear; Django's
    bulk_update builds a CASE WHEN per field that the database evaluates row by row against
    every branch (2,000 changed tasks took 6–7 s).
    """
    if not ids:
        return
    quote = connection.ops.quote_name
    table = quote(Task._meta.db_table)
    columns = ["id", *Task.COMPUTED_FIELDS]
    fields = [Task._meta.get_field(name) for name in columns]
    data = [ids, *(values[name] for name in Task.COMPUTED_FIELDS)]
    assignments = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in Task.COMPUTED_FIELDS)
    match = f"{table}.{quote('id')} = v.{quote('id')}"
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{field.cast_db_type(connection)}[]" for field in fields)
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM unnest({arrays}) AS v ({names}) "
                f"WHERE {match}",
                data,
            )
            return
        # SQLite keeps dates as ISO text and booleans as integers: the fields say how.
        data = [
            [field.get_db_prep_value(value, connection) for value in column]
            if field.get_internal_type() in {"BooleanField", "DateField"}
            else column
            for field, column in zip(fields, data, strict=True)
        ]
        cell = "(" + ", ".join(["%s"] * len(columns)) + ")"
        rows = list(zip(*data, strict=True))
        for start in range(0, len(rows), _WRITE_BATCH):
            batch = rows[start : start + _WRITE_BATCH]
            cursor.execute(
                f"WITH v ({names}) AS (VALUES {', '.join([cell] * len(batch))}) "
                f"UPDATE {table} SET {assignments} FROM v WHERE {match}",
                [value for row in batch for value in row],
            )


_INPUT_FIELDS = (
    "id",
    "duration",
    "constraint_date",
    "deadline",
    "actual_start",
    "actual_finish",
    "external_start",
    "external_finish",
    "drives_other_projects",
)

# The key of the project whose move the worker is carrying to the projects that wait for it
# (``scheduling.services.external``), while it does; None for a person's edit.
recompute_cause: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "recompute_cause", default=None
)


def _store_finish(project: Project, index: int) -> int | None:
    """Keep the plan's finish (the anchor of every task's late dates) as ``index``; returns the
    one stored before (None if there was none)."""
    before = PlanFinish.objects.filter(project=project).values_list("index", flat=True).first()
    if before is None:
        PlanFinish.objects.create(project=project, index=index)
    elif before != index:
        PlanFinish.objects.filter(project=project).update(index=index)
    return before


def schedule_recompute(project: Project) -> ScheduleChange:
    """Run the critical-path engine over the project and store what changed.

    Call inside the transaction of the edit, after ``lock_project``. A dependency loop raises a
    ValidationError naming the tasks in it (and the caller's transaction rolls back).

    Array work from end to end: the rows come as tuples, dates become working-day indexes and
    back in numpy, the array engine schedules, and the stored values are compared column by
    column, so only the rows whose schedule changed are written.
    """
    calendar = work_calendar(project)
    rows = list(
        # In the model's order (position, id): a loop is then named from the same task as
        # always, whatever order the database would return the rows in.
        Task.objects.filter(project=project).values_list(*_INPUT_FIELDS, *Task.COMPUTED_FIELDS)
    )
    if not rows:
        return ScheduleChange(finish=None)
    columns = dict(
        zip((*_INPUT_FIELDS, *Task.COMPUTED_FIELDS), zip(*rows, strict=True), strict=True)
    )
    ids = np.array(columns["id"], np.int64)
    links = list(
        Dependency.objects.filter(project=project).values_list(
            "predecessor_id", "successor_id", "type", "lag"
        )
    )
    preds, succs, kinds, lags = zip(*links, strict=True) if links else ((), (), (), ())
    by_id = np.argsort(ids)

    def position(task_ids: tuple[int, ...]) -> npt.NDArray[np.int64]:
        wanted = np.array(task_ids, np.int64)
        return by_id[np.searchsorted(ids, wanted, sorter=by_id)]

    actual_start = _index_column(
        _day_column(columns["actual_start"]), calendar, inclusive_end=False
    )
    actual_finish = _index_column(
        _day_column(columns["actual_finish"]), calendar, inclusive_end=True
    )
    both = (actual_start != engine.MISSING) & (actual_finish != engine.MISSING)
    actual_finish = np.where(both, np.maximum(actual_start, actual_finish), actual_finish)
    durations = np.array(columns["duration"], np.int64)
    try:
        result = engine.compute_schedule_arrays(
            durations,
            position(preds),
            position(succs),
            np.array([engine.LINK_TYPES.index(kind) for kind in kinds], np.int64),
            np.array(lags, np.int64),
            constraint=_start_no_earlier(columns, durations, calendar),
            deadline=_index_column(_day_column(columns["deadline"]), calendar, inclusive_end=True),
            actual_start=actual_start,
            actual_finish=actual_finish,
        )
    except engine.CycleError as error:
        cycle = engine.CycleError([int(ids[index]) for index in error.task_ids])
        raise ValidationError({"successor": _cycle_message(cycle)}) from None

    starts = calendar.indexes_to_dates(result.early_start)
    # Shown finish per task (DESIGN §4): the day at EF − 1, a milestone's at ES.
    finishes = calendar.indexes_to_dates(np.maximum(result.early_finish - 1, result.early_start))
    outside = (starts < _FIRST_DAY) | (finishes > _LAST_DAY)
    if outside.any():
        # A date near 9999 plus a duration or lags puts a date beyond what a calendar holds.
        raise ValidationError(_out_of_calendar_message(int(ids[np.argmax(outside)])))

    # Late dates relative to the finish, so a moved finish rewrites only the tasks whose own
    # dates or distance to it changed (Task.with_floats() derives the rest on read).
    computed = {
        "early_start": result.early_start,
        "early_finish": result.early_finish,
        "late_start_to_finish": result.finish - result.late_start,
        "free_float_links": result.free_float_links,
    }
    # Moved: what a reader sees changed. Written: the rows whose stored columns changed.
    moves = _int_column(columns["early_start"]) != result.early_start
    moves |= _int_column(columns["early_finish"]) != result.early_finish
    moves |= np.array(columns["is_critical"], np.bool_) != result.is_critical
    moves |= _day_column(columns["start_date"]) != starts
    moves |= _day_column(columns["finish_date"]) != finishes
    changed = moves.copy()
    # Tasks other projects wait for, whose shown dates moved: those projects follow (worker).
    drivers_moved = bool(
        (
            np.array(columns["drives_other_projects"], np.bool_)
            & (
                (_day_column(columns["start_date"]) != starts)
                | (_day_column(columns["finish_date"]) != finishes)
            )
        ).any()
    )
    for name in ("late_start_to_finish", "free_float_links"):
        changed |= _int_column(columns[name]) != computed[name]
    where = np.flatnonzero(changed)
    values = {name: array[where].tolist() for name, array in computed.items()}
    values["free_float_links"] = [
        None if value == engine.MISSING else value for value in values["free_float_links"]
    ]
    values["is_critical"] = result.is_critical[where].tolist()
    values["start_date"] = starts[where].astype(object).tolist()
    values["finish_date"] = finishes[where].astype(object).tolist()
    _write_computed(ids[where].tolist(), values)
    before = _store_finish(project, result.finish)
    _record_slips(project, calendar, columns, ids, finishes, before, result.finish)
    # A moved finish moves the late dates and floats of rows that kept their distance to it.
    moves |= _read_floats_changed(columns, before, result)
    where = np.flatnonzero(moves)
    moved = ids[where].tolist()
    signals.schedule_recomputed.send(
        sender=Task, project=project, changed=len(moved), drivers_moved=drivers_moved
    )
    finish = calendar.index_to_date(
        int(shown_finish_index(result.early_start, result.early_finish))
    )
    return ScheduleChange(
        finish=finish,
        moved=moved,
        starts=starts[where].astype(object).tolist(),
        finishes=finishes[where].astype(object).tolist(),
    )


def _start_no_earlier(
    columns: dict[str, tuple[Any, ...]],
    durations: npt.NDArray[np.int64],
    calendar: engine.WorkCalendar,
) -> npt.NDArray[np.int64]:
    """Each task's "start no earlier than" index for the engine: its own constraint and what its
    external predecessors allow (a bound on the start, and one on the exclusive finish, which
    holds the start ``duration`` days before it), whichever is latest."""
    constraint = _index_column(
        _day_column(columns["constraint_date"]), calendar, inclusive_end=False
    )
    if not any(columns["external_start"]) and not any(columns["external_finish"]):
        return constraint
    start = _index_column(_day_column(columns["external_start"]), calendar, inclusive_end=False)
    finish = _index_column(_day_column(columns["external_finish"]), calendar, inclusive_end=False)
    finish = np.where(finish == engine.MISSING, engine.MISSING, finish - durations)
    return np.maximum(np.maximum(constraint, start), finish)


def _record_slips(
    project: Project,
    calendar: engine.WorkCalendar,
    columns: dict[str, tuple[Any, ...]],
    ids: npt.NDArray[np.int64],
    finishes: npt.NDArray[np.datetime64],
    before: int | None,
    after: int,
) -> None:
    """Tell the event source of milestones that moved later (``milestone.slipped``) and of a
    plan finish that moved (``schedule.recomputed``): nothing is read or written otherwise."""
    old = _day_column(columns["finish_date"])
    milestones = np.array(columns["duration"], np.int64) == 0
    slipped = np.flatnonzero(milestones & ~np.isnat(old) & (finishes > old))
    events = []
    if slipped.size:
        names = dict(Task.objects.filter(pk__in=ids[slipped].tolist()).values_list("pk", "name"))
        for index in slipped.tolist():
            task = Task(pk=int(ids[index]), project=project, name=names.get(int(ids[index]), ""))
            event = build_event(
                "milestone.slipped",
                project=project,
                target=task,
                data={
                    "from": old[index].astype(object).isoformat(),
                    "to": finishes[index].astype(object).isoformat(),
                    "url": _task_url(task),
                },
            )
            event.object_label = f"Milestone '{task.name}'"
            events.append(event)
    if before is not None and before != after:
        data = {
            "from": calendar.index_to_date(before - 1).isoformat() if before else None,
            "to": calendar.index_to_date(after - 1).isoformat() if after else None,
        }
        if recompute_cause.get() is not None:
            # Moved by another project's change: the managers are told (notifications), not
            # which project (not every reader of this event may see it).
            data["external"] = True
        events.append(build_event("schedule.recomputed", project=project, data=data))
    if events:
        record_events(events)


def _read_floats_changed(
    columns: dict[str, tuple[Any, ...]], finish: int | None, result: engine.ScheduleArrays
) -> npt.NDArray[np.bool_]:
    """Which tasks' late start or free float, as ``with_floats()`` reads them, differ between
    the stored ``columns`` anchored at ``finish`` and the new ``result`` (total float and late
    finish follow from those and the early dates, which the caller compares)."""
    if finish is None:
        return np.ones(result.early_start.size, np.bool_)
    to_finish = _int_column(columns["late_start_to_finish"])
    early_start = _int_column(columns["early_start"])
    early_finish = _int_column(columns["early_finish"])
    links = _int_column(columns["free_float_links"])
    unset = (to_finish == engine.MISSING) | (early_start == engine.MISSING)
    late_start = finish - to_finish
    free_float = np.minimum(
        np.where(links == engine.MISSING, finish - early_finish, links), late_start - early_start
    )
    return unset | (late_start != result.late_start) | (free_float != result.free_float)


def _schedule_unlinked(project: Project, task: Task) -> ScheduleChange | None:
    """Schedule a new task without links or actuals by itself, when it cannot move any other:
    it finishes no later than the plan's latest early finish, so the backward pass's anchor, and
    with it every other task's late dates and floats, stay as stored. None when that does not
    hold (the caller recomputes the whole plan).

    The engine's rules for a task with no links (DESIGN §4): it starts at its
    start-no-earlier-than date or day 0, its late finish is the plan's finish or, earlier, its
    deadline, and its free float is its slack to the plan's finish, never more than its total.
    """
    if task.actual_start is not None or task.actual_finish is not None:
        return None
    others = (
        Task.objects.filter(project=project)
        .exclude(pk=task.pk)
        .aggregate(
            anchor=Max("early_finish"),
            latest_start=Max("early_start"),
            unscheduled=Count("pk", filter=Q(early_start__isnull=True)),
            # The stored finish in the same round trip (an uncorrelated subquery: one value).
            stored=Max(Subquery(PlanFinish.objects.filter(project=project).values("index")[:1])),
        )
    )
    if others["anchor"] is None or others["unscheduled"] or others["stored"] != others["anchor"]:
        return None
    calendar = work_calendar(project)
    anchor = others["anchor"]
    length = task.duration
    early_start = 0
    if task.constraint_date is not None:
        early_start = max(calendar.date_to_index(task.constraint_date), 0)
    early_finish = early_start + length
    if early_finish > anchor:
        return None  # the plan's finish moves, and every late date with it
    cap = anchor
    if task.deadline is not None:
        cap = min(cap, calendar.last_index_on_or_before(task.deadline) + (1 if length else 0))
    late_start = cap - length
    total_float = late_start - early_start
    try:
        start, finish = calendar.shown_dates(early_start, early_finish)
    except (ValueError, OverflowError):
        return None  # the full recompute says which task and why
    Task.objects.filter(pk=task.pk).update(
        early_start=early_start,
        early_finish=early_finish,
        late_start_to_finish=anchor - late_start,
        free_float_links=None,
        is_critical=total_float <= 0,
        start_date=start,
        finish_date=finish,
    )
    signals.schedule_recomputed.send(sender=Task, project=project, changed=1)
    shown = max(anchor - 1, others["latest_start"], max(early_finish - 1, early_start))
    return ScheduleChange(
        finish=calendar.index_to_date(shown), moved=[task.pk], starts=[start], finishes=[finish]
    )


# --- helpers --------------------------------------------------------------------------------------


def _task_url(task: Task) -> str:
    return reverse("scheduling:task_detail", kwargs={"pk": task.project_id, "task_pk": task.pk})


def _record_task_event(
    type: str, task: Task, *, by: AbstractBaseUser, fields: Iterable[str] = ()
) -> None:
    """Tell the event source that ``task`` was created, changed or deleted, with its dates as
    they stand after the recompute (one INSERT)."""
    data: dict[str, Any] = {
        "start": task.start_date,
        "finish": task.finish_date,
        "percent_complete": task.percent_complete,
        "status": task.status,
        "is_milestone": task.is_milestone,
    }
    if fields:
        data["fields"] = sorted(fields)
    if type != "task.deleted":
        data["url"] = _task_url(task)
    record_event(type, project=task.project_id, target=task, actor=by, data=data)


def _reread(task: Task) -> Task:
    """The task as stored after its recompute, with its late dates and floats."""
    return Task.objects.with_floats().get(pk=task.pk)


def _derive_status(task: Task) -> None:
    """Status follows progress: actual finish or 100% is done; any start or progress is
    in progress. A finish implies 100%, and 100% without a recorded finish stays 100%."""
    if task.actual_finish is not None:
        task.percent_complete = 100
    if task.percent_complete == 100:
        task.status = Task.Status.DONE
    elif task.actual_start is not None or task.percent_complete > 0:
        task.status = Task.Status.IN_PROGRESS
    else:
        task.status = Task.Status.NOT_STARTED


def _check_task_refs(project: Project, fields: dict[str, Any]) -> None:
    check_same_project(project, fields.get("work_package"), "work_package")
    check_same_project(project, fields.get("phase"), "phase")
    check_member(project, fields.get("owner"), "owner")
    # What has happened is dated no later than today; plans (constraint, deadline) may be.
    check_not_after_today(project, fields.get("actual_start"), "actual_start", "The actual start")
    check_not_after_today(
        project, fields.get("actual_finish"), "actual_finish", "The actual finish"
    )


# --- tasks ----------------------------------------------------------------------------------------


@transaction.atomic
def task_create(
    *,
    project: Project,
    by: AbstractBaseUser,
    name: str,
    predecessors: str | None = None,
    **fields: Any,
) -> Task:
    """Add a task (last in its work package unless a position is given) and reschedule.

    ``predecessors`` is predecessor text (``3FS+2d, 5SS``) naming the tasks it waits for.
    """
    unknown = set(fields) - set(TASK_FIELDS)
    if unknown:
        raise ValidationError({field: "Unknown field." for field in unknown})
    lock_project(project)
    _check_task_refs(project, fields)
    if "position" not in fields:
        last = Task.objects.filter(
            project=project, work_package=fields.get("work_package")
        ).aggregate(m=Max("position"))["m"]
        fields["position"] = (last or 0) + 1
    task = Task(project=project, name=name, **fields)
    _derive_status(task)
    task.full_clean()
    task._history_user = by
    task.save()
    record_assignment("task", task, project=project, before=None, actor=by, url=_task_url(task))
    if predecessors:
        change = _replace_predecessors(project=project, task=task, text=predecessors, by=by)
    else:
        change = _schedule_unlinked(project, task) or schedule_recompute(project)
    task = _reread(task)
    task.schedule_change = change
    _record_task_event("task.created", task, by=by)
    return task


@transaction.atomic
def task_update(
    *,
    task: Task,
    by: AbstractBaseUser,
    version: int | None,
    predecessors: str | None = None,
    predecessors_expected: str | None = None,
    **changes: Any,
) -> Task:
    """Edit a task; a stale ``version`` is refused, and date-moving edits reschedule.

    ``predecessors`` (predecessor text) replaces the task's incoming links; None leaves them.
    ``predecessors_expected`` is the text the person started from (see
    ``task_predecessors_replace``).
    """
    unknown = set(changes) - set(TASK_FIELDS)
    if unknown:
        raise ValidationError({field: "This field cannot be changed." for field in unknown})
    project = lock_project(task.project)
    current = Task.objects.select_for_update().get(pk=task.pk)
    if version is not None and current.version != version:
        raise StaleEdit()
    if predecessors is not None and predecessors_expected is not None:
        _check_predecessors_unchanged(current, predecessors_expected)
    _check_task_refs(project, changes)
    before = current.owner_id
    for field, value in changes.items():
        setattr(current, field, value)
    _derive_status(current)
    current.full_clean()
    current.version = F("version") + 1
    current._history_user = by
    current.save()
    record_assignment(
        "task", current, project=project, before=before, actor=by, url=_task_url(current)
    )
    if predecessors is not None:
        current.schedule_change = _replace_predecessors(
            project=project, task=current, text=predecessors, by=by
        )
    elif SCHEDULE_FIELDS & set(changes):
        current.schedule_change = schedule_recompute(project)
    change = getattr(current, "schedule_change", None)
    current = _reread(current)
    if change is not None:
        current.schedule_change = change
    fields = set(changes) | ({"predecessors"} if predecessors is not None else set())
    _record_task_event("task.updated", current, by=by, fields=fields)
    return current


@transaction.atomic
def task_delete(*, task: Task, by: AbstractBaseUser) -> None:
    """Delete a task with its links, and reschedule what depended on it."""
    project = lock_project(task.project)
    # Recorded before the row goes: the event keeps the task's id, name and last dates.
    _record_task_event("task.deleted", task, by=by)
    task._history_user = by
    task.delete()
    schedule_recompute(project)


# --- dependencies ---------------------------------------------------------------------------------


@transaction.atomic
def dependency_add(
    *,
    project: Project,
    by: AbstractBaseUser,
    predecessor: Task,
    successor: Task,
    type: str = Dependency.Type.FS,
    lag: int = 0,
) -> Dependency:
    """Link two tasks of the project. A link that closes a loop is refused, naming the tasks."""
    lock_project(project)
    check_same_project(project, predecessor, "predecessor")
    check_same_project(project, successor, "successor")
    if predecessor.pk == successor.pk:
        raise ValidationError({"successor": "A task cannot depend on itself."})
    if Dependency.objects.filter(predecessor=predecessor, successor=successor).exists():
        raise ValidationError(
            {"successor": f"“{predecessor.name}” is already linked to “{successor.name}”."}
        )
    if Dependency.objects.filter(predecessor=successor, successor=predecessor).exists():
        raise ValidationError(
            {
                "successor": f"This would make a loop of dependencies: “{predecessor.name}” → "
                f"“{successor.name}” → “{predecessor.name}”."
            }
        )
    dependency = Dependency(
        project=project, predecessor=predecessor, successor=successor, type=type, lag=lag
    )
    dependency.full_clean(validate_unique=False, validate_constraints=False)
    dependency._history_user = by
    try:
        with transaction.atomic():
            dependency.save()
    except IntegrityError:  # a concurrent request added the same link first
        raise ValidationError({"successor": "These two tasks are already linked."}) from None
    dependency.schedule_change = schedule_recompute(project)
    return dependency


def link_change(link: Any, *, by: AbstractBaseUser, version: int | None, changes: dict) -> Any:
    """Change a link's (``Dependency`` or ``ExternalDependency``) type or lag under the caller's
    project lock, refusing other fields and a stale version; returns the saved row, re-read."""
    unknown = set(changes) - {"type", "lag"}
    if unknown:
        raise ValidationError(
            {field: "Remove the link and add a new one to change its tasks." for field in unknown}
        )
    current = type(link).objects.select_for_update().get(pk=link.pk)
    if version is not None and current.version != version:
        raise StaleEdit()
    for field, value in changes.items():
        setattr(current, field, value)
    current.full_clean(validate_unique=False, validate_constraints=False)
    current.version = F("version") + 1
    current._history_user = by
    current.save()
    current.refresh_from_db()
    return current


@transaction.atomic
def dependency_update(
    *, dependency: Dependency, by: AbstractBaseUser, version: int | None, **changes: Any
) -> Dependency:
    """Change a link's type or lag (to relink other tasks, remove it and add another)."""
    if set(changes) - {"type", "lag"}:
        return link_change(dependency, by=by, version=version, changes=changes)  # refused
    project = lock_project(dependency.project)
    current = link_change(dependency, by=by, version=version, changes=changes)
    current.schedule_change = schedule_recompute(project)
    return current


@transaction.atomic
def dependency_remove(*, dependency: Dependency, by: AbstractBaseUser) -> None:
    project = lock_project(dependency.project)
    dependency._history_user = by
    dependency.delete()
    schedule_recompute(project)


@transaction.atomic
def task_predecessors_replace(
    *, task: Task, by: AbstractBaseUser, text: str, expected: str | None = None
) -> ScheduleChange:
    """Make the task's incoming links exactly those of predecessor ``text`` (``3FS+2d, 5SS``),
    in one transaction, and reschedule; returns what the reschedule moved. Unknown task numbers,
    a task on itself and a loop are refused naming the tasks, and then nothing is written.

    ``expected`` is the text the person started from: if the links changed meanwhile, the
    edit is refused as stale rather than silently dropping someone else's link.
    """
    project = lock_project(task.project)
    if expected is not None:
        _check_predecessors_unchanged(task, expected)
    change = _replace_predecessors(project=project, task=task, text=text, by=by)
    # The task's dates after the recompute come with the change (no re-read for the event).
    moved = copy.copy(task)
    if task.pk in change.moved:
        index = change.moved.index(task.pk)
        moved.start_date, moved.finish_date = change.starts[index], change.finishes[index]
    _record_task_event("task.updated", moved, by=by, fields=["predecessors"])
    return change


def _check_predecessors_unchanged(task: Task, expected: str) -> None:
    now = _predecessors_text(task)
    if _normalised(expected) != now:
        raise StaleEdit(
            f"Someone changed the predecessors of “{task.name}” since you opened it: they are "
            f"now “{now or 'none'}”. Apply your change to that text again."
        )


def _predecessors_text(task: Task) -> str:
    """The task's incoming links as predecessor text, read fresh from the database."""
    return predecessors.format_links(
        predecessors.PredecessorLink(ref, kind, lag)
        for ref, kind, lag in Dependency.objects.filter(successor=task).values_list(
            "predecessor__ref", "type", "lag"
        )
    )


def _normalised(text: str) -> str:
    try:
        return predecessors.format_links(predecessors.parse(text))
    except predecessors.PredecessorError:
        return text


def _replace_predecessors(
    *, project: Project, task: Task, text: str, by: AbstractBaseUser
) -> ScheduleChange:
    """Replace the incoming links of ``task`` (under the caller's project lock) and reschedule.
    Errors are ValidationErrors on ``predecessors``."""
    try:
        wanted = predecessors.parse(text, max_lag=MAX_WORKING_DAYS)
    except predecessors.PredecessorError as error:
        raise ValidationError({"predecessors": error.messages}) from None
    by_ref = {
        t.ref: t
        for t in Task.objects.filter(project=project, ref__in=[link.ref for link in wanted]).only(
            "id", "ref", "name"
        )
    }
    unknown = [str(link.ref) for link in wanted if link.ref not in by_ref]
    if unknown:
        raise ValidationError(
            {
                "predecessors": f"{project.key} has no task numbered {', '.join(unknown)}."
                if len(unknown) == 1
                else f"{project.key} has no tasks numbered {', '.join(unknown)}."
            }
        )
    if any(link.ref == task.ref for link in wanted):
        raise ValidationError(
            {"predecessors": f"A task cannot depend on itself ({task.ref} is “{task.name}”)."}
        )
    current = {d.predecessor_id: d for d in Dependency.objects.filter(successor=task)}
    for link in wanted:
        predecessor = by_ref[link.ref]
        dependency = current.pop(predecessor.pk, None)
        if dependency is None:
            dependency = Dependency(
                project=project,
                predecessor=predecessor,
                successor=task,
                type=link.type,
                lag=link.lag,
            )
        elif (dependency.type, dependency.lag) == (link.type, link.lag):
            continue
        else:
            dependency.type, dependency.lag = link.type, link.lag
            dependency.version = F("version") + 1
        dependency._history_user = by
        dependency.save()
    for dependency in current.values():
        dependency._history_user = by
        dependency.delete()
    try:
        return schedule_recompute(project)
    except ValidationError as error:
        # A loop: the engine names its tasks; say it on the field the person typed in.
        raise ValidationError({"predecessors": error.messages}) from None


# --- calendar -------------------------------------------------------------------------------------


def _recompute_new_calendar(project: Project) -> ScheduleChange:
    """Reschedule after a calendar edit: the bounds other projects' tasks put on this one's are
    working days of this calendar, so they are derived again first."""
    refresh_bounds(project, work_calendar(project))
    return schedule_recompute(project)


@transaction.atomic
def calendar_update(
    *,
    project: Project,
    by: AbstractBaseUser,
    version: int | None,
    working_weekdays: list[int] | None = None,
    holidays: Iterable[datetime.date] | None = None,
) -> Calendar:
    """Set the working weekdays and/or replace the holiday list, then reschedule."""
    lock_project(project)
    calendar = Calendar.objects.select_for_update().get(pk=calendar_for(project).pk)
    if version is not None and calendar.version != version:
        raise StaleEdit()
    if working_weekdays is not None:
        try:
            validate_working_weekdays(working_weekdays)
        except ValidationError as error:
            raise ValidationError({"working_weekdays": error.messages}) from None
        calendar.working_weekdays = working_weekdays
        calendar.full_clean()
        calendar.version = F("version") + 1
        calendar._history_user = by
        calendar.save()
    if holidays is not None:
        wanted = set(holidays)
        existing = set(calendar.holidays.values_list("date", flat=True))
        calendar.holidays.filter(date__in=existing - wanted).delete()
        Holiday.objects.bulk_create(
            [Holiday(calendar=calendar, date=day) for day in sorted(wanted - existing)]
        )
        if working_weekdays is None:
            Calendar.objects.filter(pk=calendar.pk).update(version=F("version") + 1)
    _recompute_new_calendar(project)
    calendar.refresh_from_db()
    return calendar


@transaction.atomic
def holiday_add(
    *, project: Project, by: AbstractBaseUser, date: datetime.date, name: str = ""
) -> Holiday:
    lock_project(project)
    calendar = calendar_for(project)
    if calendar.holidays.filter(date=date).exists():
        raise ValidationError({"date": f"{date:%d %b %Y} is already a holiday."})
    holiday = Holiday(calendar=calendar, date=date, name=name)
    holiday._history_user = by
    holiday.save()
    _recompute_new_calendar(project)
    return holiday


@transaction.atomic
def holiday_remove(*, holiday: Holiday, by: AbstractBaseUser) -> None:
    project = lock_project(holiday.calendar.project)
    holiday._history_user = by
    holiday.delete()
    _recompute_new_calendar(project)


@transaction.atomic
def holidays_import(
    *, project: Project, by: AbstractBaseUser, country: str, year: int, subdivision: str = ""
) -> list[Holiday]:
    """Add a country's public holidays for a year (the ``holidays`` package); days already in
    the calendar are kept. Returns the holidays added."""
    import holidays as holiday_data

    country = country.strip().upper()
    supported = holiday_data.list_supported_countries()
    if country not in supported:
        raise ValidationError({"country": f"“{country}” is not a supported country code."})
    if subdivision and subdivision not in supported[country]:
        raise ValidationError(
            {
                "subdivision": f"“{subdivision}” is not a region of {country}; use one of "
                + ", ".join(supported[country])
                + "."
            }
        )
    if not 1900 <= year <= 2200:
        raise ValidationError({"year": "Give a year between 1900 and 2200."})
    lock_project(project)
    calendar = calendar_for(project)
    days = holiday_data.country_holidays(country, subdiv=subdivision or None, years=year)
    existing = set(calendar.holidays.values_list("date", flat=True))
    added = Holiday.objects.bulk_create(
        [
            Holiday(calendar=calendar, date=day, name=str(name)[:200])
            for day, name in sorted(days.items())
            if day not in existing
        ]
    )
    _recompute_new_calendar(project)
    return added


# --- baselines ------------------------------------------------------------------------------------


@transaction.atomic
def baseline_create(
    *,
    project: Project,
    by: AbstractBaseUser,
    name: str,
    note: str = "",
    is_performance: bool = False,
) -> Baseline:
    """Freeze the current plan (dates, durations, costs of every task) under ``name``."""
    lock_project(project)
    name = baseline_name_checked(project, name)
    tasks = list(
        Task.objects.filter(project=project).values(
            "name",
            "duration",
            "start_date",
            "finish_date",
            "early_start",
            "early_finish",
            "fixed_cost",
            "labour_cost",
            task_id=F("id"),
        )
    )
    # A task's budget is its planned cost: fixed cost plus labour from assignments.
    for t in tasks:
        t["cost"] = t.pop("fixed_cost") + t.pop("labour_cost")
    return baseline_store(
        project=project, by=by, name=name, note=note, is_performance=is_performance, tasks=tasks
    )


def baseline_name_checked(project: Project, name: str) -> str:
    """The baseline's name, stripped; refused when empty or taken in the project."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the baseline a name, e.g. “Approved plan”."})
    if Baseline.objects.filter(project=project, name=name).exists():
        raise ValidationError({"name": f"{project.key} already has a baseline “{name}”."})
    return name


def baseline_store(
    *,
    project: Project,
    by: AbstractBaseUser,
    name: str,
    note: str,
    is_performance: bool,
    tasks: list[dict[str, Any]],
) -> Baseline:
    """Write a baseline and its task rows (``task_id``, ``name``, ``duration``, ``start_date``,
    ``finish_date``, ``early_start``, ``early_finish``, ``cost``), the only performance baseline
    if ``is_performance``: for a copy of the plan and for one another tool recorded alike."""
    if is_performance:
        Baseline.objects.filter(project=project, is_performance=True).update(is_performance=False)
    baseline = Baseline(
        project=project,
        name=name,
        note=note,
        is_performance=is_performance,
        start_date=min((t["start_date"] for t in tasks if t["start_date"]), default=None),
        finish_date=max((t["finish_date"] for t in tasks if t["finish_date"]), default=None),
        total_cost=sum((t["cost"] for t in tasks), Decimal("0.00")),
        created_by=by,
    )
    baseline._history_user = by
    baseline.save()
    BaselineTask.objects.bulk_create(
        [BaselineTask(baseline=baseline, **t) for t in tasks], batch_size=1000
    )
    return baseline


@transaction.atomic
def baseline_set_performance(*, baseline: Baseline, by: AbstractBaseUser) -> Baseline:
    """Make ``baseline`` the one earned value measures against."""
    lock_project(baseline.project)
    Baseline.objects.filter(project=baseline.project_id, is_performance=True).exclude(
        pk=baseline.pk
    ).update(is_performance=False)
    baseline.is_performance = True
    baseline._history_user = by
    baseline.save(update_fields=["is_performance"])
    return baseline
