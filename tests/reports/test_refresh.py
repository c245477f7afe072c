"""The KPI refresh after a change: queued after the commit, once per project per window."""

import datetime
from decimal import Decimal

import pytest
from celery.signals import task_prerun
from django.core.cache import cache
from django.db import transaction

from budgets import services as budget_services
from projects.events import DISPATCH, DISPATCH_MANY
from reports.models import KpiSnapshot
from reports.services.kpi import refresh_key
from reports.tasks import refresh_kpi_snapshot
from scheduling import services as schedule_services
from scheduling.models import Task
from tests.factories import project_with

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 1, 5)


@pytest.fixture
def refreshes(eager_tasks, settings):
    """The project ids of every KPI refresh that ran (Celery's own task_prerun signal), with the
    full stack's 30-second window (eager tasks ignore the countdown and run at once)."""
    settings.KPI_REFRESH_DEBOUNCE = 30
    ran: list[int] = []

    def record(sender=None, args=(), **kwargs) -> None:
        if sender is not None and sender.name == refresh_kpi_snapshot.name:
            ran.append(args[0])

    task_prerun.connect(record, weak=False)
    try:
        yield ran
    finally:
        task_prerun.disconnect(record)


def _planned(manager, key: str):
    """A project with two 5-day tasks in a row from Monday 5 Jan 2026, and no open window."""
    project = project_with(manager=manager)
    project.key, project.start_date = key, MONDAY
    project.save()
    tasks = [
        schedule_services.task_create(project=project, by=manager, name=name, duration=5)
        for name in ("Build", "Test")
    ]
    schedule_services.dependency_add(
        project=project, by=manager, predecessor=tasks[0], successor=tasks[1]
    )
    # Windows of earlier tests (ids are reused after a rollback) must not hide this one's.
    cache.delete(refresh_key(project.pk))
    return project, tasks


@pytest.fixture
def two_projects(manager, django_capture_on_commit_callbacks):
    # The set-up's own refresh requests run as its commits would run them: the test's outer
    # transaction never commits, and a request still waiting there would absorb the test's.
    with django_capture_on_commit_callbacks(execute=True):
        planned = _planned(manager, "ALPHA"), _planned(manager, "BETA")
    for project, _ in planned:
        cache.delete(refresh_key(project.pk))
    return planned


def test_task_edits_queue_one_refresh_per_project_after_commit(
    two_projects, manager, refreshes, django_capture_on_commit_callbacks
):
    """Twenty edits of one project and one of another queue one refresh each, at the commit."""
    (alpha, alpha_tasks), (beta, beta_tasks) = two_projects
    with django_capture_on_commit_callbacks(execute=True):
        for percent in range(5, 101, 5):
            schedule_services.task_update(
                task=alpha_tasks[0], by=manager, version=None, percent_complete=percent
            )
        schedule_services.task_update(
            task=beta_tasks[0], by=manager, version=None, percent_complete=10
        )
        assert refreshes == []  # nothing before the commit
    assert sorted(refreshes) == sorted([alpha.pk, beta.pk])


def test_changes_inside_the_window_queue_nothing_more(
    two_projects, manager, refreshes, django_capture_on_commit_callbacks
):
    """A change while a refresh is queued rides on it; once the window closes, one more queues."""
    (alpha, tasks), _ = two_projects
    for percent in (10, 20):
        with django_capture_on_commit_callbacks(execute=True):
            schedule_services.task_update(
                task=tasks[0], by=manager, version=None, percent_complete=percent
            )
    assert refreshes == [alpha.pk]
    cache.delete(refresh_key(alpha.pk))  # the window's end, as the cache timeout would have it
    with django_capture_on_commit_callbacks(execute=True):
        schedule_services.task_update(task=tasks[0], by=manager, version=None, percent_complete=30)
    assert refreshes == [alpha.pk, alpha.pk]


def test_without_a_window_every_committing_change_refreshes_once(
    two_projects, manager, refreshes, settings, django_capture_on_commit_callbacks
):
    """The embedded default (no window): each transaction that changed the project refreshes it
    once when it commits, however many rows it wrote, so the panel is never behind."""
    settings.KPI_REFRESH_DEBOUNCE = 0
    (alpha, tasks), _ = two_projects
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            for percent in (10, 20, 30):
                schedule_services.task_update(
                    task=tasks[0], by=manager, version=None, percent_complete=percent
                )
    assert len(_refreshes(callbacks)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        schedule_services.task_update(task=tasks[0], by=manager, version=None, percent_complete=40)
    assert refreshes == [alpha.pk, alpha.pk]
    assert KpiSnapshot.objects.get(project=alpha).percent_complete == Decimal("20.0")


def test_rolled_back_change_queues_nothing(
    two_projects, manager, refreshes, django_capture_on_commit_callbacks
):
    """A change whose transaction rolls back queues no refresh and opens no window."""
    (alpha, tasks), _ = two_projects
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            schedule_services.task_update(
                task=tasks[0], by=manager, version=None, percent_complete=50
            )
            raise RuntimeError("the request failed after the edit")
    assert callbacks == []
    assert refreshes == []
    assert cache.get(refresh_key(alpha.pk)) is None


def test_a_change_after_a_rolled_back_savepoint_asks_again(
    two_projects, manager, refreshes, django_capture_on_commit_callbacks
):
    """A refresh asked inside a savepoint that rolls back is dropped with it; a change after
    it in the same transaction asks again, once, and that one runs at the commit."""
    (alpha, tasks), _ = two_projects
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            with pytest.raises(RuntimeError), transaction.atomic():
                schedule_services.task_update(
                    task=tasks[0], by=manager, version=None, percent_complete=50
                )
                raise RuntimeError("this part of the request failed")
            for percent in (60, 70):
                schedule_services.task_update(
                    task=tasks[0], by=manager, version=None, percent_complete=percent
                )
    assert len(_refreshes(callbacks)) == 1
    assert refreshes == [alpha.pk]


def test_refreshed_snapshot_reflects_the_change_and_leaves_others_alone(
    two_projects, manager, refreshes, django_capture_on_commit_callbacks
):
    """The refresh writes today's snapshot of the changed project with the new progress; the
    other project's snapshot is not touched."""
    (alpha, alpha_tasks), (beta, _) = two_projects
    refresh_kpi_snapshot.apply(args=[alpha.pk])
    refresh_kpi_snapshot.apply(args=[beta.pk])
    before = KpiSnapshot.objects.get(project=alpha)
    untouched = KpiSnapshot.objects.get(project=beta)
    assert before.percent_complete == Decimal("0.0")
    refreshes.clear()
    with django_capture_on_commit_callbacks(execute=True):
        schedule_services.task_update(
            task=alpha_tasks[0], by=manager, version=None, percent_complete=60
        )
    assert refreshes == [alpha.pk]
    after = KpiSnapshot.objects.get(project=alpha)
    assert after.pk == before.pk and after.as_of == before.as_of
    assert after.percent_complete == Decimal("30.0")  # 5 days × 60% of 10 days
    assert KpiSnapshot.objects.get(project=beta).computed_at == untouched.computed_at


def test_bulk_schedule_recompute_queues_a_refresh(
    two_projects, refreshes, django_capture_on_commit_callbacks
):
    """The engine writes dates with one UPDATE (no post_save); its signal still queues a
    refresh, and the snapshot carries the new forecast finish."""
    (alpha, tasks), _ = two_projects
    refresh_kpi_snapshot.apply(args=[alpha.pk])
    assert KpiSnapshot.objects.get(project=alpha).forecast_finish == datetime.date(2026, 1, 16)
    refreshes.clear()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        Task.objects.filter(pk=tasks[1].pk).update(duration=10)  # no signal at all
        assert refreshes == []
        schedule_services.schedule_recompute(alpha)
    assert refreshes == [alpha.pk]
    assert KpiSnapshot.objects.get(project=alpha).forecast_finish == datetime.date(2026, 1, 23)


def test_cost_import_queues_a_refresh(
    two_projects, manager, refreshes, django_capture_on_commit_callbacks
):
    """Imported cost entries are bulk-created; the import's signal queues one refresh, which
    counts them in AC."""
    (alpha, _), _ = two_projects
    csv = "date,amount,category\n2026-01-06,100.00,hardware\n2026-01-07,250.50,software\n"
    with django_capture_on_commit_callbacks(execute=True):
        report = budget_services.cost_entries_import(project=alpha, by=manager, file=csv)
    assert len(report.created) == 2
    assert refreshes == [alpha.pk]
    assert KpiSnapshot.objects.get(project=alpha).ac == Decimal("350.50")


def _refreshes(callbacks: list) -> list:
    """The commit's callbacks but the dispatch of the edits' events (which have their own)."""
    return [
        c for c in callbacks if getattr(c, "args", ())[:1] not in ((DISPATCH,), (DISPATCH_MANY,))
    ]
