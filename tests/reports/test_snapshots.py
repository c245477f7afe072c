"""KPI snapshots through the service and the Celery task, on a hand-checked project."""

import datetime
from decimal import Decimal

import pytest

from budgets import services as budget_services
from projects import services as project_services
from reports.models import HealthThresholds, KpiSnapshot
from reports.services import kpi_snapshot_refresh
from reports.services.kpi import kpi_snapshot_backfill
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


# --- history rebuilt from the records ------------------------------------------------------------


def _recorded_on(model, when: datetime.datetime, **filters) -> None:
    """Date the matching history rows as if the change had been made at ``when``."""
    assert model.history.filter(**filters).update(history_date=when)


def test_kpi_snapshot_backfill_rebuilds_past_weeks_from_the_records(measured, manager):
    """Each past Sunday counts the progress, costs and risks recorded by its end, nothing later:
    before the plan nothing; on 11 Jan Build's 50% (reported 8 Jan) against PV 1,000 and the
    800 spent on 8 Jan; on 18 Jan the same progress against PV 2,000, Build and Test overdue."""
    from risks.models import Risk
    from scheduling.models import Task

    build = Task.objects.get(project=measured, name="Build")
    reported = datetime.datetime(2026, 1, 8, 12, tzinfo=datetime.UTC)
    _recorded_on(Task, reported, id=build.pk, percent_complete=50)
    risk = risk_services.risk_create(
        project=measured, by=manager, title="Vendor goes bust", probability=5, impact=5
    )
    _recorded_on(Risk, datetime.datetime(2026, 1, 10, 12, tzinfo=datetime.UTC), id=risk.pk)

    before, first, second = kpi_snapshot_backfill(
        project=measured, days=[D(2026, 1, 4), D(2026, 1, 11), D(2026, 1, 18)], today=D(2026, 1, 20)
    )
    assert (before.pv, before.ev, before.ac, before.spi) == (Decimal("0.00"),) * 3 + (None,)
    assert before.percent_complete == Decimal("0.0")
    assert before.open_risks_by_level["critical"] == 0 and before.health_risk == "green"

    assert (first.pv, first.ev, first.ac) == (
        Decimal("1000.00"),
        Decimal("500.00"),
        Decimal("800.00"),
    )
    assert (first.spi, first.cpi) == (Decimal("0.5000"), Decimal("0.6250"))
    assert first.eac == Decimal("3200.00") and first.vac == Decimal("-1200.00")
    assert first.percent_complete == Decimal("25.0")
    assert (first.overdue_tasks, first.milestones_due_14d, first.milestones_missed) == (1, 1, 0)
    assert first.forecast_finish == D(2026, 1, 19) and first.finish_slip_days == 0
    assert first.open_risks_by_level["critical"] == 1 and first.risk_exposure == risk.emv

    assert (second.pv, second.ev, second.spi) == (
        Decimal("2000.00"),
        Decimal("500.00"),
        Decimal("0.2500"),
    )
    assert second.overdue_tasks == 2
    assert KpiSnapshot.objects.filter(project=measured).count() == 3


def test_kpi_snapshot_backfill_reruns_the_schedule_on_the_actuals_of_the_day(measured, manager):
    """Build finished two days late (reported Tue 13 Jan): the 18 Jan snapshot forecasts go-live
    two working days later than the 11 Jan one, when the delay was not known yet."""
    from scheduling.models import Task

    build = Task.objects.get(project=measured, name="Build")
    schedule_services.task_update(
        task=build, by=manager, version=None, actual_start=MONDAY, actual_finish=D(2026, 1, 13)
    )
    _recorded_on(
        Task,
        datetime.datetime(2026, 1, 13, 18, tzinfo=datetime.UTC),
        id=build.pk,
        actual_finish=D(2026, 1, 13),
    )
    first, second = kpi_snapshot_backfill(
        project=measured, days=[D(2026, 1, 11), D(2026, 1, 18)], today=D(2026, 1, 25)
    )
    assert first.forecast_finish == D(2026, 1, 19) and first.finish_slip_days == 0
    assert second.forecast_finish == D(2026, 1, 21) and second.finish_slip_days == 2
    # The fixture's 50% was reported today, long after: on 11 Jan nothing was reported yet.
    assert first.percent_complete == Decimal("0.0")
    assert second.percent_complete == Decimal("50.0")


def test_kpi_snapshot_backfill_refuses_days_it_cannot_rebuild(measured):
    """Only Sundays before today: today's snapshot is computed live."""
    with pytest.raises(ValueError):
        kpi_snapshot_backfill(project=measured, days=[D(2026, 1, 12)], today=D(2026, 1, 20))
    with pytest.raises(ValueError):
        kpi_snapshot_backfill(project=measured, days=[D(2026, 1, 18)], today=D(2026, 1, 18))
