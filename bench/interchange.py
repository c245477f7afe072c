"""MS Project XML in and out: a 5,000-task plan with 6,000 links, parsed, previewed, imported
and exported again.

Runs Django in-process on a throw-away test database of the configured engine (PostgreSQL when
``DATABASE_URL`` says so: the goals are PostgreSQL's). The plan: 500 summary tasks (the WBS) of
10 tasks each, FS chains inside each (4,500 links) and 1,500 links across summaries (FS, SS,
FF, SF, with lags and leads), written by Charter's own MSPDI writer. Each step is timed once
(an import writes a project; a second would be another project) with its query count: the
import must be bulk writes, not a query per task.

Goals (issue #16, PostgreSQL): preview < 3 s, import < 10 s, export < 2 s.
"""

from __future__ import annotations

import datetime
import os
import random
import time
from decimal import Decimal

from bench import _django

TASKS = 5_000
PER_SUMMARY = 10
CROSS_LINKS = 1_500
GOALS_S = {"preview": 3.0, "import": 10.0, "export": 2.0}


def _file() -> bytes:
    from interchange import mspdi

    rng = random.Random(16)
    start = datetime.date(2026, 1, 5)
    rows = []
    links = []
    uid = 0
    leaves: list[int] = []
    for package in range(TASKS // PER_SUMMARY):
        uid += 1
        rows.append(
            mspdi.OutTask(uid, f"Package {package + 1}", str(package + 1), 1, True, start, start, 0)
        )
        previous = None
        for step in range(PER_SUMMARY):
            uid += 1
            rows.append(
                mspdi.OutTask(
                    uid,
                    f"Task {package + 1}.{step + 1}",
                    f"{package + 1}.{step + 1}",
                    2,
                    False,
                    start,
                    start,
                    rng.randint(1, 5),
                    fixed_cost=Decimal(rng.choice([0, 500, 1200])),
                )
            )
            if previous is not None:
                links.append(mspdi.OutLink(previous, uid, "FS", 0))
            previous = uid
            leaves.append(uid)
    seen = {(link.predecessor_uid, link.successor_uid) for link in links}
    while len(links) < TASKS // PER_SUMMARY * (PER_SUMMARY - 1) + CROSS_LINKS:
        a, b = sorted(rng.sample(range(len(leaves)), 2))
        pair = (leaves[a], leaves[b])
        if b // PER_SUMMARY == a // PER_SUMMARY or pair in seen:
            continue
        seen.add(pair)
        links.append(mspdi.OutLink(*pair, rng.choice(["FS", "SS", "FF", "SF"]), rng.randint(-1, 3)))
    plan = mspdi.OutPlan(
        name="Bench plan",
        start=start,
        finish=start,
        currency="EUR",
        working_weekdays=frozenset({1, 2, 3, 4, 5}),
        holidays=((datetime.date(2026, 4, 3), "Good Friday"),),
        tasks=tuple(rows),
        links=tuple(links),
    )
    return mspdi.write(plan)


def _setup_django() -> None:
    # As deployed, the work an import queues (the KPI refresh) runs in a worker, not in the
    # request: publish it to an in-process broker nobody consumes instead of running it eagerly.
    os.environ["REDIS_URL"] = ""
    _django.setup()
    from config.celery import app

    app.conf.task_always_eager = False


def run() -> bool:
    _setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from interchange import mspdi, services
    from scheduling.models import Dependency, Task
    from tests.factories import UserFactory

    data = _file()
    print(f"file: {len(data) / 1024 / 1024:.1f} MB, {TASKS:,} tasks")
    passed = True
    with _django.throwaway_database():
        user = UserFactory(username="bench-import")
        timings: dict[str, tuple[float, int]] = {}

        def timed(name: str, call):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                result = call()
                timings[name] = (time.perf_counter() - started, len(queries))
            return result

        plan = timed("parse", lambda: mspdi.parse(data))
        preview = timed("preview", lambda: services.plan_preview(plan=plan))
        project = timed("import", lambda: services.plan_import(plan=plan, by=user, key="BENCH"))
        exported = timed("export", lambda: services.project_export_mspdi(project=project))
        tasks = Task.objects.filter(project=project).count()
        links = Dependency.objects.filter(project=project).count()
        print(
            f"imported {tasks:,} tasks, {links:,} links "
            f"(preview said {preview['tasks']:,} and {preview['dependencies']:,}); "
            f"export {len(exported) / 1024 / 1024:.1f} MB"
        )
        for name, (seconds, queries) in timings.items():
            goal = GOALS_S.get(name)
            verdict = "" if goal is None else (" ok" if seconds < goal else " SLOW")
            goal_text = "" if goal is None else f" (goal < {goal:g} s)"
            print(f"  {name:8} {seconds:6.2f} s  {queries:5} queries{goal_text}{verdict}")
            passed = passed and (goal is None or seconds < goal)
    return passed
