"""Cross-project recompute: a chain of 20 projects × 2,000 tasks after one edit (issue #17).

Each project is the ``edits`` benchmark's plan (streams of 100 tasks in FS chains, each stream
starting when the previous one is 10 steps in, 5 % milestones); project k+1's first task waits
(FS) for project k's last one, so a change of the first task of the first project moves every
task of all 20 projects. Timed (best of 3, the first task's duration going 4 → 5 → 4 …, so every
run really moves everything):

* ``edit``: the person's edit in the first project (``task_update``), its own recompute included;
* ``chain``: what the worker then does (``external.recompute_dependents``): the 19 later
  projects, in order, each in its own transaction under its own lock;
* baseline, measured in the same run: ``schedule_recompute`` of one 2,000-task project, times 19
  (the least any way of recomputing the later projects must do).

Goal: the chain in under 10 s end to end (edit + chain), on PostgreSQL with ``DATABASE_URL``.
"""

from __future__ import annotations

import datetime
import os
import time

from bench import _django

PROJECTS = 20
TASKS = 2_000
STREAM = 100
REPEATS = 3
GOAL_SECONDS = 10.0


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # The worker's chain is called here directly; nothing else an edit queues runs.
    os.environ["REDIS_URL"] = ""
    _django.setup()
    from config.celery import app

    app.conf.task_always_eager = False


def _project(number: int, user) -> tuple[object, list[int]]:
    from projects.models import Membership, Project, Role
    from scheduling.models import Dependency, Task, TaskRefCounter

    project = Project.objects.create(
        name=f"Chain {number}",
        key=f"C{number:02d}",
        start_date=datetime.date(2026, 1, 5),
        target_finish=datetime.date(2045, 12, 31),
    )
    Membership.objects.create(project=project, user=user, role=Role.MANAGER)
    tasks = Task.objects.bulk_create(
        Task(
            project=project,
            ref=n + 1,
            name=f"Task {n + 1}",
            position=n + 1,
            duration=0 if n % 20 == 19 else 1 + n % 4,
        )
        for n in range(TASKS)
    )
    TaskRefCounter.objects.update_or_create(project=project, defaults={"last": TASKS})
    ids = [task.pk for task in tasks]
    links = [
        Dependency(
            project=project,
            predecessor_id=ids[n - 1] if n % STREAM else ids[n - STREAM + 9],
            successor_id=ids[n],
        )
        for n in range(1, TASKS)
    ]
    Dependency.objects.bulk_create(links)
    return project, ids


def _build(user) -> list[tuple[object, list[int]]]:
    from django.db import connection

    from scheduling import services
    from scheduling.models import ExternalDependency, Task

    chain = [_project(n + 1, user) for n in range(PROJECTS)]
    ExternalDependency.objects.bulk_create(
        ExternalDependency(project=later, predecessor_id=earlier_ids[-1], successor_id=later_ids[0])
        for (earlier, earlier_ids), (later, later_ids) in zip(chain, chain[1:], strict=False)
    )
    Task.objects.filter(pk__in=[ids[-1] for _, ids in chain[:-1]]).update(
        drives_other_projects=True
    )
    # Scheduled once in order, as the worker would have left them.
    from scheduling.crossproject import refresh_bounds

    for project, _ in chain:
        refresh_bounds(project, services.work_calendar(project))
        services.schedule_recompute(project)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return chain


def run() -> bool:
    _setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from scheduling import services
    from scheduling.models import Task
    from scheduling.services import external

    print(__doc__.strip().splitlines()[0])
    with _django.throwaway_database():
        user = get_user_model().objects.create_user("bench", password="bench-bench-bench")
        started = time.perf_counter()
        chain = _build(user)
        print(
            f"built {PROJECTS} projects × {TASKS:,} tasks in {time.perf_counter() - started:.1f} s"
        )
        first, first_ids = chain[0]
        last, last_ids = chain[-1]
        durations = iter([5, 4] * REPEATS * 2)
        edits, chains, finishes = [], [], []
        for _ in range(REPEATS):
            task = Task.objects.get(pk=first_ids[0])
            before = Task.objects.get(pk=last_ids[-1]).finish_date
            began = time.perf_counter()
            with transaction.atomic():
                services.task_update(task=task, by=user, version=None, duration=next(durations))
            edited = time.perf_counter()
            moved = external.recompute_dependents(first.pk)
            done = time.perf_counter()
            edits.append(edited - began)
            chains.append(done - edited)
            after = Task.objects.get(pk=last_ids[-1]).finish_date
            finishes.append((before, after, len(moved)))
        assert all(b != a and n == PROJECTS - 1 for b, a, n in finishes), finishes

        def one() -> None:
            with transaction.atomic():
                services.lock_project(last)
                Task.objects.filter(project=last).update(early_start=None)
                services.schedule_recompute(last)

        single = _django.best_of(one, REPEATS)

    edit, worker = min(edits), min(chains)
    baseline = single * (PROJECTS - 1)
    total = edit + worker
    passed = total < GOAL_SECONDS
    print(f"{'what':<44} {'seconds':>9} {'x baseline':>11}")
    print(f"{'edit in the first project (own recompute)':<44} {edit:9.2f}")
    print(f"{'chain on the worker (19 projects)':<44} {worker:9.2f} {worker / baseline:10.2f}x")
    print(f"{'baseline: 19 × one full recompute':<44} {baseline:9.2f} {1:10.2f}x")
    print(f"{'end to end (goal < 10 s)':<44} {total:9.2f}{'' if passed else '  FAIL'}")
    print(
        f"{'PASS' if passed else 'FAIL'}: cross-project chain of {PROJECTS} × {TASKS:,} tasks "
        f"({connection.vendor}); every run moved the last project's finish "
        f"({finishes[-1][0]} → {finishes[-1][1]})"
    )
    return passed
