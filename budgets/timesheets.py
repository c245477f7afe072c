"""My week of time across every project: the timesheet grid (reads and one save).

A person logs hours where they are a resource: each of their person-resources (one per project
they work on) brings the tasks it is assigned to, the tasks the person owns, and any task with
hours already logged that week. The grid's cells are ``TimeEntry`` rows, written through the
same ``time_entry_log`` / ``time_entry_delete`` services as the API, so a day over 24 hours, a
future day, another project's task or a closed project are refused by the same rules. One save
is one transaction: a bad cell refuses the whole week, with each bad cell named.

Non-project time (leave, sick, training, admin: ``NonProjectTime``) has a row per category; it
counts in the day and week totals against capacity and in no project's cost. Hours typed here
wait for approval (``budgets.services.timesheets`` has the rule of which hours count in actual
cost); a project's rows are read-only while that project's part of the submitted week waits for
its manager or is approved, and non-project rows while the week is submitted or approved.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum

from budgets.models import (
    Assignment,
    NonProjectTime,
    Resource,
    TimeEntry,
    TimesheetPart,
    TimesheetWeek,
)
from budgets.services import time_entry_delete, time_entry_log
from budgets.services.timesheets import LOCKED_PARTS, non_project_locked, non_project_set
from projects import clock
from projects.models import Project, Role
from projects.selectors import projects_for
from scheduling.models import Task

ZERO = Decimal("0")
DAYS = 7


def week_start(text: str | None) -> datetime.date:
    """The Monday of the ISO week ``text`` (``2026-W49``), else of this week; ValidationError
    for a week that does not exist."""
    if not text:
        today = clock.today()
        return today - datetime.timedelta(days=today.weekday())
    try:
        year, week = text.upper().split("-W")
        return datetime.date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise ValidationError(
            {"week": f"“{text}” is not a week; write it like 2026-W49."}
        ) from None


def week_label(start: datetime.date) -> str:
    year, week, _ = start.isocalendar()
    return f"{year}-W{week:02d}"


def cell_name(resource_id: int, task_id: int, day: int) -> str:
    """The form field of one cell: ``h-<resource>-<task>-<day 0..6>``."""
    return f"h-{resource_id}-{task_id}-{day}"


def non_project_cell(category: str, day: int) -> str:
    """The form field of one non-project cell: ``n-<category>-<day 0..6>``."""
    return f"n-{category}-{day}"


@dataclass
class OtherRow:
    """A row of non-project time (leave, sick, training, admin)."""

    category: str
    label: str
    hours: list[Decimal | None]
    editable: bool

    @property
    def total(self) -> Decimal:
        return sum((h for h in self.hours if h), ZERO)

    def cells(self) -> list[tuple[str, Decimal | None]]:
        return [
            (non_project_cell(self.category, day), value) for day, value in enumerate(self.hours)
        ]


@dataclass
class Row:
    project: Project
    resource: Resource
    task: Task
    hours: list[Decimal | None]
    editable: bool

    @property
    def total(self) -> Decimal:
        return sum((h for h in self.hours if h), ZERO)

    def cells(self) -> list[tuple[str, Decimal | None]]:
        return [
            (cell_name(self.resource.pk, self.task.pk, day), value)
            for day, value in enumerate(self.hours)
        ]


@dataclass
class Week:
    start: datetime.date
    rows: list[Row] = field(default_factory=list)
    other_rows: list[OtherRow] = field(default_factory=list)
    capacity_per_day: Decimal = ZERO
    record: TimesheetWeek | None = None  # the submitted week, if it was ever submitted
    parts: list[TimesheetPart] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.record.status if self.record else TimesheetWeek.Status.DRAFT

    @property
    def status_label(self) -> str:
        return TimesheetWeek.Status(self.status).label

    @property
    def can_submit(self) -> bool:
        return self.status in (TimesheetWeek.Status.DRAFT, TimesheetWeek.Status.RETURNED)

    @property
    def days(self) -> list[datetime.date]:
        return [self.start + datetime.timedelta(days=i) for i in range(DAYS)]

    @property
    def label(self) -> str:
        return week_label(self.start)

    @property
    def day_totals(self) -> list[Decimal]:
        rows = [*self.rows, *self.other_rows]
        return [sum((row.hours[i] or ZERO for row in rows), ZERO) for i in range(DAYS)]

    @property
    def total(self) -> Decimal:
        return sum(self.day_totals, ZERO)

    @property
    def capacity(self) -> Decimal:
        """The person's hours for the working week (five days at their capacity per day)."""
        return self.capacity_per_day * 5

    @property
    def over_days(self) -> list[datetime.date]:
        return [
            day
            for day, total in zip(self.days, self.day_totals, strict=True)
            if self.capacity_per_day and total > self.capacity_per_day
        ]


def _resources(user: AbstractBaseUser) -> list[Resource]:
    projects = projects_for(user)
    return list(
        Resource.objects.filter(
            user=user, kind=Resource.Kind.PERSON, project__in=projects.values("pk")
        )
        .select_related("project")
        .order_by("project__key")
    )


def _with_non_project(week: Week, user: AbstractBaseUser) -> Week:
    """The week's submission (and its parts) and a row per kind of non-project time."""
    end = week.start + datetime.timedelta(days=DAYS - 1)
    week.record = TimesheetWeek.objects.filter(user_id=user.pk, start=week.start).first()
    if week.record is not None:
        week.parts = list(week.record.parts.select_related("project").order_by("project__key"))
    hours: dict[str, list[Decimal | None]] = defaultdict(lambda: [None] * DAYS)
    for category, day, value in NonProjectTime.objects.filter(
        user_id=user.pk, date__range=(week.start, end)
    ).values_list("category", "date", "hours"):
        hours[category][(day - week.start).days] = value
    editable = not non_project_locked(week.record)
    week.other_rows = [
        OtherRow(category, label, list(hours[category]), editable)
        for category, label in NonProjectTime.Category.choices
    ]
    return week


def timesheet(user: AbstractBaseUser, start: datetime.date) -> Week:
    """The person's week: a row per (resource, task) they may log on, a cell per day, then a row
    per kind of non-project time. A fixed number of queries whatever the number of projects,
    tasks and entries."""
    week = _with_non_project(Week(start=start), user)
    locked = {part.project_id for part in week.parts if part.status in LOCKED_PARTS}
    resources = _resources(user)
    if not resources:
        return week
    roles = dict(projects_for(user).values_list("pk", "my_role"))
    end = start + datetime.timedelta(days=DAYS - 1)
    by_project = {resource.project_id: resource for resource in resources}
    entries = list(
        TimeEntry.objects.filter(resource__in=resources, date__range=(start, end)).values_list(
            "resource_id", "task_id", "date", "hours"
        )
    )
    assigned = Assignment.objects.filter(resource__in=resources).values_list(
        "resource_id", "task_id"
    )
    wanted: set[tuple[int, int]] = {(r, t) for r, t, _d, _h in entries if t is not None}
    wanted |= set(assigned)
    owned = Task.objects.filter(owner=user, project_id__in=list(by_project)).exclude(
        status=Task.Status.DONE
    )
    wanted |= {(by_project[p].pk, t) for t, p in owned.values_list("pk", "project_id")}
    tasks = {
        task.pk: task
        for task in Task.objects.filter(pk__in={t for _r, t in wanted}).only(
            "pk", "name", "ref", "project_id", "status"
        )
    }
    hours: dict[tuple[int, int], list[Decimal | None]] = defaultdict(lambda: [None] * DAYS)
    for resource_id, task_id, day, value in entries:
        if task_id is not None:
            hours[(resource_id, task_id)][(day - start).days] = value
    by_id = {resource.pk: resource for resource in resources}
    for resource_id, task_id in sorted(
        wanted, key=lambda pair: (by_id[pair[0]].project.key, tasks[pair[1]].ref or 0)
    ):
        resource = by_id[resource_id]
        task = tasks[task_id]
        if task.status == Task.Status.DONE and (resource_id, task_id) not in hours:
            continue  # finished work with nothing logged this week
        project = resource.project
        editable = (
            Role(roles.get(project.pk, Role.VIEWER)).covers(Role.MEMBER)
            and not project.is_closed
            and project.pk not in locked
        )
        week.rows.append(
            Row(project, resource, task, list(hours[(resource_id, task_id)]), editable)
        )
    week.capacity_per_day = max(resource.capacity_hours for resource in resources)
    return week


def _parse(text: str) -> Decimal | None:
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError("Write hours as a number, such as 7.5.") from None
    return None if value == 0 else value


@transaction.atomic
def timesheet_save(*, user: AbstractBaseUser, start: datetime.date, cells: dict[str, str]) -> Week:
    """Save the week's grid: ``cells`` maps ``cell_name`` → hours as typed ("" or 0 removes the
    day's entry). Cells not on the person's grid are refused; all or nothing."""
    week = timesheet(user, start)
    rows = {(row.resource.pk, row.task.pk): row for row in week.rows}
    current = {
        (entry.resource_id, entry.task_id, (entry.date - start).days): entry
        for entry in TimeEntry.objects.filter(
            resource_id__in={r for r, _t in rows},
            date__range=(start, start + datetime.timedelta(days=DAYS - 1)),
        ).filter(~Q(task=None))
    }
    errors: dict[str, list[str]] = {}
    others = {row.category: row for row in week.other_rows}
    for name, text in cells.items():
        if name.startswith("n-"):
            _save_non_project(user, start, others, name, text, errors)
            continue
        try:
            _, resource_id, task_id, day = name.split("-")
            key = (int(resource_id), int(task_id))
            day_index = int(day)
        except ValueError:
            errors[name] = ["Not a cell of this timesheet."]
            continue
        row = rows.get(key)
        if row is None or not 0 <= day_index < DAYS:
            errors[name] = ["Not a cell of this timesheet."]
            continue
        try:
            value = _parse(text)
        except ValidationError as error:
            errors[name] = error.messages
            continue
        if value == row.hours[day_index] or (value is None and row.hours[day_index] is None):
            continue
        if not row.editable:
            errors[name] = [
                f"{row.project.key} is closed, read-only for you, or its hours this week are "
                "submitted or approved."
            ]
            continue
        day = start + datetime.timedelta(days=day_index)
        try:
            if value is None:
                entry = current.get((*key, day_index))
                if entry is not None:
                    time_entry_delete(entry=entry, by=user)
            else:
                time_entry_log(
                    resource=row.resource,
                    task=row.task,
                    by=user,
                    date=day,
                    hours=value,
                    approved=False,  # hours typed on the timesheet wait for the week's approval
                )
        except ValidationError as error:
            errors[name] = error.messages
    if not errors:
        errors = _over_a_day(user, start, rows, cells)
    if errors:
        raise ValidationError(errors)
    return timesheet(user, start)


def _save_non_project(
    user: AbstractBaseUser,
    start: datetime.date,
    rows: dict[str, OtherRow],
    name: str,
    text: str,
    errors: dict[str, list[str]],
) -> None:
    parts = name.split("-")
    row = rows.get(parts[1]) if len(parts) == 3 else None
    if row is None or not parts[2].isdigit() or not 0 <= int(parts[2]) < DAYS:
        errors[name] = ["Not a cell of this timesheet."]
        return
    day_index = int(parts[2])
    try:
        value = _parse(text)
    except ValidationError as error:
        errors[name] = error.messages
        return
    if value == row.hours[day_index]:
        return
    if not row.editable:
        errors[name] = ["This week is submitted or approved; its non-project time is locked."]
        return
    try:
        non_project_set(
            user=user,
            category=row.category,
            day=start + datetime.timedelta(days=day_index),
            hours=value,
        )
    except ValidationError as error:
        errors[name] = error.messages


def _over_a_day(
    user: AbstractBaseUser, start: datetime.date, rows: dict, cells: dict[str, str]
) -> dict[str, list[str]]:
    """A person's day has 24 hours across all their projects (each project's resource is
    checked by ``time_entry_log``; this is the person's whole day): the cells of an overfull
    day, each with the reason."""
    totals = (
        TimeEntry.objects.filter(
            resource__user=user, date__range=(start, start + datetime.timedelta(days=DAYS - 1))
        )
        .values_list("date")
        .annotate(total=Sum("hours"))
    )
    by_day: dict[datetime.date, Decimal] = defaultdict(lambda: ZERO)
    for day, total in totals:
        by_day[day] += Decimal(total)
    for day, total in (
        NonProjectTime.objects.filter(
            user_id=user.pk, date__range=(start, start + datetime.timedelta(days=DAYS - 1))
        )
        .values_list("date")
        .annotate(total=Sum("hours"))
    ):
        by_day[day] += Decimal(total)
    over = {
        (day - start).days: total.quantize(Decimal("0.01"))
        for day, total in by_day.items()
        if total > 24
    }
    errors: dict[str, list[str]] = {}
    for name in cells:
        parts = name.split("-")
        if len(parts) == 4 and parts[3].isdigit() and int(parts[3]) in over:
            day = start + datetime.timedelta(days=int(parts[3]))
            errors[name] = [
                f"{over[int(parts[3])]} hours on {day:%a %-d %b} across your projects; "
                "a day has 24."
            ]
    return errors


def timesheet_csv_rows(week: Week) -> list[list[str]]:
    """The week as CSV rows: a header, one row per project and task, the day totals."""
    header = ["Project", "Ref", "Task", *(f"{day:%a %d %b}" for day in week.days), "Total"]
    body = [
        [
            row.project.key,
            row.task.ref or "",
            row.task.name,
            *(str(h) if h else "" for h in row.hours),
            str(row.total),
        ]
        for row in week.rows
    ]
    body += [
        [
            "",
            "",
            row.label,
            *(str(h) if h else "" for h in row.hours),
            str(row.total),
        ]
        for row in week.other_rows
        if row.total
    ]
    footer = ["", "", "Total", *(str(total) for total in week.day_totals), str(week.total)]
    status = ["", "", "Status", week.status_label]
    return [header, *body, footer, status]
