"""Portfolio: the people × weeks utilisation heat map (``budgets.portfolio``) on the database,
against the plain query that reads the same assignments, measured in the same run.

Runs Django in-process on a throw-away test database of the configured engine (SQLite in memory
by default, PostgreSQL when ``DATABASE_URL`` says so; the goal is on PostgreSQL).

Data, seeded and written with bulk_create: 200 projects (Mon–Fri, three holidays each), 60 tasks
each (5–20 working days, spread over the year), 300 people each a resource on 5 projects
(1,500 resources, capacity 6–8 h), each resource on 8 tasks of its project at 20–100 %
(12,000 assignments), two days off per resource. The reader is a member of 150 of the 200
projects, so some load is "booked elsewhere". Timed (best of 3): ``portfolio_utilisation`` over
52 weeks as the page serves it (the grid and the first 200 over-allocated days, all counted),
with its query count, and for reference the same listing every over-allocated day; the
baseline is the plain query the selector cannot avoid (the window's assignments as values,
fully fetched). Goal: under 1 s as served, and the same query count over 4 weeks as over 52.
"""

from __future__ import annotations

import datetime
import os
import random
import time
from decimal import Decimal

from bench import _django

PROJECTS, PEOPLE, TASKS, PROJECTS_EACH, TASKS_EACH = 200, 300, 60, 5, 8
VISIBLE = 150
WEEKS = 52
GOAL_S = 1.0
OVER_PAGE = 200  # over-allocated days the page lists at once (budgets/views/portfolio.py)
SEED = 20260105
START = datetime.date(2026, 1, 5)


def _build():
    from django.contrib.auth import get_user_model

    from budgets.models import Assignment, DayOff, Resource
    from projects.models import Membership, Project, Role
    from scheduling.models import Calendar, Holiday, Task
    from scheduling.workdays import WorkCalendar

    rng = random.Random(SEED)
    User = get_user_model()
    reader = User.objects.create_user("bench-reader", password="bench-bench-bench")
    users = User.objects.bulk_create(
        User(username=f"person{n}", first_name=f"Person{n}", last_name="Bench")
        for n in range(PEOPLE)
    )
    projects = Project.objects.bulk_create(
        Project(
            name=f"Portfolio {n}",
            key=f"PF{n:03d}",
            start_date=START,
            target_finish=datetime.date(2027, 6, 30),
        )
        for n in range(PROJECTS)
    )
    calendars = Calendar.objects.bulk_create(Calendar(project=p) for p in projects)
    holidays = [datetime.date(2026, 4, 6), datetime.date(2026, 5, 25), datetime.date(2026, 12, 25)]
    Holiday.objects.bulk_create(
        Holiday(calendar=c, date=d, name="Holiday") for c in calendars for d in holidays
    )
    work = WorkCalendar(
        working_weekdays=frozenset({1, 2, 3, 4, 5}), holidays=frozenset(holidays), start=START
    )
    Membership.objects.bulk_create(
        Membership(project=p, user=reader, role=Role.VIEWER) for p in projects[:VISIBLE]
    )
    rows = []
    for project in projects:
        for n in range(TASKS):
            start, duration = rng.randint(0, 250), rng.randint(5, 20)
            first, last = work.shown_dates(start, start + duration)
            rows.append(
                Task(
                    project=project,
                    name=f"Task {n}",
                    position=n,
                    duration=duration,
                    early_start=start,
                    early_finish=start + duration,
                    start_date=first,
                    finish_date=last,
                )
            )
    tasks = Task.objects.bulk_create(rows, batch_size=5000)
    tasks_of: dict[int, list] = {}
    for task in tasks:
        tasks_of.setdefault(task.project_id, []).append(task)
    memberships, resources = [], []
    for n, user in enumerate(users):
        for project in rng.sample(projects, PROJECTS_EACH):
            memberships.append(Membership(project=project, user=user, role=Role.MEMBER))
            resources.append(
                Resource(
                    project=project,
                    user=user,
                    name=f"Person {n}",
                    role=rng.choice(("Developer", "Tester", "Analyst")),
                    capacity_hours=Decimal(rng.choice((6, 7, 8))),
                )
            )
    Membership.objects.bulk_create(memberships, batch_size=5000)
    resources = Resource.objects.bulk_create(resources, batch_size=5000)
    assignments, days_off = [], []
    for resource in resources:
        for task in rng.sample(tasks_of[resource.project_id], TASKS_EACH):
            assignments.append(
                Assignment(
                    project_id=resource.project_id,
                    resource=resource,
                    task=task,
                    units=rng.choice((20, 50, 100)),
                )
            )
        for _ in range(2):
            day = START + datetime.timedelta(days=rng.randint(0, 360))
            days_off.append(DayOff(resource=resource, date=day))
    Assignment.objects.bulk_create(assignments, batch_size=5000)
    DayOff.objects.bulk_create(days_off, batch_size=5000, ignore_conflicts=True)
    return reader, len(assignments)


def _cpu(call, repeats: int) -> float:
    """The least CPU time of this process over ``repeats`` calls: steadier than wall clock
    on a shared machine (the database's own time is not in it)."""
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        call()
        best = min(best, time.process_time() - started)
    return best


def _load() -> str:
    return " ".join(f"{n:.1f}" for n in os.getloadavg())


def run() -> bool:
    _django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from budgets.models import Assignment
    from budgets.portfolio import portfolio_utilisation

    print(__doc__.strip().splitlines()[0])
    with _django.throwaway_database():
        started = time.perf_counter()
        reader, count = _build()
        print(f"built {count} assignments in {time.perf_counter() - started:.1f} s")
        end = START + datetime.timedelta(weeks=WEEKS - 1)

        def heat():
            # As the page serves it: the grid, and the first page of over-allocated days.
            return portfolio_utilisation(reader, start=START, end=end, over_limit=OVER_PAGE)

        def heat_every_day():
            return portfolio_utilisation(reader, start=START, end=end)

        def plain():
            return list(
                Assignment.objects.filter(
                    task__start_date__lte=end + datetime.timedelta(days=6),
                    task__finish_date__gte=START,
                ).values(
                    "resource_id",
                    "task_id",
                    "project_id",
                    "units",
                    "task__early_start",
                    "task__duration",
                    "task__name",
                )
            )

        with CaptureQueriesContext(connection) as context:
            result = heat()
        queries = len(context.captured_queries)
        with CaptureQueriesContext(connection) as context:
            portfolio_utilisation(reader, start=START, end=START + datetime.timedelta(weeks=3))
        short_queries = len(context.captured_queries)
        ours = _django.best_of(heat, 3)
        every = _django.best_of(heat_every_day, 3)
        baseline = _django.best_of(plain, 3)
        cpu = _cpu(heat, 3)
        elsewhere = sum(c.elsewhere for p in result.people for c in p.cells)
        print(
            f"people {len(result.people)}, weeks {len(result.weeks)}, "
            f"over-allocated days {result.over_total} (the page lists {len(result.over)}), "
            f"hours elsewhere {elsewhere:.0f}"
        )
        print(f"{'':34} {'seconds':>8} {'queries':>8}")
        print(f"{'heat map (52 weeks), as served':34} {ours:8.3f} {queries:8d}")
        print(f"{'  the same listing every day over':34} {every:8.3f}")
        print(f"{'plain assignment read':34} {baseline:8.3f} {1:8d}")
        print(f"ratio heat map / plain read: {ours / baseline:.1f}x")
        print(f"heat map CPU time of this process (best of 3): {cpu:.3f} s; load {_load()}")
        passed = ours < GOAL_S and queries == short_queries
        print(
            f"{'PASS' if passed else 'FAIL'}: heat map {ours:.3f} s (goal < {GOAL_S} s); "
            f"queries {queries} over 52 weeks, {short_queries} over 4"
        )
        return passed
