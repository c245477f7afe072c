"""From an MS Project plan (``interchange.mspdi.Plan``) to Charter's terms, and what that costs.

Pure: no Django. ``map_plan`` decides once, for both the preview and the import, what becomes
what: summary tasks the WBS, leaf tasks tasks, links Charter's four types in working days, the
project calendar's week and non-working exceptions, constraints Charter has, resources and
assignments, baseline 0; everything it cannot carry over is in ``skipped`` and everything it had
to change in ``converted``, each with the reason. ``schedule_preview`` runs the same critical-path
engine the import will run and compares every task with the dates MS Project stored.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from interchange import mspdi
from scheduling import engine
from scheduling.workdays import WorkCalendar

# A link on a summary task becomes links on the tasks under it; past this many it is skipped.
MAX_EXPANDED_LINKS = 10_000
NAME_LENGTH = 200


@dataclass
class MappedPackage:
    uid: int
    name: str
    parent_uid: int | None
    outline_number: str


@dataclass
class MappedTask:
    uid: int
    name: str
    package_uid: int | None
    position: int
    duration: int
    constraint_date: datetime.date | None
    deadline: datetime.date | None
    percent_complete: int
    actual_start: datetime.date | None
    actual_finish: datetime.date | None
    fixed_cost: Decimal
    description: str
    # Where MS Project put it, as working-day indexes on the Charter calendar (None: no date).
    file_start: datetime.date | None = None
    file_finish: datetime.date | None = None
    file_start_index: int | None = None
    file_finish_index: int | None = None


@dataclass(frozen=True)
class MappedLink:
    predecessor_uid: int
    successor_uid: int
    type: str
    lag: int


@dataclass(frozen=True)
class MappedResource:
    uid: int
    name: str
    kind: str  # person, non_labour
    rate: Decimal


@dataclass(frozen=True)
class MappedAssignment:
    task_uid: int
    resource_uid: int
    units: int


@dataclass(frozen=True)
class MappedBaseline:
    task_uid: int
    start: datetime.date | None
    finish: datetime.date | None
    duration: int
    cost: Decimal


@dataclass
class Mapped:
    name: str
    start: datetime.date
    file_finish: datetime.date | None
    working_weekdays: list[int]
    holidays: list[tuple[datetime.date, str]]
    packages: list[MappedPackage]
    tasks: list[MappedTask]
    links: list[MappedLink]
    resources: list[MappedResource]
    assignments: list[MappedAssignment]
    baseline: list[MappedBaseline]
    skipped: list[dict[str, str]] = field(default_factory=list)
    converted: list[dict[str, str]] = field(default_factory=list)
    # Why a task's dates may differ from MS Project's, by task UID.
    reasons: dict[int, list[str]] = field(default_factory=dict)

    def calendar(self) -> WorkCalendar:
        return WorkCalendar(
            working_weekdays=frozenset(self.working_weekdays),
            holidays=frozenset(day for day, _ in self.holidays),
            start=self.start,
        )


def _day_of_start(moment: datetime.datetime, plan: mspdi.Plan) -> datetime.date:
    """The day a start stands for: a start at or after the end of the working day (where MS
    Project puts a milestone that follows a task) is the next day's."""
    if moment.time() >= plan.default_finish_time:
        return moment.date() + datetime.timedelta(days=1)
    return moment.date()


def _day_of_finish(moment: datetime.datetime, plan: mspdi.Plan) -> datetime.date:
    """The day a finish stands for: a finish at or before the start of the working day is the
    previous day's (unless the file has no times at all)."""
    if moment.time() <= plan.default_start_time and not plan.dates_only:
        return moment.date() - datetime.timedelta(days=1)
    return moment.date()


def _project_start(plan: mspdi.Plan) -> datetime.date:
    starts = [t.start for t in plan.tasks if t.start is not None and t.outline_level > 0]
    if plan.start is not None:
        return _day_of_start(plan.start, plan)
    if starts:
        return _day_of_start(min(starts), plan)
    raise mspdi.MspdiError("The plan has no start date and no dated task.")


def map_plan(
    plan: mspdi.Plan, *, today: datetime.date, start: datetime.date | None = None
) -> Mapped:
    """Charter's version of ``plan``; ``start`` is an existing project's start (else the
    file's), ``today`` the project's today (actual dates after it are not kept)."""
    skipped: list[dict[str, str]] = []
    converted: list[dict[str, str]] = []
    reasons: dict[int, list[str]] = {}

    def skip(item: str, reason: str, uid: int | None = None) -> None:
        skipped.append({"item": item, "reason": reason})
        if uid is not None:
            reasons.setdefault(uid, []).append(reason)

    def note(uid: int, reason: str) -> None:
        reasons.setdefault(uid, []).append(reason)

    def convert(item: str, reason: str, uid: int | None = None) -> None:
        converted.append({"item": item, "reason": reason})
        if uid is not None:
            reasons.setdefault(uid, []).append(reason)

    if not plan.schedule_from_start:
        convert(
            "Project",
            "MS Project schedules this plan back from its finish; Charter schedules forward "
            "from the start.",
        )
    # The calendar.
    project_calendar = plan.calendar
    weekdays = sorted(plan.working_weekdays())
    holidays: dict[datetime.date, str] = {}
    if project_calendar is not None:
        for exception in project_calendar.exceptions:
            label = exception.name or f"{exception.start:%d %b %Y}"
            if exception.recurring:
                skip(f"Calendar exception “{label}”", "Recurring exceptions are not imported.")
                continue
            if exception.working:
                skip(
                    f"Calendar exception “{label}”",
                    "A worked day outside the working week cannot be kept: Charter's calendar "
                    "is working weekdays minus holidays.",
                )
                continue
            days = (exception.finish - exception.start).days + 1
            if days > mspdi.MAX_EXCEPTION_DAYS or days < 1:
                skip(f"Calendar exception “{label}”", f"It spans {days} days.")
                continue
            for offset in range(days):
                day = exception.start + datetime.timedelta(days=offset)
                if day.isoweekday() in weekdays:
                    holidays.setdefault(day, exception.name[:200])
    used_calendars = {t.calendar_uid for t in plan.tasks if t.calendar_uid is not None}
    for calendar in plan.calendars:
        if calendar.uid == plan.calendar_uid:
            continue
        if calendar.uid in used_calendars:
            skip(
                f"Calendar “{calendar.name}”",
                "Tasks on their own calendar are scheduled on the project calendar.",
            )
        elif calendar.base_uid is None:
            skip(f"Calendar “{calendar.name}”", "Charter keeps one calendar per project.")

    first_day = start or _project_start(plan)
    mapped = Mapped(
        name=(plan.title or plan.name.removesuffix(".xml") or "Imported plan")[:NAME_LENGTH],
        start=first_day,
        file_finish=None,
        working_weekdays=weekdays,
        holidays=sorted(holidays.items()),
        packages=[],
        tasks=[],
        links=[],
        resources=[],
        assignments=[],
        baseline=[],
        skipped=skipped,
        converted=converted,
        reasons=reasons,
    )
    calendar = mapped.calendar()

    # The outline: a task is a summary when the file says so or the next row is deeper.
    rows = [t for t in plan.tasks if t.outline_level > 0 and t.uid != 0]
    rows.sort(key=lambda t: t.id)
    for row in rows:
        if not row.active:
            skip(f"Task “{row.name}”", "Inactive in MS Project: it takes no part in the plan.")
    inactive = {row.uid for row in rows if not row.active}
    rows = [row for row in rows if row.active]
    summary_uids = {
        row.uid
        for index, row in enumerate(rows)
        if row.is_summary
        or (index + 1 < len(rows) and rows[index + 1].outline_level > row.outline_level)
    }
    parents: list[tuple[int, int]] = []  # (outline level, summary uid)
    leaves_of: dict[int, list[int]] = {}
    positions: Counter[int | None] = Counter()
    by_uid = {t.uid: t for t in plan.tasks}
    for row in rows:
        while parents and parents[-1][0] >= row.outline_level:
            parents.pop()
        parent = parents[-1][1] if parents else None
        name = row.name or f"Task {row.id}"
        if len(name) > NAME_LENGTH:
            convert(f"“{name[:40]}…”", f"The name was cut to {NAME_LENGTH} characters.")
            name = name[:NAME_LENGTH]
        if row.uid in summary_uids:
            mapped.packages.append(MappedPackage(row.uid, name, parent, row.outline_number))
            parents.append((row.outline_level, row.uid))
            leaves_of.setdefault(row.uid, [])
            _summary_notes(row, name, skip)
            continue
        for _, summary in parents:
            leaves_of[summary].append(row.uid)
        positions[parent] += 1
        mapped.tasks.append(
            _task(row, name, parent, positions[parent], plan, calendar, today, skip, convert, note)
        )

    task_uids = {t.uid for t in mapped.tasks}
    mapped.file_finish = max(
        (t.file_finish for t in mapped.tasks if t.file_finish is not None), default=None
    )
    if mapped.file_finish is None and mapped.tasks and plan.finish is not None:
        mapped.file_finish = _day_of_finish(plan.finish, plan)

    # Links.
    seen: dict[tuple[int, int], MappedLink] = {}
    for link in plan.links:
        successor, predecessor = by_uid[link.successor_uid], by_uid[link.predecessor_uid]
        label = f"Link “{predecessor.name}” → “{successor.name}”"
        if predecessor.outline_level == 0 or successor.outline_level == 0:
            skip(label, "A link on the project summary task.")
            continue
        if link.predecessor_uid in inactive or link.successor_uid in inactive:
            continue  # the inactive task is listed as skipped already
        lag = link.lag_days
        if link.percent:
            skip(
                label + " (lag)",
                "A lag as a percentage of the predecessor is not supported; "
                "the link is kept without lag.",
                link.successor_uid,
            )
            lag = 0
        elif link.elapsed:
            convert(
                label,
                f"Elapsed lag of {link.lag_minutes / 1440:g} calendar days converted to {lag} "
                "working days.",
                link.successor_uid,
            )
        elif link.rounded:
            convert(
                label,
                f"Lag of {link.lag_minutes / plan.minutes_per_day:g} working days rounded to "
                f"{lag}.",
                link.successor_uid,
            )
        predecessors = [link.predecessor_uid]
        successors = [link.successor_uid]
        if link.predecessor_uid in summary_uids:
            if link.type not in ("FS", "FF"):
                skip(
                    label,
                    f"A {link.type} link from a summary task has no equivalent on its tasks.",
                    link.successor_uid,
                )
                continue
            predecessors = leaves_of.get(link.predecessor_uid, [])
        if link.successor_uid in summary_uids:
            if link.type not in ("FS", "SS"):
                skip(
                    label, f"A {link.type} link into a summary task has no equivalent on its tasks."
                )
                continue
            successors = leaves_of.get(link.successor_uid, [])
        if len(predecessors) * len(successors) > MAX_EXPANDED_LINKS:
            skip(label, "A link between summary tasks with too many tasks under them.")
            continue
        if (predecessors, successors) != ([link.predecessor_uid], [link.successor_uid]):
            if not predecessors or not successors:
                skip(label, "The summary task has no tasks under it.")
                continue
            convert(
                label,
                f"A link on a summary task, replaced by {len(predecessors) * len(successors)} "
                "link(s) on the tasks under it.",
            )
        for p in predecessors:
            for s in successors:
                if p == s or p not in task_uids or s not in task_uids:
                    continue
                if (p, s) in seen:
                    if link.predecessor_uid not in summary_uids and (
                        link.successor_uid not in summary_uids
                    ):
                        skip(label, "A second link between the same two tasks.", s)
                    continue
                seen[(p, s)] = MappedLink(p, s, link.type, lag)
    mapped.links = list(seen.values())

    # Resources and assignments.
    names: set[str] = set()
    resource_kinds: dict[int, str] = {}
    for resource in plan.resources:
        if not resource.name:
            continue
        name = resource.name[:NAME_LENGTH]
        if name.lower() in names:
            number = 2
            while f"{name} ({number})".lower() in names:
                number += 1
            convert(
                f"Resource “{name}”",
                f"Another resource has this name: renamed “{name} ({number})”.",
            )
            name = f"{name} ({number})"
        names.add(name.lower())
        kind = "person" if resource.kind == "work" else "non_labour"
        rate = max(resource.standard_rate, Decimal("0")).quantize(Decimal("0.01"))
        mapped.resources.append(MappedResource(resource.uid, name, kind, rate))
        resource_kinds[resource.uid] = kind
    durations = {t.uid: t.duration for t in mapped.tasks}
    for assignment in plan.assignments:
        if assignment.resource_uid == mspdi.UNASSIGNED_RESOURCE:
            continue
        task = by_uid.get(assignment.task_uid)
        resource_kind = resource_kinds.get(assignment.resource_uid)
        if task is None or resource_kind is None:
            continue  # a nameless placeholder resource, or a task of another file
        label = f"Assignment on “{task.name}”"
        if assignment.task_uid not in task_uids:
            skip(label, "Assignments on summary tasks are not imported.")
            continue
        if resource_kind == "person" and durations[assignment.task_uid] == 0:
            skip(label, "A milestone has no work to book.")
            continue
        units = int((assignment.units * 100).to_integral_value())
        if not 1 <= units <= 1000:
            convert(label, f"Units of {units}% brought within 1–1000%.")
            units = min(max(units, 1), 1000)
        mapped.assignments.append(
            MappedAssignment(assignment.task_uid, assignment.resource_uid, units)
        )

    # Baseline 0.
    for row in rows:
        if row.uid in task_uids and row.baseline is not None:
            base = row.baseline
            mapped.baseline.append(
                MappedBaseline(
                    task_uid=row.uid,
                    start=_day_of_start(base.start, plan) if base.start else None,
                    finish=_day_of_finish(base.finish, plan) if base.finish else None,
                    duration=base.duration_days,
                    cost=max(base.cost, Decimal("0")),
                )
            )
    return mapped


def _summary_notes(row: mspdi.Task, name: str, skip) -> None:
    if row.constraint_type != mspdi.ASAP or row.deadline is not None:
        skip(f"Constraint of summary task “{name}”", "Work packages carry no constraint.")
    if row.fixed_cost:
        skip(f"Fixed cost of summary task “{name}”", "Work packages carry no cost of their own.")


def _task(
    row: mspdi.Task,
    name: str,
    parent: int | None,
    position: int,
    plan: mspdi.Plan,
    calendar: WorkCalendar,
    today: datetime.date,
    skip,
    convert,
    note,
) -> MappedTask:
    label = f"Task “{name}”"
    uid = row.uid
    duration = row.duration_days
    if row.duration_rounded:
        convert(
            label,
            f"Duration of {row.duration_minutes / plan.minutes_per_day:g} working days rounded to "
            f"{duration}.",
            uid,
        )
    if row.is_milestone and duration > 0:
        convert(label, f"A milestone of {duration} days: imported as a task of {duration} days.")
    if duration > 10_000:
        convert(label, f"Duration of {duration} working days cut to 10,000.", uid)
        duration = 10_000
    constraint_date = deadline = None
    constraint = mspdi.CONSTRAINTS.get(row.constraint_type, str(row.constraint_type))
    day = row.constraint_date
    if row.constraint_type in (mspdi.SNET, mspdi.MSO) and day is not None:
        constraint_date = _day_of_start(day, plan)
        if row.constraint_type == mspdi.MSO:
            convert(label, "“Must start on” imported as “start no earlier than”.", uid)
    elif row.constraint_type in (mspdi.FNLT, 3) and day is not None:
        deadline = _day_of_finish(day, plan) if duration else day.date()
        if row.constraint_type == 3:
            convert(label, "“Must finish on” imported as “finish no later than”.", uid)
    elif row.constraint_type != mspdi.ASAP:
        skip(
            f"Constraint “{constraint}” of “{name}”",
            "Charter has start no earlier than and finish no later than only.",
            uid,
        )
    if row.deadline is not None:
        day_deadline = row.deadline.date()
        deadline = min(deadline, day_deadline) if deadline else day_deadline
    actual_start = row.actual_start.date() if row.actual_start else None
    actual_finish = row.actual_finish.date() if row.actual_finish else None
    if actual_start and actual_start > today:
        skip(f"Actual start of “{name}”", f"{actual_start} is after today.", uid)
        actual_start = actual_finish = None
    if actual_finish and actual_finish > today:
        skip(f"Actual finish of “{name}”", f"{actual_finish} is after today.", uid)
        actual_finish = None
    if actual_finish and not actual_start:
        skip(f"Actual finish of “{name}”", "It has no actual start.", uid)
        actual_finish = None
    if actual_start and actual_finish and actual_finish < actual_start:
        skip(f"Actual finish of “{name}”", "It is before the actual start.", uid)
        actual_finish = None
    if row.calendar_uid is not None:
        convert(label, "It has a calendar of its own; Charter uses the project calendar.", uid)
    fixed_cost = row.fixed_cost
    if fixed_cost < 0:
        skip(f"Fixed cost of “{name}”", "A negative fixed cost.", uid)
        fixed_cost = Decimal("0")
    task = MappedTask(
        uid=uid,
        name=name,
        package_uid=parent,
        position=position,
        duration=duration,
        constraint_date=constraint_date,
        deadline=deadline,
        percent_complete=row.percent_complete,
        actual_start=actual_start,
        actual_finish=actual_finish,
        fixed_cost=fixed_cost.quantize(Decimal("0.01")),
        description=row.notes,
    )
    if row.start is not None:
        task.file_start = _day_of_start(row.start, plan)
        task.file_start_index = calendar.date_to_index(task.file_start)
    if row.finish is not None:
        if duration == 0:
            task.file_finish = task.file_start
            task.file_finish_index = task.file_start_index
        else:
            task.file_finish = _day_of_finish(row.finish, plan)
            task.file_finish_index = calendar.last_index_on_or_before(task.file_finish)
    if row.is_manual:
        # A reason for a difference only, not a conversion worth listing for every task.
        note(uid, "Manually scheduled in MS Project; Charter schedules it from its links.")
    return task


def schedule_preview(mapped: Mapped) -> dict[str, Any]:
    """Run the engine over the mapped plan and compare with MS Project's dates: the preview.

    Raises ``engine.CycleError`` (task UIDs) for a loop the summary links made.
    """
    calendar = mapped.calendar()
    inputs = []
    for task in mapped.tasks:
        first, last = calendar.actual_indexes(task.actual_start, task.actual_finish)
        inputs.append(
            engine.TaskInput(
                id=task.uid,
                duration=task.duration,
                constraint=calendar.date_to_index(task.constraint_date)
                if task.constraint_date
                else None,
                deadline=calendar.last_index_on_or_before(task.deadline) if task.deadline else None,
                actual_start=first,
                actual_finish=last,
            )
        )
    links = [
        engine.LinkInput(link.predecessor_uid, link.successor_uid, link.type, link.lag)
        for link in mapped.links
    ]
    result = engine.compute_schedule(inputs, links) if inputs else None
    differences = []
    computed_finish = None
    if result is not None:
        starts = [r.early_start for r in result.tasks.values()]
        finishes = [r.early_finish for r in result.tasks.values()]
        computed_finish = calendar.project_finish(starts, finishes)
        for task in mapped.tasks:
            computed = result.tasks[task.uid]
            start, finish = calendar.shown_dates(computed.early_start, computed.early_finish)
            finish_index = max(computed.early_finish - 1, computed.early_start)
            if task.file_start_index is None:
                continue
            if (task.file_start_index, task.file_finish_index) == (
                computed.early_start,
                finish_index,
            ):
                continue
            why = list(mapped.reasons.get(task.uid, []))
            differences.append(
                {
                    "uid": task.uid,
                    "name": task.name,
                    "file_start": task.file_start,
                    "file_finish": task.file_finish,
                    "start": start,
                    "finish": finish,
                    "reasons": why
                    or ["Computed from its links, constraints and the project calendar."],
                }
            )
    # A task that follows one whose dates differ moves with it: say so.
    differing = {row["uid"]: row["name"] for row in differences}
    predecessors: dict[int, list[int]] = {}
    for link in mapped.links:
        predecessors.setdefault(link.successor_uid, []).append(link.predecessor_uid)
    for row in differences:
        moved = [differing[p] for p in predecessors.get(row["uid"], []) if p in differing]
        if moved:
            because = f"It follows “{moved[0]}”, whose dates differ too."
            generic = ["Computed from its links, constraints and the project calendar."]
            row["reasons"] = [because] if row["reasons"] == generic else [*row["reasons"], because]
    return {
        "name": mapped.name,
        "start": mapped.start,
        "tasks": len(mapped.tasks),
        "work_packages": len(mapped.packages),
        "dependencies": len(mapped.links),
        "resources": len(mapped.resources),
        "assignments": len(mapped.assignments),
        "baseline_tasks": len(mapped.baseline),
        "working_weekdays": mapped.working_weekdays,
        "holidays": len(mapped.holidays),
        "file_finish": mapped.file_finish,
        "computed_finish": computed_finish,
        "skipped": mapped.skipped,
        "converted": mapped.converted,
        "differences": differences,
    }
