"""With the task queue's broker down, "Send now", "Run forecast" and changes that refresh KPIs
still answer: the write is committed, the work waits visibly, and once the broker is back the
sweeper queues it again and a real worker does it once."""

import datetime
import time

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from projects.models import UnsentTask
from reports.models import CLAIM_TIMEOUT, StatusReportDelivery
from reports.services.delivery import status_report_send
from reports.services.status import status_report_build
from reports.tasks.queue import requeue_waiting_work
from risks.models import ForecastRun
from scheduling import services as schedule_services
from stakeholders import services as stakeholder_services
from tests.factories import project_with
from tests.reports.status_example import FRIDAY_1, worked_project
from tests.workers import broker_unreachable, tasks_routed_to

WAITING = "will be sent when the worker is reachable"
Status = StatusReportDelivery.Status


def _audience(project, manager) -> None:
    people = [
        stakeholder_services.stakeholder_create(project=project, by=manager, name=name, email=email)
        for name, email in (("Sam Sponsor", "sam@example.com"), ("Fay Finance", "fay@example.com"))
    ]
    stakeholder_services.communication_item_create(
        project=project,
        by=manager,
        title="Weekly status report",
        kind="weekly_status_report",
        audience=people,
    )


@pytest.fixture
def report(project, manager):
    """A worked project's draft report, with Sam and Fay on the plan."""
    worked_project(project, manager)
    _audience(project, manager)
    return status_report_build(project=project, by=manager, now=FRIDAY_1)


def _wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the worker did not finish in time"
        time.sleep(0.2)


def _kept(task_name: str) -> list[list]:
    return sorted(UnsentTask.objects.filter(name=task_name).values_list("args", flat=True))


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_send_now_with_the_broker_down_waits_then_a_worker_sends_once(
    client_for, manager, project, report, smtp_server, request
):
    """ "Send now" with the broker down marks the report sent and leaves its deliveries pending,
    shown as waiting; with the broker back the sweeper queues them and a worker sends each once."""
    client = client_for(manager)
    page = reverse("reports:status_report", args=[project.pk, report.pk])
    with broker_unreachable():
        response = client.post(reverse("reports:status_report_send", args=[project.pk, report.pk]))

        assert response.status_code == 302
        deliveries = list(StatusReportDelivery.objects.filter(report=report).order_by("email"))
        assert [(d.email, d.status) for d in deliveries] == [
            ("fay@example.com", Status.PENDING),
            ("sam@example.com", Status.PENDING),
        ]
        assert _kept("reports.tasks.status.deliver_status_report") == sorted(
            [d.pk] for d in deliveries
        )
        html = client.get(page).content.decode()
        assert html.count(WAITING) == 2
        assert "queued again every minute" in html
        assert "tried again 10 minutes after that attempt began" in html
        assert smtp_server.messages == []

    worker_queue = request.getfixturevalue("worker_queue")
    with tasks_routed_to(worker_queue, "reports.tasks.status.*"):
        requeue_waiting_work.apply().get()
        _wait_for(
            lambda: (
                set(
                    StatusReportDelivery.objects.filter(report=report).values_list(
                        "status", flat=True
                    )
                )
                == {Status.SENT}
            )
        )
        assert _kept("reports.tasks.status.deliver_status_report") == []
        # A second sweep finds nothing left to queue.
        assert requeue_waiting_work.apply().get() == {
            "resent": 0,
            "deliveries": 0,
            "mails": 0,
            "events": 0,
        }
    assert sorted(r for recipients, _ in smtp_server.messages for r in recipients) == [
        "fay@example.com",
        "sam@example.com",
    ]
    assert WAITING not in client.get(page).content.decode()


@pytest.mark.django_db
def test_send_through_the_api_with_the_broker_down_answers_with_pending_deliveries(
    api_for, manager, project, report, django_capture_on_commit_callbacks
):
    """The API's send answers 200 with the deliveries pending, though nothing reached the
    broker; each delivery is kept for the sweeper."""
    url = f"/api/v1/projects/{project.pk}/status-reports/{report.pk}/send/"
    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        response = api_for(manager).post(url)

    assert response.status_code == 200, response.content
    assert [(d["email"], d["status"]) for d in response.json()] == [
        ("fay@example.com", "pending"),
        ("sam@example.com", "pending"),
    ]
    assert _kept("reports.tasks.status.deliver_status_report") == sorted(
        [d["id"]] for d in response.json()
    )


def _plan(project, manager) -> None:
    """Two tasks in a row with three-point estimates, enough for a forecast."""
    build = schedule_services.task_create(
        project=project,
        by=manager,
        name="Build",
        duration=5,
        optimistic_duration=4,
        most_likely_duration=5,
        pessimistic_duration=9,
    )
    test = schedule_services.task_create(project=project, by=manager, name="Test", duration=3)
    schedule_services.dependency_add(project=project, by=manager, predecessor=build, successor=test)


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_run_forecast_with_the_broker_down_stays_queued_then_a_worker_runs_it(
    client_for, member, manager, project, request
):
    """ "Run forecast" with the broker down answers with the run queued and shown as waiting for
    a worker; with the broker back the sweeper queues it and a worker computes it."""
    _plan(project, manager)
    client = client_for(member)
    url = reverse("risks:forecast", args=[project.pk])
    with broker_unreachable():
        response = client.post(url, {"iterations": "200", "seed": "5", "distribution": "pert"})

        assert response.status_code == 302
        run = ForecastRun.objects.get(project=project)
        assert run.status == ForecastRun.Status.QUEUED
        assert _kept("risks.tasks.run_forecast") == [[run.pk]]
        assert "Queued: waiting for a worker" in client.get(url).content.decode()

    worker_queue = request.getfixturevalue("worker_queue")
    with tasks_routed_to(worker_queue, "risks.tasks.*"):
        requeue_waiting_work.apply().get()
        _wait_for(lambda: ForecastRun.objects.get(pk=run.pk).status == ForecastRun.Status.DONE)
    assert _kept("risks.tasks.run_forecast") == []
    assert "Queued: waiting for a worker" not in client.get(url).content.decode()


@pytest.mark.django_db
def test_kpi_refreshes_asked_while_the_broker_is_down_are_kept_once(
    manager, settings, django_capture_on_commit_callbacks
):
    """Three committed changes while the broker is down keep one KPI refresh of the project
    for the sweeper (the same call is one row), and the changes themselves succeed."""
    settings.KPI_REFRESH_DEBOUNCE = 0
    # The set-up's own refresh runs as its commit would: a request still waiting in the test's
    # outer transaction (which never commits) would absorb the ones below.
    with django_capture_on_commit_callbacks(execute=True):
        project = project_with(manager=manager)
        task = schedule_services.task_create(project=project, by=manager, name="Build", duration=5)
    with broker_unreachable():
        for percent in (10, 20, 30):
            with django_capture_on_commit_callbacks(execute=True):
                schedule_services.task_update(
                    task=task, by=manager, version=None, percent_complete=percent
                )

    (kept,) = UnsentTask.objects.filter(name="reports.tasks.kpi.refresh_kpi_snapshot")
    assert (kept.args, kept.failures) == ([project.pk], 3)
    assert "Connection refused" in kept.last_error or "connecting" in kept.last_error


@pytest.mark.django_db
def test_the_sweeper_requeues_a_dead_workers_delivery_once_its_claim_is_stale(
    project, manager, report, smtp_server, eager_tasks, django_capture_on_commit_callbacks
):
    """A delivery left ``sending`` by a worker that died is sent by the minute sweeper once
    its claim is CLAIM_TIMEOUT old (minutes, not the next hourly run), and only once."""
    with django_capture_on_commit_callbacks(execute=False):
        status_report_send(report=report, by=manager)
    sam = StatusReportDelivery.objects.get(email="sam@example.com")
    StatusReportDelivery.objects.exclude(pk=sam.pk).update(status=Status.SENT)
    claimed = timezone.now() - CLAIM_TIMEOUT + datetime.timedelta(seconds=30)
    StatusReportDelivery.objects.filter(pk=sam.pk).update(
        status=Status.SENDING, claimed_at=claimed, attempts=1
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_waiting_work.apply().get() == {
            "resent": 0,
            "deliveries": 0,
            "mails": 0,
            "events": 0,
        }
    StatusReportDelivery.objects.filter(pk=sam.pk).update(
        claimed_at=claimed - datetime.timedelta(minutes=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_waiting_work.apply().get() == {
            "resent": 0,
            "deliveries": 1,
            "mails": 0,
            "events": 0,
        }

    assert [r for recipients, _ in smtp_server.messages for r in recipients] == ["sam@example.com"]
    assert StatusReportDelivery.objects.get(pk=sam.pk).status == Status.SENT


def test_beat_runs_the_sweeper_every_minute():
    """Beat runs the sweeper every minute, under a task name the worker knows, so a dead
    worker's delivery waits minutes for it, not the hourly finder."""
    entry = settings.CELERY_BEAT_SCHEDULE["requeue-waiting-work"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert entry["schedule"] == 60
