"""The forecast kept current: re-run after a schedule change that moves the finish (debounced:
one refresh per project per window, and the worker runs only what is due) and at night for
forecasts over a day old."""

import datetime

import pytest
from celery.signals import task_prerun
from django.core.cache import cache

from projects import clock
from projects.events import record_event
from projects.models import Event
from projects.services.project import project_update
from risks import services
from risks.models import ForecastRun
from risks.receivers import forecast_consume
from risks.services.refresh import AUTO_ITERATIONS, MAX_AGE, Reason, refresh_key
from risks.tasks import refresh_forecast, refresh_stale_forecasts
from scheduling import services as schedule_services
from tests.factories import project_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def refreshes(eager_tasks):
    """The project ids of every forecast refresh that ran (Celery's task_prerun signal); eager
    tasks ignore the countdown and run at once, as the embedded default does."""
    ran: list[int] = []

    def record(sender=None, args=(), **kwargs) -> None:
        if sender is not None and sender.name == refresh_forecast.name:
            ran.append(args[0])

    task_prerun.connect(record, weak=False)
    try:
        yield ran
    finally:
        task_prerun.disconnect(record)


@pytest.fixture
def forecast(project, manager, network):
    """The network with a done forecast, and no refresh window open."""
    run = services.forecast_run_now(project=project, by=manager, iterations=200, seed=1)
    assert run.status == "done" and run.plan_finish == datetime.date(2026, 1, 29)
    cache.delete(refresh_key(project.pk))
    return run


def _auto_runs(project):
    return ForecastRun.objects.filter(project=project, requested_by__isnull=True)


def test_two_edits_that_move_the_finish_queue_one_forecast_run(
    project, manager, network, forecast, refreshes, django_capture_on_commit_callbacks
):
    """Two edits that each move the finish, each committed: one refresh is queued (the second
    rides in the first's window) and it runs one forecast, cheap and repeatable (5,000
    iterations, the project's id as seed, the latest run's settings)."""
    for days in (12, 14):
        with django_capture_on_commit_callbacks(execute=True):
            schedule_services.task_update(
                task=network["Test"], by=manager, version=None, duration=days
            )
    assert refreshes == [project.pk]
    (run,) = _auto_runs(project)
    assert (run.status, run.iterations, run.seed) == ("done", AUTO_ITERATIONS, project.pk)
    assert run.distribution == forecast.distribution
    assert run.plan_finish > forecast.plan_finish
    assert run.p_target_finish is not None


def test_edit_moving_no_date_queues_nothing(
    project, manager, network, forecast, refreshes, django_capture_on_commit_callbacks
):
    """Progress that moves no task's dates does not even queue a refresh."""
    with django_capture_on_commit_callbacks(execute=True):
        schedule_services.task_update(
            task=network["Design"], by=manager, version=None, percent_complete=40
        )
    assert refreshes == []
    assert not _auto_runs(project).exists()


def test_refresh_runs_only_when_the_finish_or_target_moved(project, manager, network, forecast):
    """The worker re-runs the forecast when the plan's finish or the target differs from what
    the latest run measured; otherwise (a task moved, not the finish) it runs nothing."""
    assert services.forecast_refresh(project_id=project.pk, now=clock.now()) is None
    project.target_finish = datetime.date(2026, 2, 27)
    project.save()
    run = services.forecast_refresh(project_id=project.pk, now=clock.now())
    assert run is not None and run.status == "queued" and run.requested_by is None


def test_refresh_skips_while_a_run_is_pending(project, manager, network, forecast):
    """A queued run reads the plan when it starts: no second run is queued beside it."""
    ForecastRun.objects.create(project=project, requested_by=manager, iterations=200, seed=2)
    project.target_finish = datetime.date(2026, 2, 27)
    project.save()
    assert services.forecast_refresh(project_id=project.pk, now=clock.now()) is None
    assert ForecastRun.objects.filter(project=project).count() == 2


def test_refresh_after_a_change_leaves_a_project_without_forecast_alone(project, network):
    """After a change, only a forecast that exists is re-run; the night runs the first one."""
    assert services.forecast_refresh(project_id=project.pk, now=clock.now()) is None
    run = services.forecast_refresh(project_id=project.pk, reason=Reason.NIGHTLY, now=clock.now())
    assert run is not None and run.iterations == AUTO_ITERATIONS


def test_refresh_of_a_closed_project_or_a_broken_plan_runs_nothing(
    project, manager, network, forecast
):
    """A closed project is never forecast again; neither is a plan the simulation refuses."""
    network["Build"].__class__.objects.filter(pk=network["Build"].pk).update(
        optimistic_duration=30, most_likely_duration=None, pessimistic_duration=4
    )
    assert (
        services.forecast_refresh(project_id=project.pk, reason="nightly", now=clock.now()) is None
    )
    project.stage = "closed"
    project.save()
    assert (
        services.forecast_refresh(project_id=project.pk, reason="nightly", now=clock.now()) is None
    )


def test_nightly_refreshes_forecasts_over_a_day_old_and_missing_ones(
    project, manager, network, forecast, eager_tasks, django_capture_on_commit_callbacks
):
    """The night queues a refresh for a forecast older than MAX_AGE and for a project with
    tasks but no forecast; a fresh one and a project without tasks are left alone."""
    fresh = project_with(manager=manager)
    schedule_services.task_create(project=fresh, by=manager, name="Only", duration=3)
    services.forecast_run_now(project=fresh, by=manager, iterations=100, seed=1)
    unforecast = project_with(manager=manager)
    schedule_services.task_create(project=unforecast, by=manager, name="Only", duration=3)
    empty = project_with(manager=manager)
    ForecastRun.objects.filter(pk=forecast.pk).update(finished_at=clock.now() - MAX_AGE * 2)
    ForecastRun.objects.filter(project=fresh).update(finished_at=clock.now() - MAX_AGE / 2)

    due = services.projects_due_a_forecast(now=clock.now())
    assert set(due) & {project.pk, fresh.pk, unforecast.pk, empty.pk} == {
        project.pk,
        unforecast.pk,
    }
    with django_capture_on_commit_callbacks(execute=True):
        refresh_stale_forecasts.apply()
    for queued in (project, unforecast):
        latest = ForecastRun.objects.filter(project=queued).latest()
        assert (latest.requested_by, latest.status) == (None, "done")
    assert ForecastRun.objects.filter(project=fresh).count() == 1
    assert not ForecastRun.objects.filter(project=empty).exists()


def test_nightly_runs_each_active_project_once_and_skips_closed_ones(
    project, manager, network, forecast, refreshes, django_capture_on_commit_callbacks
):
    """The night queues one refresh per active project with a stale forecast; a closed one,
    however stale, is never queued; a second night in a row finds nothing due (each project's
    new run is fresh), so no project is forecast twice."""
    closed = project_with(manager=manager)
    schedule_services.task_create(project=closed, by=manager, name="Only", duration=3)
    services.forecast_run_now(project=closed, by=manager, iterations=100, seed=1)
    closed.stage = "closed"
    closed.save()
    ForecastRun.objects.update(finished_at=clock.now() - MAX_AGE * 2)

    for _night in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            refresh_stale_forecasts.apply()
    assert refreshes == [project.pk]
    assert _auto_runs(project).count() == 1
    assert not _auto_runs(closed).exists()


def test_edit_moving_a_task_but_not_the_finish_queues_nothing(
    project, manager, network, forecast, refreshes, django_capture_on_commit_callbacks
):
    """A task with float that grows moves its own dates, not the plan's finish: the engine
    records no ``schedule.recomputed``, so no refresh is even queued."""
    with django_capture_on_commit_callbacks(execute=True):
        docs = schedule_services.task_create(project=project, by=manager, name="Docs", duration=2)
    with django_capture_on_commit_callbacks(execute=True):
        schedule_services.task_update(task=docs, by=manager, version=None, duration=4)
    docs.refresh_from_db()
    assert docs.finish_date == datetime.date(2026, 1, 8)  # it moved; the finish did not
    assert refreshes == []
    assert not _auto_runs(project).exists()


def test_the_forecast_consumer_hears_only_a_moved_finish_and_once_per_window(
    project, manager, network, forecast, refreshes, django_capture_on_commit_callbacks
):
    """The event source's ``forecast`` consumer queues a refresh for ``schedule.recomputed``
    only; the same event handed on twice (a consumer must be idempotent) and a second project's
    event queue one refresh per project."""
    other = project_with(manager=manager)
    events = [
        record_event("schedule.recomputed", project=project, data={"to": "2026-02-02"}),
        record_event("schedule.recomputed", project=project, data={"to": "2026-02-03"}),
        record_event("comment.created", project=other),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert forecast_consume(events) == [project.pk]
        assert forecast_consume(events[:1]) == [project.pk]
    assert refreshes == [project.pk]


def test_a_new_target_finish_queues_a_refresh(
    project, manager, network, forecast, refreshes, django_capture_on_commit_callbacks
):
    """The chance of the target measures the target it was run against: moving the project's
    target finish queues a refresh (through the event source); an edit that leaves the target
    alone queues none."""
    with django_capture_on_commit_callbacks(execute=True):
        project_update(project=project, by=manager, version=None, name="Renamed")
    assert refreshes == []
    new_target = project.target_finish + datetime.timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        project_update(project=project, by=manager, version=None, target_finish=new_target)
    assert refreshes == [project.pk]
    event = Event.objects.get(type="project.target_changed")
    assert event.data["to"] == new_target.isoformat()
    assert forecast_consume([event]) == [project.pk]
