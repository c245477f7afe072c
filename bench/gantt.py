"""Gantt page speed: the whole request for a 2,000-task project, against in-run baselines.

Runs Django in-process on a throw-away test database of the configured engine (SQLite in
memory by default, PostgreSQL when ``DATABASE_URL`` says so), builds a 2,000-task plan (100
work packages of 20 tasks in FS chains with cross links, a performance baseline) and times
``GET /projects/<id>/schedule/gantt/`` through the test client: URL routing, middleware, the
access door, the queries, the SVG and the template. Best of several runs.

Baselines measured in the same run:

* the same Gantt page for a 200-task plan (how the page grows with the plan: paging keeps
  one page of rows, so it should grow little);
* Django's template engine rendering a naive 2,000-row table with one ``{% include %}`` per row
  (what "just loop over the tasks in a template" costs), the approach the page avoids.

Also times the task table page and, when it exists, ``GET /api/v1/projects/<id>/schedule/``.
Goal: the 2,000-task Gantt page under 300 ms.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bench import _django

GOAL_S = 0.300
SIZES = (200, 2_000)
REPEATS = 7


def best_of(call: Callable[[], object]) -> float:
    return _django.best_of(call, REPEATS)


def fmt(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:8.1f} ms"


def _plan(size: int, user) -> object:
    """A project with ``size`` tasks in streams (top-level packages) of 5 work packages of 20
    tasks: FS chains inside a stream, each stream starting 3 working days after the previous
    one (SS +3), 10 % milestones, and a performance baseline."""
    import datetime

    from django.db.models import Max

    from projects import services as project_services
    from projects.models import Membership, Project, Role, WorkPackage
    from scheduling import services
    from scheduling.models import Dependency, Task

    number = (Project.objects.aggregate(n=Max("id"))["n"] or 0) + 1
    project = Project.objects.create(
        name=f"Bench {size}",
        key=f"B{number}",
        start_date=datetime.date(2026, 1, 5),
        target_finish=datetime.date(2030, 12, 31),
    )
    Membership.objects.create(project=project, user=user, role=Role.MANAGER)
    leaves = size // 20
    tops = max(1, leaves // 5)
    project_services.wbs_import(
        project=project,
        by=user,
        nodes=[
            {
                "name": f"Stream {t + 1}",
                "children": [{"name": f"Package {t + 1}.{c + 1}"} for c in range(5)],
            }
            for t in range(tops)
        ],
    )
    packages = list(
        WorkPackage.objects.filter(project=project, parent__isnull=False).order_by("sort_key")
    )
    tasks = Task.objects.bulk_create(
        Task(
            project=project,
            name=f"Task {n + 1} of {packages[n // 20].name}",
            work_package=packages[n // 20],
            position=n % 20 + 1,
            duration=0 if n % 10 == 9 else 1 + n % 7,
        )
        for n in range(size)
    )
    links = []
    for n in range(1, size):
        package = n // 20
        if n % 20:  # the next step of the same package
            links.append(Dependency(project=project, predecessor=tasks[n - 1], successor=tasks[n]))
        elif package % 5:  # the next package of the same stream, after the previous one
            links.append(Dependency(project=project, predecessor=tasks[n - 1], successor=tasks[n]))
        else:  # a new stream starts a little after the previous stream started
            links.append(
                Dependency(
                    project=project,
                    predecessor=tasks[n - 100],
                    successor=tasks[n],
                    type="SS",
                    lag=3,
                )
            )
    Dependency.objects.bulk_create(links)
    services.schedule_recompute(project)
    services.baseline_create(project=project, by=user, name="Approved plan", is_performance=True)
    return project


def _naive_table(rows: list[dict]) -> Callable[[], str]:
    """A 2,000-row table as one might first write it: a template loop with an include a row."""
    from django.template import Context, Engine

    engine = Engine(
        loaders=[
            (
                "django.template.loaders.locmem.Loader",
                {
                    "row.html": "<tr><td>{{ t.name }}</td><td>{{ t.duration }} d</td>"
                    '<td>{{ t.start_date|date:"j M Y" }}</td>'
                    '<td>{{ t.finish_date|date:"j M Y" }}</td>'
                    "<td>{{ t.total_float }}</td><td>{% if t.is_critical %}Critical{% endif %}"
                    "</td></tr>",
                    "table.html": "<table>{% for t in rows %}{% include 'row.html' %}"
                    "{% endfor %}</table>",
                },
            )
        ]
    )
    template = engine.get_template("table.html")
    return lambda: template.render(Context({"rows": rows}))


def run() -> bool:
    _django.setup()
    from django.test import Client
    from django.urls import Resolver404, resolve, reverse

    print(__doc__.strip().splitlines()[0])
    with _django.throwaway_database():
        from django.contrib.auth import get_user_model

        from scheduling import selectors

        user = get_user_model().objects.create_user("bench", password="bench-bench-bench")
        client = Client()
        client.force_login(user)
        times: dict[tuple[str, int], float | None] = {}
        for size in SIZES:
            started = time.perf_counter()
            project = _plan(size, user)
            print(f"built a {size:,}-task plan in {time.perf_counter() - started:.1f} s")

            def get(url: str) -> None:
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)

            gantt = reverse("scheduling:gantt", args=[project.pk])
            size_kb = len(client.get(gantt).content) / 1024
            print(f"  Gantt page: {size_kb:,.0f} KB for the first 200 rows")
            times[("gantt week", size)] = best_of(lambda url=gantt: get(url))
            times[("gantt month", size)] = best_of(lambda url=gantt: get(url + "?zoom=month"))
            tasks_url = reverse("scheduling:tasks", args=[project.pk])
            times[("task table", size)] = best_of(lambda url=tasks_url: get(url))
            api = f"/api/v1/projects/{project.pk}/schedule/"
            try:
                resolve(api)
            except Resolver404:
                times[("api schedule", size)] = None
            else:
                times[("api schedule", size)] = best_of(lambda url=api: get(url))
            if size == SIZES[-1]:
                rows = selectors.schedule_rows(project)
                times[("naive include table", size)] = best_of(_naive_table(rows))

    small, large = SIZES
    print(f"{'what':<22} {f'{small:,} tasks':>12} {f'{large:,} tasks':>12} {'growth':>8}")
    for what in ("gantt week", "gantt month", "task table", "api schedule"):
        a, b = times[(what, small)], times[(what, large)]
        growth = f"{b / a:7.1f}x" if a and b else f"{'—':>8}"
        print(f"{what:<22} {fmt(a):>12} {fmt(b):>12} {growth}")
    naive = times[("naive include table", large)]
    print(f"{'naive include table':<22} {'':>12} {fmt(naive):>12}")
    if times[("api schedule", large)] is None:
        print("api schedule: /api/v1/projects/{id}/schedule/ is not routed yet; skipped.")
    gantt_large = times[("gantt week", large)]
    print(
        f"2,000-task Gantt page vs the naive 2,000-row include table alone: "
        f"{naive / gantt_large:.1f}x faster (the page does the whole request)"
    )
    growth = gantt_large / times[("gantt week", small)]
    print(f"2,000-task Gantt page vs the 200-task one: {growth:.2f}x")
    passed = gantt_large < GOAL_S and times[("gantt month", large)] < GOAL_S
    print(
        f"{'PASS' if passed else 'FAIL'}: 2,000-task Gantt page under {GOAL_S * 1000:.0f} ms "
        f"(week {gantt_large * 1000:.0f} ms, month {times[('gantt month', large)] * 1000:.0f} ms)"
    )
    return passed
