"""Budget reads through the database: earned value against the performance baseline, the
S-curve, the budget summary, and query counts that do not grow with tasks or projects."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from budgets import selectors, services
from projects import clock
from projects import services as project_services
from projects.models import Project
from scheduling import services as schedule_services
from scheduling.models import Task
from tests.factories import project_with

pytestmark = pytest.mark.django_db

D = datetime.date
M = Decimal


@pytest.fixture
def worked(project, manager):
    """The worked example of test_evm.py through the database: A (5 d, 1000) → B (10 d, 2000)
    → milestone M (300), baselined, then A done, B 40%, costs on 5, 12, 14 and 15 Jan."""
    a = schedule_services.task_create(
        project=project, by=manager, name="A", duration=5, fixed_cost=M("1000")
    )
    b = schedule_services.task_create(
        project=project, by=manager, name="B", duration=10, fixed_cost=M("2000")
    )
    m = schedule_services.task_create(
        project=project, by=manager, name="M", duration=0, fixed_cost=M("300")
    )
    schedule_services.dependency_add(project=project, by=manager, predecessor=a, successor=b)
    schedule_services.dependency_add(project=project, by=manager, predecessor=b, successor=m)
    schedule_services.baseline_create(
        project=project, by=manager, name="Approved plan", is_performance=True
    )
    schedule_services.task_update(task=a, by=manager, version=None, percent_complete=100)
    schedule_services.task_update(task=b, by=manager, version=None, percent_complete=40)
    for day, amount in ((5, "700"), (12, "900"), (15, "999")):
        services.cost_entry_create(
            project=project, by=manager, date=D(2026, 1, day), amount=amount, category="hardware"
        )
    dev = services.resource_create(project=project, by=manager, name="Dev", rate="31.25")
    services.time_entry_log(resource=dev, task=b, by=manager, date=D(2026, 1, 14), hours=8)
    return {"A": a, "B": b, "M": m}


def test_evm_for_matches_the_worked_example_against_the_baseline(project, manager, worked):
    """The DB path gives the hand-computed numbers; later plan changes do not move PV."""
    schedule_services.task_update(task=worked["B"], by=manager, version=None, duration=20)
    result = selectors.evm_for(project, D(2026, 1, 14))
    assert (result.bac, result.pv, result.ev, result.ac) == (
        M("3300.00"),
        M("1600.00"),
        M("1800.00"),
        M("1850.00"),
    )
    assert (result.sv, result.cv, result.spi, result.cpi) == (
        M("200.00"),
        M("-50.00"),
        M("1.1250"),
        M("0.9730"),
    )
    assert (result.eac, result.etc, result.vac, result.tcpi) == (
        M("3391.67"),
        M("1541.67"),
        M("-91.67"),
        M("1.0345"),
    )
    assert (result.eac_budget_rate, result.eac_cpi_spi) == (M("3350.00"), M("3220.37"))


def test_evm_for_without_a_baseline_measures_the_current_plan(project, manager):
    """No baseline: the current plan's tasks and planned costs (fixed + labour) are measured."""
    task = schedule_services.task_create(
        project=project, by=manager, name="A", duration=4, fixed_cost=M("100")
    )
    dev = services.resource_create(project=project, by=manager, name="Dev", rate="10")
    services.assignment_add(task=task, resource=dev, by=manager)  # 4 × 8 × 10 = 320
    result = selectors.evm_for(project, D(2026, 1, 6))  # 2 of 4 days
    assert (result.bac, result.pv) == (M("420.00"), M("210.00"))


def test_evm_for_spreads_the_approved_budget_when_tasks_carry_no_cost(project, manager):
    """Tasks without cost: BAC is the budget lines, spread over the tasks by working days."""
    schedule_services.task_create(project=project, by=manager, name="A", duration=2)
    schedule_services.task_create(project=project, by=manager, name="B", duration=2)
    services.budget_line_create(
        project=project, by=manager, category="labour", planned_amount="1000"
    )
    result = selectors.evm_for(project, D(2026, 1, 5))  # day 1 of 2 for both
    assert (result.bac, result.pv) == (M("1000.00"), M("500.00"))


def test_evm_by_work_package_rolls_up(project, manager, worked):
    """A work package holding B measures B and the costs booked on B."""
    package = project_services.work_package_add(project=project, by=manager, name="Build")
    schedule_services.task_update(task=worked["B"], by=manager, version=None, work_package=package)
    result = selectors.evm_by_work_package(project, D(2026, 1, 14))
    assert (result[package.pk].bac, result[package.pk].ev, result[package.pk].ac) == (
        M("2000.00"),
        M("800.00"),
        M("250.00"),
    )


def test_evm_series_runs_pv_to_the_finish_and_ev_ac_to_the_status_date(project, worked):
    """Weekly points: PV to the plan's end; the status-date point equals evm_for."""
    points = selectors.evm_series(project, D(2026, 1, 14))
    by_day = {p.date: p for p in points}
    assert by_day[D(2026, 1, 14)].ev == M("1800.00")
    assert by_day[D(2026, 1, 14)].ac == M("1850.00")
    assert by_day[D(2026, 1, 11)].ac == M("700.00")
    assert by_day[D(2026, 1, 25)].pv == M("3000.00")
    assert by_day[D(2026, 1, 25)].ev is None
    assert points[-1].pv == M("3300.00")


def test_budget_summary_per_category(project, manager):
    """Planned, open commitments, actual (credits off, time as labour), variance, available."""
    services.budget_line_create(
        project=project, by=manager, category="hardware", planned_amount="5000"
    )
    services.budget_line_create(
        project=project, by=manager, category="labour", planned_amount="900"
    )
    services.cost_entry_create(
        project=project, by=manager, date=D(2026, 1, 5), amount="3000", category="hardware"
    )
    services.cost_entry_create(
        project=project,
        by=manager,
        date=D(2026, 1, 6),
        amount="200",
        category="hardware",
        kind="credit",
    )
    services.commitment_create(
        project=project, by=manager, date=D(2026, 1, 5), amount="2500", category="hardware"
    )
    task = schedule_services.task_create(project=project, by=manager, name="A")
    dev = services.resource_create(project=project, by=manager, name="Dev", rate="100")
    services.time_entry_log(resource=dev, task=task, by=manager, date=D(2026, 1, 5), hours=10)
    summary = selectors.budget_summary(project)
    rows = {r["category"]: r for r in summary["rows"]}
    assert (rows["hardware"]["actual"], rows["hardware"]["variance"]) == (M("2800"), M("2200"))
    assert rows["hardware"]["available"] == M("-300")
    assert (rows["labour"]["actual"], rows["labour"]["variance"]) == (M("1000"), M("-100"))
    assert summary["totals"]["planned"] == M("5900")
    assert summary["approved"]["total"] == M("5900")


def _tasks(project: Project, count: int) -> None:
    Task.objects.bulk_create(
        Task(project=project, name=f"T{i}", duration=3, fixed_cost=M("10")) for i in range(count)
    )
    schedule_services.schedule_recompute(project)


def test_evm_for_query_count_does_not_grow_with_tasks(
    project, manager, django_assert_max_num_queries
):
    """Ten tasks or two hundred, with a baseline: the same handful of queries."""
    _tasks(project, 10)
    schedule_services.baseline_create(project=project, by=manager, name="P", is_performance=True)
    with django_assert_max_num_queries(9) as small:
        selectors.evm_for(project, D(2026, 2, 2))
    _tasks(project, 190)
    with django_assert_max_num_queries(len(small.captured_queries)):
        result = selectors.evm_for(project, D(2026, 2, 2))
    assert result.bac == M("100.00")  # the baseline holds the first ten tasks


def test_evm_for_projects_query_count_does_not_grow_with_projects(
    manager, django_assert_max_num_queries
):
    """A portfolio of one project or of six: the same number of queries."""
    projects = [project_with(manager=manager) for _ in range(6)]
    for i, project in enumerate(projects):
        _tasks(project, 5)
        if i % 2:
            schedule_services.baseline_create(
                project=project, by=manager, name="P", is_performance=True
            )
        services.cost_entry_create(
            project=project, by=manager, date=D(2026, 1, 5), amount="7", category="travel"
        )
    with django_assert_max_num_queries(13) as one:
        selectors.evm_for_projects([projects[0].pk, projects[1].pk], D(2026, 2, 2))
    with django_assert_max_num_queries(len(one.captured_queries)):
        result = selectors.evm_for_projects([p.pk for p in projects], D(2026, 2, 2))
    assert {r.ac for r in result.values()} == {M("7.00")}
    assert {r.bac for r in result.values()} == {M("50.00")}


def test_conflicts_and_utilisation_query_counts_do_not_grow(
    project, manager, django_assert_max_num_queries
):
    """Five queries for the conflicts list and the heat map, whatever the bookings."""
    _tasks(project, 20)
    people = [services.resource_create(project=project, by=manager, name=f"P{i}") for i in range(3)]
    for task in Task.objects.filter(project=project):
        for person in people:
            services.assignment_add(task=task, resource=person, by=manager, units=50)
    with django_assert_max_num_queries(5):
        conflicts = selectors.conflicts_of(project)
    with django_assert_max_num_queries(5):
        selectors.utilisation_grid(project, start=D(2026, 1, 5), weeks=4)
    assert conflicts and all(len(c["tasks"]) == 20 for c in conflicts)


@pytest.mark.date_sensitive
def test_seed_demo_budgets_show_one_project_over_budget_and_one_behind_schedule():
    """The demo has real variances: a project with CPI < 0.9 and one with SPI < 0.9."""
    call_command("seed_demo", verbosity=0)
    keys = dict(Project.objects.values_list("key", "pk"))
    result = selectors.evm_for_projects(keys.values(), clock.today())
    by_key = {key: result[pk] for key, pk in keys.items()}
    assert by_key["SOC2"].cpi is not None and by_key["SOC2"].cpi < M("0.9")
    assert by_key["PORTAL"].spi is not None and by_key["PORTAL"].spi < M("0.9")
