"""Schedule edits through the API: what a person waits for when they change a plan.

Runs Django in-process on a throw-away test database of the configured engine (PostgreSQL when
``DATABASE_URL`` says so: run it there, the goals are PostgreSQL's) and times whole API requests
through the test client (routing, middleware, authentication, the access door, the service's
transaction and recompute, the serializer) on plans of 2,000 and 10,000 tasks: streams of 100
tasks in FS chains, each starting when the previous stream is 10 steps in, so lengthening the
first steps of the stream three quarters in moves the last quarter of the plan and its finish.
``ANALYZE`` runs after the plan is built. Best of several runs, each edit undone by the
next (a duration goes 4 → 5 → 4 …), so every timed PATCH really moves the schedule.

Baseline in the same run: ``PATCH`` of the same task's name, which moves nothing (the cost of a
write request without any schedule work). Goals (issue #14, PostgreSQL): PATCH a duration that
moves ~25 % of tasks < 120 ms / < 400 ms at 2k / 10k; POST a task without links < 30 / < 40 ms;
add or delete a dependency at 10k < 400 ms; GET ``/schedule/`` at 10k < 150 ms.
"""

from __future__ import annotations

import datetime
import os
import time
from collections.abc import Callable

from bench import _django

SIZES = (2_000, 10_000)
STREAM = 100  # tasks in one FS chain
REPEATS = 5
GOALS_MS = {
    ("patch duration", 2_000): 120,
    ("patch duration", 10_000): 400,
    ("post unlinked task", 2_000): 30,
    ("post unlinked task", 10_000): 40,
    ("add dependency", 10_000): 400,
    ("delete dependency", 10_000): 400,
    ("get schedule", 10_000): 150,
}


def best_of(call: Callable[[], object]) -> float:
    return _django.best_of(call, REPEATS)


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # As deployed, the work an edit queues (the KPI refresh) runs in a worker, not in the
    # request: publish it to an in-process broker nobody consumes instead of running it eagerly.
    os.environ["REDIS_URL"] = ""
    _django.setup()
    from config.celery import app

    app.conf.task_always_eager = False


def _plan(size: int, user) -> tuple[object, list[int]]:
    """A ``size``-task plan: streams of 100 tasks in FS chains, each stream starting when the
    previous one is 10 steps in (so a slip early in a stream moves every later stream), 5 %
    milestones."""
    from django.db import connection
    from django.db.models import Max

    from projects.models import Membership, Project, Role
    from scheduling import services
    from scheduling.models import Dependency, Task, TaskRefCounter

    number = (Project.objects.aggregate(n=Max("id"))["n"] or 0) + 1
    project = Project.objects.create(
        name=f"Edits {size}",
        key=f"E{number}",
        start_date=datetime.date(2026, 1, 5),
        target_finish=datetime.date(2040, 12, 31),
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
        for n in range(size)
    )
    TaskRefCounter.objects.update_or_create(project=project, defaults={"last": size})
    ids = [task.pk for task in tasks]
    links = []
    for n in range(1, size):
        if n % STREAM:  # the next step of the same stream
            links.append(
                Dependency(project=project, predecessor_id=ids[n - 1], successor_id=ids[n])
            )
        else:  # a stream starts once the previous one is 10 steps in
            links.append(
                Dependency(project=project, predecessor_id=ids[n - STREAM + 9], successor_id=ids[n])
            )
    Dependency.objects.bulk_create(links)
    services.schedule_recompute(project)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return project, ids


def _measure(
    client, project, ids: list[int], size: int
) -> tuple[dict[str, float], tuple[int, int]]:
    """Best times of each request on one plan, and how many tasks one duration PATCH moved
    (their schedule as read changed) and how many rows it rewrote."""
    from scheduling.models import Task

    def stored() -> set[tuple]:
        return set(Task.objects.filter(project=project).values_list("pk", *Task.COMPUTED_FIELDS))

    times: dict[str, float] = {}
    base = f"/api/v1/projects/{project.pk}"
    target = ids[size * 3 // 4 + 2]  # lengthening it moves the last quarter and the finish
    durations = iter([5, 4] * REPEATS * 2)
    names = iter(range(REPEATS * 2))

    def patch(body: dict) -> dict:
        response = client.patch(f"{base}/tasks/{target}/", body, format="json")
        assert response.status_code == 200, response.content[:300]
        return response.json()

    times["patch name (baseline)"] = best_of(lambda: patch({"name": f"Renamed {next(names)}"}))
    times["patch duration"] = best_of(lambda: patch({"duration": next(durations)}))
    before = stored()
    moved = patch({"duration": 9})["schedule"]["moved_count"]
    written = len(stored() - before)
    patch({"duration": 4})

    def post_task() -> None:
        response = client.post(f"{base}/tasks/", {"name": "Side job", "duration": 2}, format="json")
        assert response.status_code == 201, response.content[:300]

    times["post unlinked task"] = best_of(post_task)
    link_ids: list[int] = []
    source, sink = ids[size * 3 // 4 - 10], ids[size * 3 // 4 + 10]

    def add_link() -> None:
        response = client.post(
            f"{base}/dependencies/",
            {"predecessor": source, "successor": sink, "type": "FS", "lag": 5},
            format="json",
        )
        assert response.status_code == 201, response.content[:300]
        link_ids.append(response.json()["id"])

    def delete_link() -> None:
        response = client.delete(f"{base}/dependencies/{link_ids.pop()}/")
        assert response.status_code == 204, response.content[:300]

    add_best = delete_best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        add_link()
        add_best = min(add_best, time.perf_counter() - started)
        started = time.perf_counter()
        delete_link()
        delete_best = min(delete_best, time.perf_counter() - started)
    times["add dependency"] = add_best
    times["delete dependency"] = delete_best

    def get_schedule() -> None:
        response = client.get(f"{base}/schedule/")
        assert response.status_code == 200
        response.content  # noqa: B018 (render it)

    times["get schedule"] = best_of(get_schedule)
    return times, (moved, written)


def run() -> bool:
    _setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from rest_framework.test import APIClient

    print(__doc__.strip().splitlines()[0])
    times: dict[tuple[str, int], float] = {}
    moved: dict[int, tuple[int, int]] = {}
    with _django.throwaway_database():
        user = get_user_model().objects.create_user("bench", password="bench-bench-bench")
        client = APIClient()
        client.force_authenticate(user)
        for size in SIZES:
            started = time.perf_counter()
            project, ids = _plan(size, user)
            print(f"built a {size:,}-task plan in {time.perf_counter() - started:.1f} s")
            measured, moved[size] = _measure(client, project, ids, size)
            times.update({(what, size): seconds for what, seconds in measured.items()})

    small, large = SIZES
    print(
        f"{'request':<24} {f'{small:,} tasks':>12} {f'{large:,} tasks':>12}"
        f" {'x baseline':>11} {'goal':>8}"
    )
    passed = True
    for what in (
        "patch name (baseline)",
        "patch duration",
        "post unlinked task",
        "add dependency",
        "delete dependency",
        "get schedule",
    ):
        a, b = times[(what, small)], times[(what, large)]
        ratio = b / times[("patch name (baseline)", large)]
        goals = [GOALS_MS.get((what, size)) for size in SIZES]
        verdicts = [
            goal is None or seconds * 1000 < goal
            for goal, seconds in zip(goals, (a, b), strict=True)
        ]
        passed = passed and all(verdicts)
        goal_text = " / ".join("—" if goal is None else f"<{goal}" for goal in goals)
        print(
            f"{what:<24} {a * 1000:9.1f} ms {b * 1000:9.1f} ms {ratio:10.2f}x {goal_text:>12}"
            f"{'' if all(verdicts) else '  FAIL'}"
        )
    print(
        "one duration PATCH: tasks whose schedule as read changed (moved_count) / rows rewritten: "
        f"{moved[small][0]:,} / {moved[small][1]:,} of {small:,}, "
        f"{moved[large][0]:,} / {moved[large][1]:,} of {large:,}"
    )
    print(f"{'PASS' if passed else 'FAIL'}: the goals of issue #14 for edits ({connection.vendor})")
    return passed
