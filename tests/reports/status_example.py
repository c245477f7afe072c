"""The hand-checkable project the status report tests share (build, render, pages)."""

import datetime
from decimal import Decimal

from budgets import services as budget_services
from projects.models import Project
from scheduling import services as schedule_services

D = datetime.date
MONDAY = D(2026, 1, 5)
FRIDAY_1 = datetime.datetime(2026, 1, 9, 10, 0, tzinfo=datetime.UTC)  # week of Mon 5 Jan
FRIDAY_2 = datetime.datetime(2026, 1, 16, 10, 0, tzinfo=datetime.UTC)  # week of Mon 12 Jan


def worked_project(project: Project, manager) -> Project:
    """Start Mon 5 Jan 2026, Mon–Fri:

    Kick-off (milestone, 5 Jan, done) · Design sign-off (milestone, 5 Jan, open: missed) ·
    Build (5 d, €1,000) → Test (5 d, €1,000) → Go-live (milestone, baseline Mon 19 Jan).
    After the baseline Build grows to 7 days, so Test runs 14–20 Jan and Go-live moves to
    Wed 21 Jan: 2 working days late. Build is 50% done: % complete = 7 × 50 / 12 = 29.2%;
    on Fri 9 Jan EV = €500 (half of Build's €1,000), AC = €800 (CPI 0.625), BAC = €2,000,
    EAC = BAC / CPI = €3,200.
    """
    project.start_date = MONDAY
    project.save()

    def task(name, duration, cost=0):
        return schedule_services.task_create(
            project=project, by=manager, name=name, duration=duration, fixed_cost=Decimal(cost)
        )

    kick_off = task("Kick-off", 0)
    task("Design sign-off", 0)
    build = task("Build", 5, 1000)
    test = task("Test", 5, 1000)
    go_live = task("Go-live", 0)
    for before, after in ((build, test), (test, go_live)):
        schedule_services.dependency_add(
            project=project, by=manager, predecessor=before, successor=after
        )
    schedule_services.baseline_create(project=project, by=manager, name="Plan", is_performance=True)
    schedule_services.task_update(task=build, by=manager, version=None, duration=7)
    schedule_services.task_update(
        task=kick_off,
        by=manager,
        version=None,
        actual_start=MONDAY,
        actual_finish=MONDAY,
    )
    schedule_services.task_update(task=build, by=manager, version=None, percent_complete=50)
    budget_services.cost_entry_create(
        project=project,
        by=manager,
        date=D(2026, 1, 8),
        amount=Decimal("800.00"),
        category="hardware",
    )
    return project
