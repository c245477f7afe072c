"""Money and time: budget lines and time entries."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from budgets import services as budget_services
from budgets.models import BudgetLine, Category, Resource, TimeEntry
from interchange.registers.base import Column, Register, attr
from interchange.registers.cells import choice, date, decimal, lookup, text
from projects.models import Project
from scheduling.models import Task

BUDGET_LINES = Register(
    slug="budget-lines",
    title="Budget lines",
    columns=(
        Column(
            "Category",
            "category",
            attr("category"),
            choice(Category),
            required=True,
            example="hardware",
        ),
        Column("Name", "name", attr("name"), text(200), example="Laptops for testers"),
        Column(
            "Planned amount",
            "planned_amount",
            attr("planned_amount"),
            decimal(2),
            required=True,
            example="12000.00",
        ),
        Column(
            "Work package",
            "work_package",
            lambda b: b.work_package.code if b.work_package else "",
            lookup("work_package"),
            aliases=("WBS",),
        ),
        Column("Phase", "phase", lambda b: b.phase.name if b.phase else "", lookup("phase")),
        Column("Note", "note", attr("note"), text()),
    ),
    rows=lambda project: (
        BudgetLine.objects.filter(project=project)
        .select_related("work_package", "phase")
        .order_by("category", "name", "id")
    ),
    create=budget_services.budget_line_create,
)


def _time_entry_create(
    *,
    project: Project,
    by: AbstractBaseUser,
    resource: Resource,
    task: Task,
    **fields: Any,
) -> TimeEntry:
    # time_entry_log takes the project from the task, which the lookup found in this project.
    return budget_services.time_entry_log(resource=resource, task=task, by=by, **fields)


TIME_ENTRIES = Register(
    slug="time-entries",
    title="Time entries",
    columns=(
        Column("Date", "date", attr("date"), date, required=True, example="2026-03-02"),
        Column(
            "Resource",
            "resource",
            lambda e: e.resource.name,
            lookup("resource"),
            required=True,
            example="Ana",
        ),
        Column(
            "Task",
            "task",
            lambda e: e.task.ref if e.task else "",
            lookup("task"),
            required=True,
            example=1,
        ),
        Column("Task name", "task_name", lambda e: e.task.name if e.task else ""),
        Column("Hours", "hours", attr("hours"), decimal(2), required=True, example="7.50"),
        Column("Cost", "cost", attr("cost")),
        Column("Note", "note", attr("note"), text(300)),
    ),
    rows=lambda project: (
        TimeEntry.objects.filter(project=project)
        .select_related("resource", "task")
        .order_by("date", "resource__name", "id")
    ),
    create=_time_entry_create,
)
