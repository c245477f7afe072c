"""Demo schedules for the demo projects: a task network under every WBS leaf (all four link
types, lags and leads, milestones), progress up to today (a finished project a few days late),
a performance baseline taken before the progress, phases with gate reviews (waterfall, PRINCE2,
hybrid) and, for Scrum, sprints and a backlog. Called by ``manage.py seed_demo``; a project that
already has tasks is left alone.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db.models import F

from projects import clock
from projects.demo import DemoContext, is_finished
from projects.models import Project, WorkPackage
from scheduling import services
from scheduling.models import BacklogItem, Dependency, Task

# Typical steps of the work under a WBS leaf, by project type (name, working days).
STEPS = {
    Project.Type.SOFTWARE: [
        ("Refine", 2),
        ("Implement", 6),
        ("Review and test", 3),
        ("Document", 1),
    ],
    Project.Type.INFRASTRUCTURE: [("Design", 4), ("Build", 7), ("Verify", 3), ("Hand over", 2)],
    Project.Type.CYBERSECURITY: [("Assess", 3), ("Implement", 8), ("Test", 2), ("Evidence", 2)],
    Project.Type.DIGITAL_TRANSFORMATION: [
        ("Analyse", 5),
        ("Configure", 9),
        ("Validate", 4),
        ("Sign off", 1),
    ],
    Project.Type.OTHER: [("Plan", 2), ("Do", 5), ("Check", 2), ("Act", 1)],
}

# Working days a finished demo project's last tasks ran past their baselined finish.
FINAL_SLIP = 4

BACKLOG = [
    ("As a customer I sign in with my company account", 8),
    ("As a customer I see my open invoices", 5),
    ("As a customer I download an invoice as PDF", 3),
    ("As a customer I open a support ticket", 5),
    ("As a customer I comment on my ticket", 3),
    ("As a customer I get an e-mail when my ticket changes", 5),
    ("As a partner I read ticket status through the API", 8),
    ("As an admin I manage which users see invoices", 5),
    ("Accessibility audit fixes (WCAG 2.2 AA)", 8),
    ("Load test at 500 concurrent users", 3),
    ("German translations", 5),
    ("As a customer I filter tickets by status", 2),
    ("As a customer I see invoice payment status", 3),
    ("Security review of the OAuth flow", 5),
    ("As a customer I attach files to a ticket", 5),
    ("Dark mode", 3),
    ("As a partner I receive webhooks on ticket changes", 8),
    ("As a customer I export my invoices as CSV", 2),
]


def seed(context: DemoContext) -> None:
    today = clock.today()
    for project in context.projects.values():
        if project.tasks.exists():
            continue
        _network(project, random.Random(project.key))
        services.schedule_recompute(project)
        _fit_to_target(project)
        services.baseline_create(
            project=project,
            by=context.manager,
            name="Approved plan",
            is_performance=True,
            note="Baseline approved at the end of planning.",
        )
        if project.methodology != Project.Methodology.SCRUM:
            _phases(project, context.manager, today)
        _progress(project, today, random.Random(project.key))
        services.schedule_recompute(project)
        if project.methodology in (Project.Methodology.SCRUM, Project.Methodology.HYBRID):
            _sprints(project, context.manager, today)


def _network(project: Project, rng: random.Random) -> None:
    """Tasks under each WBS leaf chained FS; leaves linked along the WBS with mixed links;
    a milestone closing every top-level package."""
    packages = list(WorkPackage.objects.filter(project=project).order_by("sort_key"))
    parents = {p.parent_id for p in packages}
    leaves = [p for p in packages if p.pk not in parents]
    steps = STEPS.get(project.type, STEPS[Project.Type.OTHER])
    tasks: list[Task] = []
    groups: list[list[Task]] = []
    for leaf in leaves:
        group = [
            Task(
                project=project,
                work_package=leaf,
                name=f"{step}: {leaf.name}",
                position=position,
                duration=max(1, days + rng.randint(-1, 3)),
                fixed_cost=Decimal(rng.choice([0, 0, 500, 1200, 2500, 4000])),
            )
            for position, (step, days) in enumerate(steps, start=1)
        ]
        groups.append(group)
        tasks.extend(group)
    Task.objects.bulk_create(tasks)

    links: list[Dependency] = []

    def link(p: Task, s: Task, kind: str = "FS", lag: int = 0) -> None:
        links.append(Dependency(project=project, predecessor=p, successor=s, type=kind, lag=lag))

    for group in groups:
        for before, after in zip(group, group[1:], strict=False):
            link(before, after)
    for index in range(1, len(groups)):
        previous, current = groups[index - 1], groups[index]
        kind = rng.choice(["FS", "FS", "SS", "FF", "SF"])
        if kind == "FS":
            link(previous[-1], current[0], "FS", rng.choice([0, 0, 1, -1]))
        elif kind == "SS":
            link(previous[1], current[0], "SS", rng.randint(1, 3))
        elif kind == "FF":
            link(previous[-1], current[-1], "FF", rng.choice([0, 2]))
            link(previous[0], current[0])
        else:  # SF: the next piece cannot finish before the previous one's review starts
            link(previous[-1], current[1], "SF", 1)
            link(previous[0], current[0])

    # A milestone at the end of each top-level package, after everything under it.
    for top in (p for p in packages if p.parent_id is None):
        under = [
            g[-1]
            for g, leaf in zip(groups, leaves, strict=True)
            if leaf.sort_key.startswith(top.sort_key)
        ]
        if not under:
            continue
        milestone = Task.objects.create(
            project=project,
            work_package=top,
            name=f"{top.name} complete",
            duration=0,
            position=99,
        )
        for last in under:
            link(last, milestone)
    Dependency.objects.bulk_create(links)


def _fit_to_target(project: Project) -> None:
    """Stretch durations so the plan finishes about a month before the target finish."""
    calendar = services.work_calendar(project)
    finish = max(project.tasks.values_list("early_finish", flat=True), default=0)
    target = calendar.last_index_on_or_before(project.target_finish) - 20
    if finish <= 0 or target <= finish:
        return
    factor = target / finish
    tasks = list(project.tasks.filter(duration__gt=0))
    for task in tasks:
        task.duration = max(1, round(task.duration * factor))
    Task.objects.bulk_update(tasks, ["duration"])
    Dependency.objects.filter(project=project).exclude(lag=0).update(lag=F("lag") * 2)
    services.schedule_recompute(project)


def _progress(project: Project, today: datetime.date, rng: random.Random) -> None:
    """Work before today is done (a few days late here and there); work spanning today is
    under way."""
    calendar = services.work_calendar(project)
    changed = []
    for task in Task.objects.filter(project=project, start_date__lte=today):
        task.actual_start = task.start_date
        if task.finish_date < today:
            slip = rng.choice([0, 0, 0, 1, 2])
            finish_index = calendar.date_to_index(task.finish_date) + slip
            task.actual_finish = min(calendar.index_to_date(finish_index), today)
            task.percent_complete, task.status = 100, Task.Status.DONE
        else:
            span = max(task.duration, 1)
            worked = calendar.date_to_index(today) - calendar.date_to_index(task.start_date)
            task.percent_complete = max(5, min(95, round(100 * worked / span) - rng.randint(0, 20)))
            task.status = Task.Status.IN_PROGRESS
        changed.append(task)
    if is_finished(project, today) and changed:
        # A finished project: its last tasks ran a few working days past the baseline.
        last = max(t.finish_date for t in changed)
        finish = min(calendar.index_to_date(calendar.date_to_index(last) + FINAL_SLIP), today)
        for task in changed:
            if task.finish_date == last:
                task.actual_finish = finish
                if task.duration == 0:
                    task.actual_start = finish
    Task.objects.bulk_update(
        changed, ["actual_start", "actual_finish", "percent_complete", "status"]
    )
    # The progress history earned value reads week by week: each report dated when it was
    # made (a finished task at the end of its last day), as if the team had kept it up.
    zone = project.zone
    for task in changed:
        reported = task.actual_finish or today
        task._history_date = datetime.datetime.combine(reported, datetime.time(17), zone)
        task._history_user = None
    Task.history.bulk_history_create(changed, update=True)


def _phases(project: Project, by, today: datetime.date) -> None:
    """One phase per top-level package, planned as baselined; past phases passed their gate."""
    for top in WorkPackage.objects.filter(project=project, parent__isnull=True).order_by(
        "sort_key"
    ):
        tasks = Task.objects.filter(
            project=project, work_package__sort_key__startswith=top.sort_key
        )
        finishes = [t.finish_date for t in tasks if t.finish_date]
        cost = sum((t.fixed_cost for t in tasks), Decimal("0"))
        phase = services.phase_create(
            project=project,
            by=by,
            name=top.name,
            planned_finish=max(finishes) if finishes else None,
            planned_cost=cost,
            time_tolerance=5,
            cost_tolerance=(cost * Decimal("0.10")).quantize(Decimal("1")),
        )
        tasks.update(phase=phase)
        if finishes and max(finishes) < today:
            services.gate_review_record(
                phase=phase,
                by=by,
                decision="go",
                date=max(finishes),
                notes="Stage products accepted; next stage plan approved.",
            )


def _sprints(project: Project, by, today: datetime.date) -> None:
    """Two-week sprints from the project start: the past ones closed with what they did,
    the current one active, the backlog ordered."""
    items = [
        services.backlog_item_create(project=project, by=by, title=title, story_points=points)
        for title, points in BACKLOG
    ]
    start = project.start_date
    queue = list(items)
    number = 1
    while start <= today and queue and number <= 8:
        finish = start + datetime.timedelta(days=11)
        sprint = services.sprint_create(
            project=project,
            by=by,
            name=f"Sprint {number}",
            goal=f"Increment {number}: {queue[0].title.split(' I ')[-1]}",
            start_date=start,
            finish_date=finish,
            capacity=13,
        )
        taken, points = [], 0
        while queue and points + (queue[0].story_points or 0) <= 13:
            item = queue.pop(0)
            points += item.story_points or 0
            taken.append(item)
        BacklogItem.objects.filter(pk__in=[i.pk for i in taken]).update(sprint=sprint)
        services.sprint_start(sprint=sprint, by=by)
        active = finish >= today
        for n, item in enumerate(taken):
            if active and n >= len(taken) // 2:
                break
            done_on = min(start + datetime.timedelta(days=2 + 3 * n), today)
            services.backlog_item_update(
                item=item, by=by, version=None, status="done", today=done_on
            )
        if active:
            break
        services.sprint_close(sprint=sprint, by=by)
        queue = list(
            BacklogItem.objects.filter(project=project, sprint__isnull=True)
            .exclude(status="done")
            .order_by("position")
        )
        start = finish + datetime.timedelta(days=3)
        number += 1
