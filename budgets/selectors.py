"""Reads of money and people for pages, the API and reports, each in a fixed number of queries.

Callers pass projects they got through the access door (``projects.selectors.projects_for`` /
``get_project_for``). Earned value is measured against the performance baseline (its task
costs and dates), or against the current plan when the project has none (DESIGN §4).
"""

from __future__ import annotations

import csv
import datetime
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from openpyxl import Workbook
from openpyxl.styles import Font

from budgets import allocation, evm, reconciliation
from budgets.models import (
    ZERO,
    Assignment,
    BudgetAdjustment,
    BudgetBaseline,
    BudgetLine,
    Category,
    Commitment,
    CostEntry,
    DayOff,
    PersonDayOff,
    Resource,
    TimeEntry,
)
from projects.models import Membership, Project, Role, WorkPackage
from projects.money import money
from projects.selectors import projects_for
from projects.spreadsheets import csv_safe, xlsx_text
from scheduling.models import Baseline, BaselineTask, Calendar, Holiday, Task
from scheduling.workdays import WorkCalendar

MON_FRI = (1, 2, 3, 4, 5)
CENT = Decimal("0.01")


# --- lists ----------------------------------------------------------------------------------------


def budget_lines_of(project: Project) -> QuerySet[BudgetLine]:
    return BudgetLine.objects.filter(project=project).select_related("work_package", "phase")


def cost_entries_of(project: Project) -> QuerySet[CostEntry]:
    return CostEntry.objects.filter(project=project).select_related("task", "created_by")


def commitments_of(project: Project) -> QuerySet[Commitment]:
    return Commitment.objects.filter(project=project)


def resources_of(project: Project) -> QuerySet[Resource]:
    """Resources with their user and days off (two queries)."""
    return (
        Resource.objects.filter(project=project)
        .select_related("user")
        .prefetch_related(Prefetch("days_off", queryset=DayOff.objects.order_by("date")))
    )


def assignments_of(project: Project) -> QuerySet[Assignment]:
    return Assignment.objects.filter(project=project).select_related("resource", "task")


def time_entries_of(project: Project) -> QuerySet[TimeEntry]:
    return TimeEntry.objects.filter(project=project).select_related("resource", "task")


# --- the budget -----------------------------------------------------------------------------------


def approved_budget(project: Project) -> dict[str, Any]:
    """The approved budget and its trail: the amount frozen with the performance baseline,
    then every change request's adjustment; those approved before the freeze are shown but
    already in it (``counted`` False). Three queries."""
    snapshot = (
        BudgetBaseline.objects.filter(project=project, baseline__is_performance=True)
        .select_related("baseline")
        .first()
    )
    adjustments = list(
        BudgetAdjustment.objects.filter(project=project)
        .select_related("change_request", "approved_by")
        .order_by("approved_at", "id")
    )
    trail = [
        {"adjustment": a, "counted": snapshot is None or a.approved_at > snapshot.frozen_at}
        for a in adjustments
    ]
    if snapshot is not None:
        frozen = snapshot.approved_budget
    else:
        frozen = BudgetLine.objects.filter(project=project).aggregate(
            total=Sum("planned_amount", default=ZERO)
        )["total"]
    total = frozen + sum((row["adjustment"].amount for row in trail if row["counted"]), ZERO)
    frozen, total = frozen.quantize(CENT), total.quantize(CENT)
    return {
        "snapshot": snapshot,
        "frozen": frozen,
        "is_frozen": snapshot is not None,
        "adjustments": trail,
        "total": total,
    }


def budget_summary(project: Project) -> dict[str, Any]:
    """Per category: planned (budget lines), committed (open commitments), actual (cost
    entries, credits subtracted, plus logged time under labour), ``variance`` = planned −
    actual (negative: overspent), ``available`` = planned − actual − committed; with totals
    and the approved budget. Seven queries."""
    planned = BudgetLine.objects.filter(project=project).by_category()
    committed = {
        row["category"]: row["total"]
        for row in Commitment.objects.filter(project=project, status=Commitment.Status.OPEN)
        .values("category")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    actual = {
        row["category"]: row["total"]
        for row in CostEntry.objects.filter(project=project)
        .values("category")
        .annotate(total=Sum(CostEntry.objects.signed_amount()))
        .order_by()
    }
    labour = (
        TimeEntry.objects.filter(project=project)
        .in_actual_cost()
        .aggregate(total=Sum("cost", default=ZERO))
    )
    actual[Category.LABOUR] = actual.get(Category.LABOUR, ZERO) + labour["total"]
    rows = []
    for category in Category:
        # SQLite sums decimals as floats; every amount shown is in cents.
        p, c, a = (d.get(category.value, ZERO).quantize(CENT) for d in (planned, committed, actual))
        if not (p or c or a):
            continue
        rows.append(
            {
                "category": category.value,
                "label": category.label,
                "planned": p,
                "committed": c,
                "actual": a,
                "variance": p - a,
                "available": p - a - c,
            }
        )
    totals = {
        key: sum((row[key] for row in rows), ZERO)
        for key in ("planned", "committed", "actual", "variance", "available")
    }
    return {"rows": rows, "totals": totals, "approved": approved_budget(project)}


def _words(amount: Decimal, currency: str) -> str:
    """An amount in a sentence: whole units when there are no cents ("€18,400")."""
    return money(amount, currency, places=0 if amount == amount.to_integral() else None)


def budget_reconciliation(project: Project) -> dict[str, Any]:
    """Budget lines vs the approved budget vs the task costs (Σ fixed cost + labour of the
    current plan), each difference in words, and what explains them: the baseline that froze the
    approved budget (with the task costs and lines it froze), the reserves among the lines, the
    tasks that carry no cost. Five queries."""
    approved = approved_budget(project)
    lines = BudgetLine.objects.filter(project=project).aggregate(
        total=Sum("planned_amount", default=ZERO),
        reserves=Sum(
            "planned_amount",
            default=ZERO,
            filter=Q(category__in=[Category.CONTINGENCY, Category.MANAGEMENT_RESERVE]),
        ),
    )
    tasks = Task.objects.for_project(project).aggregate(
        total=Sum(F("fixed_cost") + F("labour_cost"), default=ZERO),
        costless=Count("id", filter=Q(fixed_cost=0, labour_cost=0) & ~Q(duration=0)),
    )
    result = reconciliation.reconcile(
        lines=lines["total"].quantize(CENT),
        reserves=lines["reserves"].quantize(CENT),
        approved=approved["total"],
        task_costs=tasks["total"].quantize(CENT),
        tasks_without_cost=tasks["costless"],
        money=lambda amount: _words(amount, project.currency),
    )
    counted = [row["adjustment"] for row in approved["adjustments"] if row["counted"]]
    return {
        "result": result,
        "approved": approved,
        "changes_counted": len(counted),
        "changes_amount": sum((a.amount for a in counted), ZERO),
        "currency": project.currency,
    }


# --- earned value ---------------------------------------------------------------------------------


@dataclass
class _Measured:
    """What earned value needs of one project."""

    project: dict[str, Any]
    calendar: WorkCalendar
    tasks: list[evm.TaskBudget]
    bac: Decimal | None = None


def _calendars(projects: list[dict[str, Any]]) -> dict[int, WorkCalendar]:
    ids = [p["id"] for p in projects]
    weekdays = dict(
        Calendar.objects.filter(project_id__in=ids).values_list("project_id", "working_weekdays")
    )
    holidays: dict[int, set[datetime.date]] = defaultdict(set)
    for project_id, day in Holiday.objects.filter(calendar__project_id__in=ids).values_list(
        "calendar__project_id", "date"
    ):
        holidays[project_id].add(day)
    return {
        p["id"]: WorkCalendar(
            working_weekdays=frozenset(weekdays.get(p["id"]) or MON_FRI),
            holidays=frozenset(holidays[p["id"]]),
            start=p["start_date"],
        )
        for p in projects
    }


def _measured(project_ids: Iterable[int]) -> dict[int, _Measured]:
    """Task budgets of many projects in a fixed number of queries (eight), whatever the
    number of projects and tasks: the performance baseline's tasks where there is one, the
    current plan's otherwise, and the approved budget spread over them where tasks carry no
    cost."""
    projects = list(
        Project.objects.filter(pk__in=list(project_ids)).values("id", "start_date", "time_zone")
    )
    calendars = _calendars(projects)
    baselines = dict(
        Baseline.objects.filter(
            project_id__in=[p["id"] for p in projects], is_performance=True
        ).values_list("project_id", "id")
    )
    tasks: dict[int, list[evm.TaskBudget]] = defaultdict(list)
    if baselines:
        project_of = {b: p for p, b in baselines.items()}
        for row in BaselineTask.objects.filter(baseline_id__in=project_of).values(
            "baseline_id",
            "task_id",
            "cost",
            "start_date",
            "duration",
            "task__percent_complete",
            "task__work_package_id",
        ):
            project_id = project_of[row["baseline_id"]]
            calendar = calendars[project_id]
            tasks[project_id].append(
                evm.TaskBudget(
                    # A baselined task since deleted keeps its budget and earns nothing.
                    id=row["task_id"] or -len(tasks[project_id]) - 1,
                    budget=row["cost"],
                    start=calendar.date_to_index(row["start_date"]) if row["start_date"] else 0,
                    duration=row["duration"],
                    percent_complete=row["task__percent_complete"] or 0,
                    work_package_id=row["task__work_package_id"],
                )
            )
    unbaselined = [p["id"] for p in projects if p["id"] not in baselines]
    if unbaselined:
        for row in Task.objects.filter(project_id__in=unbaselined).values(
            "id",
            "project_id",
            "fixed_cost",
            "labour_cost",
            "early_start",
            "duration",
            "percent_complete",
            "work_package_id",
        ):
            tasks[row["project_id"]].append(
                evm.TaskBudget(
                    id=row["id"],
                    budget=row["fixed_cost"] + row["labour_cost"],
                    start=row["early_start"] or 0,
                    duration=row["duration"],
                    percent_complete=row["percent_complete"],
                    work_package_id=row["work_package_id"],
                )
            )
    result = {
        p["id"]: _Measured(project=p, calendar=calendars[p["id"]], tasks=tasks[p["id"]])
        for p in projects
    }
    # Tasks without cost: measure against the approved budget (DESIGN §4 BAC), spread by days.
    costless = [pk for pk, m in result.items() if not any(t.budget for t in m.tasks)]
    if costless:
        for pk, total in _approved_totals(costless, baselines).items():
            if total > 0:
                result[pk].tasks = evm.spread_budget(result[pk].tasks, total)
                result[pk].bac = total
    return result


def _approved_totals(project_ids: list[int], baselines: dict[int, int]) -> dict[int, Decimal]:
    """The approved budget of many projects in three queries (see ``approved_budget``)."""
    snapshots = {
        row["project_id"]: row
        for row in BudgetBaseline.objects.filter(baseline_id__in=list(baselines.values()))
        .filter(project_id__in=project_ids)
        .values("project_id", "approved_budget", "frozen_at")
    }
    lines = dict(
        BudgetLine.objects.filter(project_id__in=project_ids)
        .values("project_id")
        .annotate(total=Sum("planned_amount"))
        .values_list("project_id", "total")
        .order_by()
    )
    totals = {
        pk: snapshots[pk]["approved_budget"] if pk in snapshots else lines.get(pk, ZERO)
        for pk in project_ids
    }
    for pk, amount, approved_at in BudgetAdjustment.objects.filter(
        project_id__in=project_ids
    ).values_list("project_id", "amount", "approved_at"):
        if pk not in snapshots or approved_at > snapshots[pk]["frozen_at"]:
            totals[pk] += amount
    return totals


def _actual_totals(project_ids: list[int], as_of: datetime.date) -> dict[int, Decimal]:
    """Actual cost up to ``as_of`` per project: cost entries (credits subtracted) and logged
    time (two queries)."""
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for pk, total in (
        CostEntry.objects.filter(project_id__in=project_ids, date__lte=as_of)
        .values("project_id")
        .annotate(total=Sum(CostEntry.objects.signed_amount()))
        .values_list("project_id", "total")
        .order_by()
    ):
        totals[pk] += total
    for pk, total in (
        TimeEntry.objects.filter(project_id__in=project_ids, date__lte=as_of)
        .in_actual_cost()
        .values("project_id")
        .annotate(total=Sum("cost"))
        .values_list("project_id", "total")
        .order_by()
    ):
        totals[pk] += total
    return totals


def evm_for_projects(
    project_ids: Iterable[int], as_of: datetime.date
) -> dict[int, evm.EarnedValue]:
    """Earned value of many projects at ``as_of`` (a portfolio), in at most thirteen queries
    however many projects and tasks there are."""
    measured = _measured(project_ids)
    actual = _actual_totals(list(measured), as_of)
    result = {}
    for pk, m in measured.items():
        cost = [evm.CostItem(date=as_of, amount=actual[pk])] if pk in actual else []
        result[pk] = evm.compute(
            m.tasks,
            cost,
            status_date=as_of,
            status_index=m.calendar.last_index_on_or_before(as_of),
            bac=m.bac,
        )
    return result


def evm_for(project: Project, as_of: datetime.date) -> evm.EarnedValue:
    """Earned value of one project at ``as_of`` (the ``/evm/`` endpoint's fields)."""
    return evm_for_projects([project.pk], as_of)[project.pk]


def _cost_items(project: Project, as_of: datetime.date | None = None) -> list[evm.CostItem]:
    """Actual cost per day and work package (of the task it was booked on), two queries."""
    day_filter = Q() if as_of is None else Q(date__lte=as_of)
    items = [
        evm.CostItem(date=day, amount=total, work_package_id=package)
        for day, package, total in CostEntry.objects.filter(day_filter, project=project)
        .values("date", "task__work_package_id")
        .annotate(total=Sum(CostEntry.objects.signed_amount()))
        .values_list("date", "task__work_package_id", "total")
        .order_by()
    ]
    items += [
        evm.CostItem(date=day, amount=total, work_package_id=package)
        for day, package, total in TimeEntry.objects.filter(day_filter, project=project)
        .in_actual_cost()
        .values("date", "task__work_package_id")
        .annotate(total=Sum("cost"))
        .values_list("date", "task__work_package_id", "total")
        .order_by()
    ]
    return items


def evm_by_work_package(project: Project, as_of: datetime.date) -> dict[int, evm.EarnedValue]:
    """Earned value per WBS work package (tasks and costs under it at any depth)."""
    m = _measured([project.pk])[project.pk]
    parents = dict(WorkPackage.objects.filter(project=project).values_list("id", "parent_id"))
    return evm.rollup(
        m.tasks,
        _cost_items(project, as_of),
        parents,
        status_date=as_of,
        status_index=m.calendar.last_index_on_or_before(as_of),
    )


def evm_series(project: Project, as_of: datetime.date) -> list[evm.SeriesPoint]:
    """The S-curve: cumulative PV, EV, AC at the end of every week from the plan's start to
    its finish (or ``as_of`` if later), plus the status date itself. EV of past weeks comes
    from the tasks' progress history (what was reported by then)."""
    m = _measured([project.pk])[project.pk]
    calendar = m.calendar
    if m.tasks:
        first = calendar.index_to_date(min(t.start for t in m.tasks))
        last = calendar.index_to_date(max(t.start + max(t.duration - 1, 0) for t in m.tasks))
    else:
        first = last = project.start_date
    days = sorted(set(evm.week_ends(min(first, as_of), max(last, as_of))) | {as_of})
    points = [(day, calendar.last_index_on_or_before(day)) for day in days]
    zone = project.zone
    progress = [
        evm.ProgressReport(task_id=pk, date=when.astimezone(zone).date(), percent_complete=pct)
        for pk, when, pct in Task.history.filter(project_id=project.pk)
        .order_by("history_date", "history_id")
        .values_list("id", "history_date", "percent_complete")
    ]
    return evm.series(
        m.tasks, _cost_items(project), points=points, status_date=as_of, progress=progress
    )


# --- resources: load, conflicts, utilisation ------------------------------------------------------


def _loads(project: Project) -> dict[str, Any]:
    """Each person's booked hours per working day of the current plan (five queries)."""
    calendar = _calendars([{"id": project.pk, "start_date": project.start_date}])[project.pk]
    resources = {
        r.pk: r for r in Resource.objects.filter(project=project, kind=Resource.Kind.PERSON)
    }
    days_off: dict[int, set[int]] = defaultdict(set)
    for resource_id, day in DayOff.objects.filter(resource__in=list(resources)).values_list(
        "resource_id", "date"
    ):
        if calendar.is_working_day(day):
            days_off[resource_id].add(calendar.date_to_index(day))
    bookings = []
    task_names: dict[int, str] = {}
    for row in Assignment.objects.filter(
        project=project, resource__kind=Resource.Kind.PERSON, task__early_start__isnull=False
    ).values(
        "resource_id",
        "task_id",
        "units",
        "task__name",
        "task__early_start",
        "task__duration",
        capacity=F("resource__capacity_hours"),
    ):
        task_names[row["task_id"]] = row["task__name"]
        bookings.append(
            allocation.Booking(
                resource_id=row["resource_id"],
                task_id=row["task_id"],
                start=row["task__early_start"],
                duration=row["task__duration"],
                hours_per_day=row["capacity"] * row["units"] / 100,
            )
        )
    # A placeholder of several heads can carry several people's bookings a day.
    capacity = {pk: r.daily_capacity for pk, r in resources.items()}
    frozen_off = {pk: frozenset(days) for pk, days in days_off.items()}
    loads = allocation.daily_loads(bookings, capacity=capacity, days_off=frozen_off)
    return {
        "calendar": calendar,
        "resources": resources,
        "capacity": capacity,
        "days_off": frozen_off,
        "loads": loads,
        "task_names": task_names,
    }


def _conflict_row(load: allocation.DayLoad, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "resource": data["resources"][load.resource_id],
        "date": data["calendar"].index_to_date(load.day),
        "booked": load.booked.quantize(Decimal("0.01")),
        "capacity": load.capacity,
        "day_off": load.day in data["days_off"].get(load.resource_id, frozenset()),
        "tasks": [(pk, data["task_names"][pk]) for pk in load.task_ids],
    }


def conflicts_of(project: Project) -> list[dict[str, Any]]:
    """Over-allocations: each person and working day where booked hours exceed capacity
    (0 on a day off), naming the day and the tasks. Five queries."""
    data = _loads(project)
    return [_conflict_row(load, data) for load in allocation.conflicts(data["loads"])]


def utilisation_grid(project: Project, *, start: datetime.date, weeks: int = 12) -> dict[str, Any]:
    """The resource × week heat map from the week of ``start``: per cell booked hours,
    capacity, ``ratio`` (booked / capacity) and the over-allocated days with their tasks.
    Five queries."""
    data = _loads(project)
    calendar = data["calendar"]
    monday = start - datetime.timedelta(days=start.weekday())
    week_starts = [monday + datetime.timedelta(weeks=n) for n in range(weeks)]
    week_days = [
        [
            calendar.date_to_index(day)
            for day in (week + datetime.timedelta(days=d) for d in range(7))
            if calendar.is_working_day(day)
        ]
        for week in week_starts
    ]
    grid = allocation.utilisation(
        data["loads"], weeks=week_days, capacity=data["capacity"], days_off=data["days_off"]
    )
    rows = []
    for pk, resource in sorted(data["resources"].items(), key=lambda item: item[1].name):
        cells = grid.get(pk, [])
        rows.append(
            {
                "resource": resource,
                "cells": [
                    {**cell, "over_days": [_conflict_row(load, data) for load in cell["over_days"]]}
                    for cell in cells
                ],
            }
        )
    return {"weeks": week_starts, "rows": rows}


# --- export ---------------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "date",
    "kind",
    "amount",
    "category",
    "task",
    "task_name",
    "vendor",
    "invoice_reference",
    "note",
)


def cost_entries_csv(project: Project) -> str:
    """The project's cost entries as CSV (the import's columns plus the task's name), every
    cell guarded against formula injection. One query."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for entry in cost_entries_of(project).order_by("date", "id"):
        writer.writerow(
            [
                csv_safe(cell)
                for cell in (
                    entry.date.isoformat(),
                    entry.kind,
                    entry.amount,
                    entry.category,
                    entry.task_id or "",
                    entry.task.name if entry.task else "",
                    entry.vendor,
                    entry.invoice_reference,
                    entry.note,
                )
            ]
        )
    return out.getvalue()


def cost_entries_xlsx(project: Project) -> bytes:
    """The project's cost entries as an Excel workbook with the CSV export's columns: dates as
    dates, amounts as numbers to two places, every text cell stored as text. One query."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Cost entries"
    sheet.append(EXPORT_COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row, entry in enumerate(cost_entries_of(project).order_by("date", "id"), start=2):
        date = sheet.cell(row=row, column=1, value=entry.date)
        date.number_format = "yyyy-mm-dd"
        amount = sheet.cell(row=row, column=3, value=entry.amount)
        amount.number_format = "#,##0.00"
        sheet.cell(row=row, column=5, value=entry.task_id)
        for column, value in (
            (2, entry.kind),
            (4, entry.category),
            (6, entry.task.name if entry.task else ""),
            (7, entry.vendor),
            (8, entry.invoice_reference),
            (9, entry.note),
        ):
            xlsx_text(sheet.cell(row=row, column=column), value)
    sheet.column_dimensions["A"].width = 12
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- people across projects -----------------------------------------------------------------------


def people_for(user: Any) -> QuerySet:
    """The users ``user`` shares a project with (a member, or a resource's user, of a project
    they can see), and themself: the only people they may look up. One query when listed,
    each with their person record (None when they have none yet)."""
    projects = projects_for(user).values("pk")
    return (
        get_user_model()
        .objects.filter(
            Q(pk=user.pk)
            | Q(pk__in=Membership.objects.filter(project__in=projects).values("user_id"))
            | Q(
                pk__in=Resource.objects.filter(project__in=projects, user__isnull=False).values(
                    "user_id"
                )
            )
        )
        .select_related("person")
    )


def people_managed_by(user: Any) -> set[int]:
    """The users who are a resource of a project ``user`` manages (one query)."""
    return set(
        Resource.objects.filter(
            user__isnull=False,
            project__memberships__user=user,
            project__memberships__role=Role.MANAGER,
        ).values_list("user_id", flat=True)
    )


def may_edit_person(user: Any, person_id: int, managed: set[int] | None = None) -> bool:
    """The person themself, staff, superusers, or a manager of a project where they are a
    resource may change their capacity, days off, team and default rate (and read the rate)."""
    if user.pk == person_id or user.is_staff or user.is_superuser:
        return True
    if managed is None:
        managed = people_managed_by(user)
    return person_id in managed


def person_details(user: Any, user_ids: Iterable[int], *, start: datetime.date, end: datetime.date):
    """For the people ``user_ids`` as ``user`` sees them: their roles on the projects ``user``
    can see, their days off from ``start`` to ``end``, and whose rate ``user`` may read.
    Three queries."""
    ids = list(user_ids)
    roles: dict[int, list[str]] = defaultdict(list)
    for user_id, role in (
        Resource.objects.filter(project__in=projects_for(user).values("pk"), user_id__in=ids)
        .exclude(role="")
        .order_by("role")
        .values_list("user_id", "role")
        .distinct()
    ):
        roles[user_id].append(role)
    days_off: dict[int, list[PersonDayOff]] = defaultdict(list)
    for day in PersonDayOff.objects.filter(
        person_id__in=ids, date__gte=start, date__lte=end
    ).order_by("date"):
        days_off[day.person_id].append(day)
    managed = people_managed_by(user)
    readable = {pk for pk in ids if may_edit_person(user, pk, managed)}
    return {"roles": roles, "days_off": days_off, "rates": readable}
