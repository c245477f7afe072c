"""KPI snapshots through the service and the Celery task, on a hand-checked project."""

import datetime
from decimal import Decimal

import pytest

from budgets import services as budget_services
from projects import services as project_services
from reports.models import HealthThresholds, KpiSnapshot
from reports.services import kpi_snapshot_refresh
from reports.tasks import refresh_all_kpi_snapshots, refresh_kpi_snapshot
from risks import services as risk_services
from scheduling import services as schedule_services

pytestmark = pytest.mark.django_db

D = datetime.date
MONDAY = D(2026, 1, 5)


@pytest.fixture
def measured(project, manager):
    """Two 5-day tasks in a row costing 1,000 each, then a go-live milestone (Mon 19 Jan),
    baselined; by Friday 9 Jan (PV 1,000) the first is 50% done (EV 500) and 800 is spent
    (AC 800): SPI 0.50, CPI 0.625."""
    project.start_date = MONDAY
    project.save()
    first = schedule_services.task_create(
        project=project, by=manager, name="Build", duration=5, fixed_cost=Decimal("1000")
    )
    second = schedule_services.task_create(
        project=project, by=manager, name="Test", duration=5, fixed_cost=Decimal("1000")
    )
    go_live = schedule_services.task_create(project=project, by=manager, name="Go-live", duration=0)
    for before, after in ((first, second), (second, go_live)):
        schedule_services.dependency_add(
            project=project, by=manager, predecessor=before, successor=after
        )
    schedule_services.baseline_create(project=project, by=manager, name="Plan", is_performance=True)
    schedule_services.task_update(task=first, by=manager, version=None, percent_complete=50)
    budget_services.cost_entry_create(
        project=project,
        by=manager,
        date=D(2026, 1, 8),
        amount=Decimal("800.00"),
        category="hardware",
    )
    return project


def test_kpi_snapshot_refresh_computes_evm_progress_and_health(measured):
    """The snapshot holds the hand-computed earned value and the ratings it implies."""
    snapshot = kpi_snapshot_refresh(project=measured, as_of=D(2026, 1, 9))
    assert (snapshot.bac, snapshot.pv, snapshot.ev, snapshot.ac) == (
        Decimal("2000.00"),
        Decimal("1000.00"),
        Decimal("500.00"),
        Decimal("800.00"),
    )
    assert (snapshot.spi, snapshot.cpi) == (Decimal("0.5000"), Decimal("0.6250"))
    assert snapshot.percent_complete == Decimal("25.0")  # 5 days × 50% of 10 days
    assert snapshot.health_schedule == "red" and snapshot.health_cost == "red"
    assert snapshot.health == "red"
    assert snapshot.health_reasons["cost"] == (
        "CPI 0.63: every €1 spent earns €0.63 of planned work."
    )
    assert snapshot.forecast_finish == snapshot.baseline_finish == D(2026, 1, 19)
    assert snapshot.finish_slip_days == 0


def test_kpi_snapshot_refresh_counts_risks_milestones_and_is_one_per_day(measured, manager):
    """An open critical risk makes risk red; refreshing the same day replaces the snapshot."""
    risk_services.risk_create(
        project=measured, by=manager, title="Vendor goes bust", probability=5, impact=5
    )
    first = kpi_snapshot_refresh(project=measured, as_of=D(2026, 1, 20))
    again = kpi_snapshot_refresh(project=measured, as_of=D(2026, 1, 20))
    assert first.pk == again.pk
    assert KpiSnapshot.objects.filter(project=measured).count() == 1
    assert again.open_risks_by_level["critical"] == 1
    assert again.health_risk == "red"
    assert again.milestones_missed == 1  # go-live on Mon 19 Jan, not done by the 20th
    assert again.overdue_tasks == 2


def test_kpi_snapshot_refresh_uses_the_projects_thresholds(measured):
    """A project that tolerates CPI down to 0.60 sees cost amber, not red."""
    HealthThresholds.objects.create(
        project=measured, cpi_green=Decimal("0.90"), cpi_amber=Decimal("0.60")
    )
    snapshot = kpi_snapshot_refresh(project=measured, as_of=D(2026, 1, 9))
    assert snapshot.health_cost == "amber"


def test_refresh_kpi_snapshot_task_writes_todays_snapshot(measured):
    """The task computes the snapshot for today in the project's time zone."""
    pk = refresh_kpi_snapshot.apply(args=[measured.pk]).get()
    assert KpiSnapshot.objects.get(pk=pk).project == measured


def test_refresh_all_kpi_snapshots_skips_closed_projects(measured, manager):
    """The nightly task queues every open project and leaves closed ones alone."""
    closed = project_services.project_create(
        by=manager,
        name="Old",
        key="OLD",
        start_date=MONDAY,
        target_finish=D(2026, 2, 27),
        stage="closed",
    )
    assert refresh_all_kpi_snapshots.apply().get() >= 1
    assert not KpiSnapshot.objects.filter(project=closed).exists()
