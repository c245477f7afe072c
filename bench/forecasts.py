"""Nightly forecasts: the beat's choice of projects and the worker's refresh of each, on the
database, for issue 17's goal of 1,000 projects × 500 tasks at 5,000 iterations in under 15
minutes on one worker.

Runs Django in-process on a throw-away test database of the configured engine (SQLite in memory
by default, PostgreSQL when ``DATABASE_URL`` says so; the goal is on PostgreSQL).

Data, seeded and written with bulk_create: 1,000 active projects (and 50 closed ones, which the
night must skip). ``SAMPLE`` of the active projects are full size: the ``engine`` benchmark's
network of 500 tasks (all four link types, lags and leads) with a three-point estimate on 85 %
of the tasks with work and a fixed cost on every task, scheduled by the engine; the others have
one scheduled task, enough for the beat to find them due. Timed: ``projects_due_a_forecast``
over all 1,050 projects (the beat's one query), then, for each full-size project, what the
worker does for it at night: ``forecast_refresh`` (is it due; the run queued under the lock)
and ``forecast_run_compute`` (read the plan, simulate 5,000 iterations, store the results and
the chances), with the KPI refresh the finished run queues, as the worker runs them. The night
is extrapolated: the beat's query plus 1,000 times the mean full-size refresh; two workers take
each project once from the same queue, so about half of that.
"""

from __future__ import annotations

import datetime
import logging
import statistics
import time
from decimal import Decimal

import numpy as np

from bench import _django
from bench.engine import network

ACTIVE, CLOSED, TASKS, SAMPLE = 1_000, 50, 500, 12
GOAL_S = 15 * 60
SEED = 20260105
START = datetime.date(2026, 1, 5)


def _build() -> tuple[list, list]:
    from django.db import transaction

    from projects.models import Project
    from scheduling.engine import LINK_TYPES
    from scheduling.models import Calendar, Dependency, Task
    from scheduling.services.schedule import schedule_recompute

    projects = Project.objects.bulk_create(
        Project(
            name=f"Nightly {n}",
            key=f"NF{n:04d}",
            start_date=START,
            target_finish=datetime.date(2027, 6, 30),
            stage=Project.Stage.CLOSED if n >= ACTIVE else Project.Stage.EXECUTING,
        )
        for n in range(ACTIVE + CLOSED)
    )
    Calendar.objects.bulk_create(
        Calendar(project=p, working_weekdays=[1, 2, 3, 4, 5]) for p in projects
    )
    full, small = projects[:SAMPLE], projects[SAMPLE:]
    net = network(TASKS, SEED)
    rng = np.random.default_rng(SEED)
    rows = []
    for project in full:
        under = rng.integers(0, 3, TASKS).tolist()
        over = rng.integers(1, 11, TASKS).tolist()
        uncertain = (rng.random(TASKS) < 0.85).tolist()
        for index, days in enumerate(net.durations.tolist()):
            estimate = (
                {
                    "optimistic_duration": max(days - under[index], 0),
                    "most_likely_duration": days,
                    "pessimistic_duration": days + over[index],
                }
                if days and uncertain[index]
                else {}
            )
            rows.append(
                Task(
                    project=project,
                    name=f"Task {index}",
                    position=index,
                    duration=days,
                    fixed_cost=Decimal(days * 800),
                    **estimate,
                )
            )
    # One task each, its dates as the engine would store them (5 working days from Monday).
    rows += [
        Task(
            project=p,
            name="Only",
            position=0,
            duration=5,
            early_start=0,
            early_finish=5,
            start_date=START,
            finish_date=START + datetime.timedelta(days=4),
        )
        for p in small
    ]
    tasks = Task.objects.bulk_create(rows, batch_size=5000)
    links = []
    for number, project in enumerate(full):
        ids = [t.pk for t in tasks[number * TASKS : (number + 1) * TASKS]]
        links += [
            Dependency(
                project=project,
                predecessor_id=ids[p],
                successor_id=ids[s],
                type=LINK_TYPES[k],
                lag=lag,
            )
            for p, s, k, lag in zip(
                net.pred.tolist(),
                net.succ.tolist(),
                net.kinds.tolist(),
                net.lags.tolist(),
                strict=True,
            )
        ]
    Dependency.objects.bulk_create(links, batch_size=5000)
    for project in full:
        with transaction.atomic():
            schedule_recompute(project)
    return full, projects


def run() -> bool:
    _django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from config.celery import app
    from projects import clock
    from risks.models import ForecastRun
    from risks.services import forecast_run_compute, projects_due_a_forecast
    from risks.services.refresh import AUTO_ITERATIONS, Reason, forecast_refresh

    # The worker's tasks in-process (a refresh's run computes at its commit, and the KPI
    # refresh that follows it), never a broker's; their per-task log lines are not printed.
    app.conf.task_always_eager = True
    logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
    print(__doc__.strip().splitlines()[0])
    with _django.throwaway_database():
        started = time.perf_counter()
        full, projects = _build()
        print(
            f"built {len(projects)} projects ({SAMPLE} of {TASKS} tasks) in "
            f"{time.perf_counter() - started:.1f} s"
        )
        now = clock.now()
        connection.queries_log.clear()  # the build's queries filled the log
        with CaptureQueriesContext(connection) as context:
            started = time.perf_counter()
            due = projects_due_a_forecast(now=now)
            beat = time.perf_counter() - started
        closed_ids = {p.pk for p in projects[ACTIVE:]}
        skipped = not closed_ids & set(due)
        print(
            f"beat: {len(due)} projects due of {len(projects)} in {beat:.3f} s, "
            f"{len(context.captured_queries)} query; closed ones skipped: {skipped}"
        )
        times = []
        for project in full:
            started = time.perf_counter()
            queued = forecast_refresh(project_id=project.pk, reason=Reason.NIGHTLY, now=now)
            assert queued is not None, project.key
            run_ = forecast_run_compute(run_id=queued.pk)
            times.append(time.perf_counter() - started)
            assert run_ is not None and run_.status == ForecastRun.Status.DONE, run_
            assert run_.iterations == AUTO_ITERATIONS and run_.p_target_finish is not None
        mean, worst = statistics.mean(times), max(times)
        night = beat + ACTIVE * mean
        print(
            f"refresh of a {TASKS}-task project at {AUTO_ITERATIONS:,} iterations: "
            f"mean {mean:.3f} s, best {min(times):.3f} s, worst {worst:.3f} s ({SAMPLE} projects)"
        )
        print(
            f"night of {ACTIVE:,} projects on one worker (extrapolated): {night:.0f} s "
            f"({night / 60:.1f} min); two workers about {night / 2 / 60:.1f} min"
        )
        passed = night < GOAL_S and skipped and len(due) == ACTIVE
        print(
            f"{'PASS' if passed else 'FAIL'}: night {night:.0f} s (goal < {GOAL_S} s on one "
            f"worker); {len(due)} due of {ACTIVE} active, closed skipped: {skipped}"
        )
        return passed
