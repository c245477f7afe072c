"""Budgets: portfolio earned value on the database, and resource levelling, against baselines
measured in the same run.

Runs Django in-process on a throw-away test database of the configured engine (SQLite in memory
by default, PostgreSQL when ``DATABASE_URL`` says so; the issue's goal is on PostgreSQL), which
is destroyed at the end.

Earned value: ``budgets.selectors.evm_for_projects`` over a portfolio of 500 projects × 200
tasks (half of them measured against a performance baseline, the rest against the current
plan; ten cost entries each), best of 3, with its query count; the baseline is the same call
on 500 projects × 20 tasks, so the ratio shows how time and queries grow with tasks (queries
must not grow at all). Goal: under 5 s.

Levelling: ``budgets.levelling.level`` on a seeded 2,000-task, 50-resource plan (100 FS chains
of 20 tasks, 10 % milestones, each task on one person at 4, 6 or 8 hours a day), within float
and past float; baseline: the naive method, measured in the same run: one task delayed by one
working day at a time via a constraint, the whole schedule recomputed with
``compute_schedule`` (the dataclass entry point) and the loads recounted with
``budgets.allocation`` after every move, stopped after a time cap (its time is then a lower
bound). Also the whole service, ``levelling_preview`` (reads + levelling) and
``levelling_apply`` (baseline, constraints, recompute), on the same plan in the database.
"""

from __future__ import annotations

import datetime
import os
import random
import time
from collections.abc import Callable
from decimal import Decimal

PROJECTS = 500
TASK_SIZES = (20, 200)
EVM_GOAL_S = 5.0
LEVEL_TASKS, LEVEL_RESOURCES, CHAIN = 2_000, 50, 20
NAIVE_CAP_S = 40.0
SEED = 20260105
START = datetime.date(2026, 1, 5)
AS_OF = datetime.date(2026, 3, 2)


def best_of(call: Callable[[], object], repeats: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - started)
    return best, result


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


# --- earned value ---------------------------------------------------------------------------------


def _portfolio(tasks_per_project: int, user, tag: str) -> list[int]:
    """500 projects of ``tasks_per_project`` tasks written with bulk_create: chained early
    starts, a fixed cost and progress on each task, a performance baseline on every other
    project, ten cost entries per project."""
    from budgets.models import CostEntry
    from projects.models import Project
    from scheduling.models import Baseline, BaselineTask, Task

    rng = random.Random(SEED + tasks_per_project)
    projects = Project.objects.bulk_create(
        Project(
            name=f"EVM {tag} {n}",
            key=f"{tag}{n:04d}",
            start_date=START,
            target_finish=datetime.date(2027, 12, 31),
        )
        for n in range(PROJECTS)
    )
    rows = []
    for project in projects:
        start = 0
        for n in range(tasks_per_project):
            duration = 0 if n % 10 == 9 else rng.randint(1, 6)
            rows.append(
                Task(
                    project=project,
                    name=f"Task {n}",
                    position=n,
                    duration=duration,
                    fixed_cost=Decimal(rng.randint(1, 50) * 100),
                    percent_complete=rng.choice((0, 0, 25, 50, 100)),
                    early_start=start,
                    early_finish=start + duration,
                )
            )
            start += duration if n % 3 else 0  # some tasks in parallel
    tasks = Task.objects.bulk_create(rows, batch_size=5000)
    baselines = Baseline.objects.bulk_create(
        Baseline(project=p, name="Approved plan", is_performance=True, created_by=user)
        for p in projects[::2]
    )
    baseline_of = {b.project_id: b for b in baselines}
    BaselineTask.objects.bulk_create(
        (
            BaselineTask(
                baseline=baseline_of[t.project_id],
                task=t,
                name=t.name,
                duration=t.duration,
                start_date=START + datetime.timedelta(days=t.early_start * 7 // 5),
                early_start=t.early_start,
                early_finish=t.early_finish,
                cost=t.fixed_cost,
            )
            for t in tasks
            if t.project_id in baseline_of
        ),
        batch_size=5000,
    )
    CostEntry.objects.bulk_create(
        (
            CostEntry(
                project=p,
                date=START + datetime.timedelta(days=7 * k),
                amount=Decimal(rng.randint(100, 5000)),
                category="hardware",
            )
            for p in projects
            for k in range(10)
        ),
        batch_size=5000,
    )
    return [p.pk for p in projects]


def _evm() -> tuple[bool, dict]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from budgets.selectors import evm_for_projects

    user = get_user_model().objects.create_user("bench-evm", password="bench-bench-bench")
    measured = {}
    for size in TASK_SIZES:
        started = time.perf_counter()
        ids = _portfolio(size, user, f"E{size}")
        built = time.perf_counter() - started
        with CaptureQueriesContext(connection) as context:
            evm_for_projects(ids, AS_OF)
        seconds, result = best_of(lambda ids=ids: evm_for_projects(ids, AS_OF))
        measured[size] = (seconds, len(context.captured_queries), result)
        print(
            f"  built {PROJECTS} × {size} tasks in {built:.1f} s; "
            f"evm_for_projects: {seconds:.3f} s, {len(context.captured_queries)} queries"
        )
    (t_small, q_small, _), (t_large, q_large, result) = (measured[s] for s in TASK_SIZES)
    total_pv = sum(r.pv for r in result.values())
    print(
        f"  {PROJECTS} × {TASK_SIZES[1]} vs {PROJECTS} × {TASK_SIZES[0]}: time "
        f"{t_large / t_small:.1f}x for {TASK_SIZES[1] // TASK_SIZES[0]}x the tasks, queries "
        f"{q_large} vs {q_small}; portfolio PV {total_pv:,.2f}"
    )
    passed = t_large < EVM_GOAL_S and q_large == q_small
    print(
        f"{'PASS' if passed else 'FAIL'}: portfolio earned value of {PROJECTS} × "
        f"{TASK_SIZES[1]} tasks under {EVM_GOAL_S:.0f} s ({t_large:.2f} s) with a query count "
        f"that does not grow with tasks ({q_small} → {q_large})"
    )
    return passed, measured


# --- levelling ------------------------------------------------------------------------------------


def level_network(seed: int = SEED):
    """100 FS chains of 20 tasks (durations 1-8, every tenth a milestone), each task with work
    on one of 50 people at 4, 6 or 8 hours a day; everyone works 8 hours."""
    from budgets.levelling import Demand
    from scheduling.engine import LinkInput, TaskInput

    rng = random.Random(seed)
    tasks, links, demands = [], [], []
    for n in range(LEVEL_TASKS):
        duration = 0 if n % 10 == 9 else rng.randint(1, 8)
        tasks.append(TaskInput(n + 1, duration))
        if n % CHAIN:
            links.append(LinkInput(n, n + 1))
        if duration:
            hours = Decimal(rng.choice(("8", "4", "6")))
            demands.append(Demand(rng.randrange(LEVEL_RESOURCES) + 1, n + 1, hours))
    capacity = {r + 1: Decimal("8") for r in range(LEVEL_RESOURCES)}
    return tasks, links, demands, capacity


def naive_level(tasks, links, demands, capacity, *, allow_past_float: bool, cap_s: float) -> dict:
    """The straightforward method: find the earliest over-allocated day, delay its lowest-ranked
    movable task by one working day, recompute everything, repeat (until done or ``cap_s``)."""
    from dataclasses import replace

    from budgets import allocation
    from scheduling.engine import compute_schedule

    started = time.perf_counter()
    by_id = {t.id: t for t in tasks}
    first = compute_schedule(tasks, links)
    latest = {pk: r.early_start + r.total_float for pk, r in first.tasks.items()}
    rank = {pk: (0, r.total_float, pk) for pk, r in first.tasks.items()}
    ignored: set[tuple[int, int]] = set()
    moves = 0
    result = first
    while time.perf_counter() - started < cap_s:
        bookings = [
            allocation.Booking(
                d.resource_id,
                d.task_id,
                result.tasks[d.task_id].early_start,
                by_id[d.task_id].duration,
                d.hours_per_day,
            )
            for d in demands
        ]
        loads = allocation.daily_loads(bookings, capacity=capacity, days_off={})
        conflicts = sorted(
            (c for c in allocation.conflicts(loads) if (c.resource_id, c.day) not in ignored),
            key=lambda c: (c.day, c.resource_id),
        )
        if not conflicts:
            break
        conflict = conflicts[0]
        legal = [
            pk for pk in conflict.task_ids if allow_past_float or conflict.day + 1 <= latest[pk]
        ]
        if len(legal) < 1 or len(conflict.task_ids) < 2:
            ignored.add((conflict.resource_id, conflict.day))
            continue
        victim = max(legal, key=lambda pk: rank[pk])
        task = by_id[victim]
        by_id[victim] = replace(task, constraint=result.tasks[victim].early_start + 1)
        moves += 1
        result = compute_schedule(list(by_id.values()), links)
    return {
        "seconds": time.perf_counter() - started,
        "moves": moves,
        "finished": time.perf_counter() - started < cap_s,
        "finish": result.finish,
    }


def _levelling_db(tasks, links, demands, user) -> tuple[float, float, object]:
    """The same plan in the database: time levelling_preview and levelling_apply."""
    from budgets import services
    from budgets.models import Assignment, Resource
    from projects.models import Membership, Project, Role
    from scheduling import services as schedule_services
    from scheduling.models import Dependency, Task

    project = Project.objects.create(
        name="Levelling", key="LVL", start_date=START, target_finish=datetime.date(2028, 1, 1)
    )
    Membership.objects.create(project=project, user=user, role=Role.MANAGER)
    made = Task.objects.bulk_create(
        Task(project=project, name=f"Task {t.id}", position=t.id, duration=t.duration)
        for t in tasks
    )
    pk = {t.id: m.pk for t, m in zip(tasks, made, strict=True)}
    Dependency.objects.bulk_create(
        Dependency(
            project=project, predecessor_id=pk[link.predecessor], successor_id=pk[link.successor]
        )
        for link in links
    )
    people = Resource.objects.bulk_create(
        Resource(project=project, name=f"Person {r + 1}", rate=Decimal(50))
        for r in range(LEVEL_RESOURCES)
    )
    Assignment.objects.bulk_create(
        Assignment(
            project=project,
            resource=people[d.resource_id - 1],
            task_id=pk[d.task_id],
            units=int(d.hours_per_day * 100 / 8),
        )
        for d in demands
    )
    schedule_services.schedule_recompute(project)
    preview_s, plan = best_of(lambda: services.levelling_preview(project=project))
    started = time.perf_counter()
    services.levelling_apply(project=project, by=user)
    apply_s = time.perf_counter() - started
    return preview_s, apply_s, plan


def _levelling() -> bool:
    from django.contrib.auth import get_user_model

    from budgets import levelling

    tasks, links, demands, capacity = level_network()
    print(
        f"  plan: {len(tasks):,} tasks, {len(links):,} links, {LEVEL_RESOURCES} people, "
        f"{len(demands):,} assignments"
    )
    print(
        f"  {'mode':<12} {'ours':>9} {'moves':>6} {'left':>6} {'finish':>11}   "
        f"{'naive':>9} {'moves':>6}  {'ratio':>7}"
    )
    ok = True
    for past in (False, True):
        seconds, plan = best_of(
            lambda past=past: levelling.level(
                tasks, links, demands, capacity=capacity, allow_past_float=past
            )
        )
        naive = naive_level(
            tasks, links, demands, capacity, allow_past_float=past, cap_s=NAIVE_CAP_S / 2
        )
        bound = "" if naive["finished"] else "≥"
        ratio = naive["seconds"] / seconds
        print(
            f"  {'past float' if past else 'within float':<12} {seconds:8.3f}s "
            f"{len(plan.levelled):>6} {len(plan.remaining):>6} "
            f"{plan.finish_before:>4} → {plan.finish_after:<4}   "
            f"{bound}{naive['seconds']:7.1f}s {naive['moves']:>6}  {bound}{ratio:6.0f}x"
            + ("" if naive["finished"] else "  (naive stopped at its time cap)")
        )
        ok = ok and plan.complete and (not past or not plan.remaining)
    user = get_user_model().objects.create_user("bench-level", password="bench-bench-bench")
    preview_s, apply_s, plan = _levelling_db(tasks, links, demands, user)
    print(
        f"  in the database: levelling_preview {preview_s:.2f} s (reads + levelling, "
        f"{len(plan.moves):,} moves), levelling_apply {apply_s:.2f} s (baseline, "
        f"{len(plan.plan.levelled):,} constraints, recompute)"
    )
    print(
        f"{'PASS' if ok else 'FAIL'}: levelling of {LEVEL_TASKS:,} tasks × {LEVEL_RESOURCES} "
        "people completes; past float it leaves no over-allocation"
    )
    return ok


def run() -> bool:
    _setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    print(__doc__.strip().splitlines()[0])
    setup_test_environment()
    old_name = settings.DATABASES["default"]["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    print(f"database: {connection.vendor} (test database {connection.settings_dict['NAME']})")
    try:
        print("earned value")
        evm_ok, _ = _evm()
        print("levelling")
        level_ok = _levelling()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    return evm_ok and level_ok
