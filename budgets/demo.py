"""Demo money and people for the demo projects: the team as resources with rates, a contractor
and a cloud service, assignments on every task, budget lines, the cost baseline, and actual
costs and logged time from the project start up to today (3–6 months for the running projects).

The story the numbers tell: SOC2 is over budget (the MFA vendor's invoices and the team's hours
run about 30% over plan), PORTAL is behind schedule (the identity-provider integration is
blocked, so recent work is only partly done), and WAN finished about 3.5% over its cost
baseline with every purchase order invoiced. Called by ``manage.py seed_demo`` after the
scheduling demo; a project that already has resources is left alone.
"""

from __future__ import annotations

import datetime
import random
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from budgets import services
from budgets.models import BudgetBaseline, Category, Commitment, CostEntry, Resource, TimeEntry
from projects import clock
from projects.demo import DemoContext, is_finished
from projects.models import Membership, Project
from scheduling import services as schedule_services
from scheduling.models import Baseline, BaselineTask, Task

# Hourly rates of the demo people, and what they do.
PEOPLE = {
    "demo": ("Project manager", Decimal("85")),
    "priya": ("Solution architect", Decimal("95")),
    "tomasz": ("Infrastructure engineer", Decimal("80")),
    "aisha": ("Security engineer", Decimal("90")),
    "lucas": ("Full-stack developer", Decimal("75")),
}
# Where a project's fixed costs (invoices) go, by project type.
SPEND = {
    Project.Type.SOFTWARE: Category.SOFTWARE,
    Project.Type.INFRASTRUCTURE: Category.CLOUD,
    Project.Type.CYBERSECURITY: Category.CONTRACTORS,
    Project.Type.DIGITAL_TRANSFORMATION: Category.SOFTWARE,
    Project.Type.OTHER: Category.OTHER,
}
# How actual cost runs against plan: SOC2 overspends; PORTAL's team was largely lent to other
# work while the integration was blocked; WAN (finished) ended a little over budget.
COST_FACTOR = {"SOC2": Decimal("1.30"), "PORTAL": Decimal("0.65"), "WAN": Decimal("1.01")}
CENT = Decimal("0.01")


def seed(context: DemoContext) -> None:
    today = clock.today()
    for key, project in context.projects.items():
        if project.resources.exists():
            continue
        with transaction.atomic():
            rng = random.Random(f"budget-{key}")
            people = _resources(project, context)
            _assignments(project, context, people, rng)
            _budget(project, context)
            if key == "PORTAL":
                _blocked_integration(project, context, today)
            factor = COST_FACTOR.get(key, Decimal("1.00"))
            _actuals(project, context, today, factor, rng)


def _resources(project: Project, context: DemoContext) -> list[Resource]:
    by = context.manager
    members = set(
        Membership.objects.filter(project=project).values_list("user__username", flat=True)
    )
    people = [
        services.resource_create(
            project=project,
            by=by,
            name=context.users[username].get_full_name(),
            user=context.users[username],
            role=role,
            rate=rate,
        )
        for username, (role, rate) in PEOPLE.items()
        if username in members
    ]
    people.append(
        services.resource_create(
            project=project,
            by=by,
            name="Northwind Consulting (contractor)",
            role="Specialist consultant",
            rate="720",
            rate_unit=Resource.RateUnit.DAY,
        )
    )
    services.resource_create(
        project=project,
        by=by,
        name="Cloud test environment",
        kind=Resource.Kind.NON_LABOUR,
        unit_cost="1450",
        unit="month",
    )
    return people


def _assignments(project: Project, context: DemoContext, people: list[Resource], rng) -> None:
    """One or two people on every task with work; the cloud environment on build work."""
    by = context.manager
    cloud = project.resources.get(kind=Resource.Kind.NON_LABOUR)
    manager = next(p for p in people if p.user_id == context.manager.pk)
    workers = [p for p in people if p.pk != manager.pk]
    tasks = Task.objects.filter(project=project, duration__gt=0).order_by("early_start", "id")
    for n, task in enumerate(tasks):
        worker = workers[n % len(workers)]
        services.assignment_add(task=task, resource=worker, by=by, units=rng.choice([50, 100, 100]))
        if n % 3 == 0:
            services.assignment_add(task=task, resource=manager, by=by, units=20)
        if n % 4 == 1:
            months = Decimal(max(1, round(task.duration / 21)))
            services.assignment_add(task=task, resource=cloud, by=by, quantity=months)


def _budget(project: Project, context: DemoContext) -> None:
    """Budget lines from the plan with reserves; the cost baseline re-frozen with labour (in a
    real project the assignments exist before the baseline is approved)."""
    by = context.manager
    tasks = list(Task.objects.filter(project=project))
    labour = sum((t.labour_cost for t in tasks), Decimal("0"))
    fixed = sum((t.fixed_cost for t in tasks), Decimal("0"))
    cloud = sum(
        (a.planned_cost for a in project.assignments.filter(resource__kind="non_labour")),
        Decimal("0"),
    )
    lines = [
        (Category.LABOUR, "Team and contractor time", labour - cloud),
        (SPEND[project.type], "Vendors and licences per the plan", fixed),
        (Category.CLOUD, "Test environment", cloud),
        (Category.TRAINING, "Training for the team and key users", Decimal("6000")),
        (Category.TRAVEL, "Workshops on site", Decimal("3500")),
    ]
    planned = sum((amount for _, _, amount in lines), Decimal("0"))
    lines += [
        (Category.CONTINGENCY, "Known risks (10%)", (planned * Decimal("0.10")).quantize(CENT)),
        (Category.MANAGEMENT_RESERVE, "Unknowns (5%)", (planned * Decimal("0.05")).quantize(CENT)),
    ]
    for category, name, amount in lines:
        if amount > 0:
            services.budget_line_create(
                project=project, by=by, category=category, name=name, planned_amount=amount
            )
    baseline = Baseline.objects.filter(project=project, is_performance=True).first()
    if baseline is None:
        return
    frozen = []
    costs = {t.pk: t.planned_cost for t in tasks}
    for row in BaselineTask.objects.filter(baseline=baseline, task__isnull=False):
        row.cost = costs[row.task_id]
        frozen.append(row)
    BaselineTask.objects.bulk_update(frozen, ["cost"])
    Baseline.objects.filter(pk=baseline.pk).update(
        total_cost=sum((row.cost for row in frozen), Decimal("0"))
    )
    baseline.refresh_from_db()
    BudgetBaseline.objects.filter(baseline=baseline).delete()
    snapshot = services.budget_baseline_freeze(baseline=baseline)
    # Frozen at the baseline's time, so change requests approved since then count.
    BudgetBaseline.objects.filter(pk=snapshot.pk).update(frozen_at=baseline.created_at)


def _blocked_integration(project: Project, context: DemoContext, today: datetime.date) -> None:
    """PORTAL: the identity provider's test tenant was late, so the last five weeks' work is
    partly done and the tasks under way are barely started: SPI 0.79 to 0.87, whichever day of
    the week the demo is loaded (the demo's dates move by whole weeks, so only the weekday of
    "today" moves the figures)."""
    by = context.manager
    recent = today - datetime.timedelta(days=35)
    for task in Task.objects.filter(project=project, actual_start__isnull=False):
        if task.actual_finish and task.actual_finish >= recent:
            schedule_services.task_update(
                task=task, by=by, version=None, actual_finish=None, percent_complete=60
            )
        elif task.actual_finish is None and task.percent_complete:
            schedule_services.task_update(
                task=task, by=by, version=None, percent_complete=max(5, task.percent_complete // 2)
            )


def _actuals(
    project: Project, context: DemoContext, today: datetime.date, factor: Decimal, rng
) -> None:
    """Time logged on every working day of started work, invoices for the fixed costs of
    started tasks, open purchase orders for the next ones."""
    by = context.manager
    calendar = schedule_services.work_calendar(project)
    entries: list[TimeEntry] = []
    for assignment in project.assignments.select_related("resource", "task").filter(
        resource__kind=Resource.Kind.PERSON, task__actual_start__isnull=False
    ):
        task, resource = assignment.task, assignment.resource
        last = min(task.actual_finish or today, today)
        first_index = calendar.date_to_index(task.actual_start)
        last_index = calendar.last_index_on_or_before(last)
        for index in range(first_index, last_index + 1):
            day = calendar.index_to_date(index)
            planned = resource.capacity_hours * assignment.units / 100
            hours = (planned * factor * Decimal(rng.uniform(0.9, 1.1))).quantize(
                Decimal("0.5"), ROUND_HALF_UP
            )
            hours = min(max(hours, Decimal("0.5")), Decimal("12"))
            entries.append(
                TimeEntry(
                    project=project,
                    resource=resource,
                    task=task,
                    date=day,
                    hours=hours,
                    cost=resource.cost_of_hours(hours),
                    note="Logged from the weekly timesheet.",
                    created_by=resource.user or by,
                )
            )
    bulk_create_with_history(entries, TimeEntry, batch_size=500, default_user=by)

    invoices: list[CostEntry] = []
    category = SPEND[project.type]
    started = Task.objects.filter(project=project, actual_start__isnull=False, fixed_cost__gt=0)
    for n, task in enumerate(started.order_by("actual_start", "id")):
        day = min(task.actual_start + datetime.timedelta(days=rng.randint(3, 12)), today)
        invoices.append(
            CostEntry(
                project=project,
                date=day,
                amount=(task.fixed_cost * factor).quantize(CENT),
                category=category,
                task=task,
                vendor=rng.choice(["Contoso Ltd", "Fabrikam GmbH", "Northwind Consulting"]),
                invoice_reference=f"INV-{project.key}-{n + 1:04d}",
                note=f"Invoice for “{task.name}”.",
                created_by=by,
            )
        )
    # The test environment is billed until the work ends (a finished project stopped paying).
    months = (min(today, project.target_finish) - project.start_date).days // 30
    for month in range(months):
        invoices.append(
            CostEntry(
                project=project,
                date=project.start_date + datetime.timedelta(days=30 * (month + 1)),
                amount=(Decimal("1450") * factor).quantize(CENT),
                category=Category.CLOUD,
                vendor="Cloud provider",
                invoice_reference=f"CLD-{project.key}-{month + 1:02d}",
                note="Monthly bill of the test environment.",
                created_by=by,
            )
        )
    if invoices:
        bulk_create_with_history(invoices, CostEntry, batch_size=500, default_user=by)
        services.cost_entry_create(
            project=project,
            by=by,
            date=invoices[0].date,
            amount="120.00",
            category=invoices[0].category,
            kind=CostEntry.Kind.CREDIT,
            vendor=invoices[0].vendor,
            invoice_reference=f"CN-{project.key}-0001",
            note="Credit note: duplicate line on the first invoice.",
        )
    if is_finished(project, today):
        _closed_orders(project, context, category, factor)
        return
    upcoming = Task.objects.filter(
        project=project, actual_start__isnull=True, fixed_cost__gt=0
    ).order_by("early_start", "id")[:3]
    for n, task in enumerate(upcoming):
        services.commitment_create(
            project=project,
            by=by,
            date=min(today, max(project.start_date, today - datetime.timedelta(days=7 * n))),
            amount=task.fixed_cost,
            category=category,
            vendor="Contoso Ltd",
            reference=f"PO-{project.key}-{n + 1:03d}",
            note=f"Ordered for “{task.name}”.",
        )


def _closed_orders(project: Project, context: DemoContext, category: str, factor: Decimal) -> None:
    """A finished project's purchase orders for its largest fixed costs, placed two weeks
    before the work started and all invoiced since: none is left open at closure."""
    by = context.manager
    largest = Task.objects.filter(project=project, fixed_cost__gt=0).order_by("-fixed_cost", "id")[
        :4
    ]
    for n, task in enumerate(largest):
        order = services.commitment_create(
            project=project,
            by=by,
            date=max(project.start_date, task.actual_start - datetime.timedelta(days=14)),
            amount=(task.fixed_cost * factor).quantize(CENT),
            category=category,
            vendor="Contoso Ltd",
            reference=f"PO-{project.key}-{n + 1:03d}",
            note=f"Ordered for “{task.name}”.",
        )
        services.commitment_close(commitment=order, by=by, to=Commitment.Status.INVOICED)
