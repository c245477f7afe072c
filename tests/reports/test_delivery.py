"""Delivering weekly status reports: the e-mail a real SMTP server receives, exactly once per
recipient, retries with back-off recorded in the archive, dead workers' claims, and a real Celery
worker on Redis."""

import datetime
import io
import smtplib
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from pypdf import PdfReader

from budgets import services as budget_services
from config.celery import app
from projects.models import Event
from reports.models import CLAIM_TIMEOUT, DeliveryAttempt, StatusReport, StatusReportDelivery
from reports.services.delivery import (
    MAX_RETRIES,
    NO_AUDIENCE,
    deliveries_requeue_stuck,
    delivery_attempt,
    retry_delay,
    status_report_send,
)
from reports.services.status import status_report_build
from reports.tasks.status import deliver_status_report, send_due_status_reports
from scheduling import services as schedule_services
from stakeholders import services as stakeholder_services
from stakeholders.models import CommunicationPlanItem
from tests.workers import tasks_routed_to

FRIDAY = datetime.datetime(2026, 1, 9, 10, 0, tzinfo=datetime.UTC)  # week of Monday 5 January
Status = StatusReportDelivery.Status


def plan(project, by, people, *, kind=CommunicationPlanItem.Kind.WEEKLY_STATUS_REPORT):
    """Stakeholders (name, e-mail) on a communication plan item of ``kind``."""
    audience = [
        stakeholder_services.stakeholder_create(project=project, by=by, name=name, email=email)
        for name, email in people
    ]
    stakeholder_services.communication_item_create(
        project=project, by=by, title=str(kind), kind=kind, audience=audience
    )
    return audience


@pytest.fixture
def report(project, manager):
    """Build (5 d, €1,000, half done) → Test (5 d, €1,000), €800 spent, from Mon 5 Jan 2026;
    the weekly report goes to Sam and Fay (Fay twice, once in capitals), not to Carl (on another
    plan item) nor to Nell (no address). Built on Friday 9 Jan: 25.0% complete, BAC €2,000.00,
    EV €500.00, AC €800.00."""
    build = schedule_services.task_create(
        project=project, by=manager, name="Build", duration=5, fixed_cost=Decimal(1000)
    )
    test = schedule_services.task_create(
        project=project, by=manager, name="Test", duration=5, fixed_cost=Decimal(1000)
    )
    schedule_services.dependency_add(project=project, by=manager, predecessor=build, successor=test)
    schedule_services.task_update(task=build, by=manager, version=None, percent_complete=50)
    budget_services.cost_entry_create(
        project=project,
        by=manager,
        date=datetime.date(2026, 1, 8),
        amount=Decimal("800.00"),
        category="hardware",
    )
    plan(
        project,
        manager,
        [
            ("Sam Sponsor", "sam@example.com"),
            ("Fay Finance", "fay@example.com"),
            ("Finance team", "FAY@EXAMPLE.COM"),
            ("Nell Nomail", ""),
        ],
    )
    plan(project, manager, [("Carl CIO", "carl@example.com")], kind="custom")
    return status_report_build(project=project, by=manager, now=FRIDAY)


def send(report, by, capture):
    """Send, running the queued deliveries once the transaction commits (as a worker would)."""
    with capture(execute=True):
        return status_report_send(report=report, by=by)


def flaky(mailbox, *answers):
    """Make the SMTP server answer DATA with ``answers`` in turn (e.g. "451 …"), then accept."""
    accept = type(mailbox).handle_DATA
    pending = list(answers)

    async def handle_data(server, session, envelope):
        if pending:
            return pending.pop(0)
        return await accept(mailbox, server, session, envelope)

    mailbox.handle_DATA = handle_data  # aiosmtpd looks the hook up for each connection


@pytest.fixture
def eager_retries(eager_tasks):
    """Eager tasks that retry in-process, as a worker would (an eager task whose error
    propagates cannot be retried)."""
    previous = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    try:
        yield
    finally:
        app.conf.task_eager_propagates = previous


def attempt_log(delivery):
    return list(
        DeliveryAttempt.objects.filter(delivery=delivery)
        .order_by("number")
        .values_list("number", "succeeded", "error")
    )


def pdf_text(message) -> str:
    (attachment,) = [
        p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"
    ]
    reader = PdfReader(io.BytesIO(attachment.get_content()))
    return "\n".join(page.extract_text() for page in reader.pages)


def check_report_email(message, report) -> None:
    """Subject, text and HTML parts, inline charts, and a PDF with the project's numbers."""
    key = report.project.key
    assert message["Subject"] == f"{key} status, week of 5 Jan 2026: {report.health.capitalize()}"
    assert message["Message-ID"].startswith(f"<status-report-{report.pk}-")
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    for body in (text, html):
        assert key in body and "25.0%" in body and "€2,000.00" in body
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert images and all(p["Content-ID"] for p in images)
    for image in images:
        assert f"cid:{image['Content-ID'].strip('<>')}" in html
    text = pdf_text(message)
    for expected in (key, "25.0%", "€2,000.00", "€500.00", "€800.00"):
        assert expected in text, expected


# --- sending: who gets it, and only once ----------------------------------------------------------


@pytest.mark.django_db
def test_status_report_send_mails_exactly_the_plans_audience(
    report, manager, smtp_server, eager_tasks, django_capture_on_commit_callbacks
):
    """One e-mail per distinct address on the weekly report's plan item: HTML, text, charts,
    and a PDF whose text carries the project's key and numbers."""
    deliveries = send(report, manager, django_capture_on_commit_callbacks)

    assert [(d.email, d.name) for d in deliveries] == [
        ("fay@example.com", "Fay Finance"),
        ("sam@example.com", "Sam Sponsor"),
    ]
    received = sorted(smtp_server.messages, key=lambda m: m[0])
    assert [recipients for recipients, _ in received] == [["fay@example.com"], ["sam@example.com"]]
    for _, message in received:
        check_report_email(message, report)
    for delivery in StatusReportDelivery.objects.filter(report=report):
        assert (delivery.status, delivery.attempts, delivery.last_error) == (Status.SENT, 1, "")
        assert delivery.sent_at is not None and delivery.claimed_at is None
        assert attempt_log(delivery) == [(1, True, "")]
    report.refresh_from_db()
    assert (report.status, report.sent_by, report.version) == ("sent", manager, 2)
    assert report.sent_at is not None


@pytest.mark.django_db
def test_status_report_send_twice_sends_nothing_twice(
    report, manager, smtp_server, eager_tasks, django_capture_on_commit_callbacks
):
    """A second send finds every recipient served; the first send's time and sender stay."""
    send(report, manager, django_capture_on_commit_callbacks)
    report.refresh_from_db()
    first_sent_at = report.sent_at

    again = send(report, None, django_capture_on_commit_callbacks)

    assert len(smtp_server.messages) == 2
    assert [d.attempts for d in again] == [1, 1]
    report.refresh_from_db()
    assert (report.sent_at, report.sent_by) == (first_sent_at, manager)


@pytest.mark.django_db
def test_status_report_send_again_serves_only_someone_added_to_the_plan(
    project, report, manager, smtp_server, eager_tasks, django_capture_on_commit_callbacks
):
    """Someone added to the audience after the first send gets the report; nobody else again."""
    send(report, manager, django_capture_on_commit_callbacks)
    item = CommunicationPlanItem.objects.get(project=project, kind="weekly_status_report")
    newcomer = stakeholder_services.stakeholder_create(
        project=project, by=manager, name="Nia New", email="nia@example.com"
    )
    item.audience.add(newcomer)

    deliveries = send(report, manager, django_capture_on_commit_callbacks)

    assert [d.email for d in deliveries] == [
        "fay@example.com",
        "nia@example.com",
        "sam@example.com",
    ]
    assert sorted(r for recipients, _ in smtp_server.messages for r in recipients) == [
        "fay@example.com",
        "nia@example.com",
        "sam@example.com",
    ]


@pytest.mark.django_db
def test_status_report_send_without_an_audience_is_refused(project, manager):
    """No weekly report audience: a clear error, and the report stays a draft with no delivery."""
    plan(project, manager, [("Carl CIO", "carl@example.com")], kind="custom")
    report = status_report_build(project=project, by=manager, now=FRIDAY)

    with pytest.raises(ValidationError) as error:
        status_report_send(report=report, by=manager)

    assert error.value.messages == [NO_AUDIENCE]
    report.refresh_from_db()
    assert report.status == StatusReport.Status.DRAFT and report.sent_at is None
    assert not StatusReportDelivery.objects.exists()


@pytest.mark.django_db
def test_status_report_send_is_a_managers(report, member):
    """A member who is not a manager cannot send the report; nothing is created."""
    with pytest.raises(PermissionDenied):
        status_report_send(report=report, by=member)
    assert not StatusReportDelivery.objects.exists()


@pytest.mark.django_db
def test_status_report_send_queues_deliveries_only_after_commit(
    report, manager, django_capture_on_commit_callbacks
):
    """The deliveries are queued when the transaction commits, one task per recipient (and
    the "status report sent" event is handed to its consumers)."""
    with django_capture_on_commit_callbacks() as callbacks:
        status_report_send(report=report, by=manager)
    assert len(callbacks) == 3
    assert Event.objects.filter(type="status_report.sent").count() == 1
    assert set(StatusReportDelivery.objects.values_list("status", flat=True)) == {Status.PENDING}


# --- one attempt: claims, duplicates, dead workers ------------------------------------------------


@pytest.fixture
def delivery(report, manager, django_capture_on_commit_callbacks):
    """Sam's delivery, made by a send whose queued tasks never ran (the broker lost them)."""
    with django_capture_on_commit_callbacks(execute=False):
        status_report_send(report=report, by=manager)
    return StatusReportDelivery.objects.get(email="sam@example.com")


@pytest.mark.django_db
def test_deliver_status_report_twice_sends_one_email(delivery, smtp_server, eager_tasks):
    """The same task message delivered twice: the second run finds the delivery sent."""
    first = deliver_status_report.apply(args=[delivery.pk], task_id="same-message")
    second = deliver_status_report.apply(args=[delivery.pk], task_id="same-message")

    assert (first.get(), second.get()) == ("sent", "already sent")
    assert [recipients for recipients, _ in smtp_server.messages] == [["sam@example.com"]]
    assert attempt_log(delivery) == [(1, True, "")]


@pytest.mark.django_db
def test_delivery_attempt_leaves_a_live_claim_alone(delivery, smtp_server):
    """Another worker's claim younger than CLAIM_TIMEOUT: this attempt does nothing."""
    claimed_at = timezone.now() - CLAIM_TIMEOUT + datetime.timedelta(minutes=1)
    StatusReportDelivery.objects.filter(pk=delivery.pk).update(
        status=Status.SENDING, claimed_at=claimed_at, attempts=1
    )

    assert delivery_attempt(delivery.pk) == "claimed"

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.claimed_at) == (
        Status.SENDING,
        1,
        claimed_at,
    )
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_delivery_attempt_takes_over_a_dead_workers_claim(delivery, smtp_server):
    """A claim older than CLAIM_TIMEOUT belongs to a dead worker: the next attempt sends."""
    DeliveryAttempt.objects.create(
        delivery=delivery, number=1, started_at=timezone.now() - CLAIM_TIMEOUT
    )
    StatusReportDelivery.objects.filter(pk=delivery.pk).update(
        status=Status.SENDING,
        claimed_at=timezone.now() - CLAIM_TIMEOUT - datetime.timedelta(seconds=1),
        attempts=1,
    )

    assert delivery_attempt(delivery.pk) == "sent"

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.SENT, 2)
    assert attempt_log(delivery) == [(1, False, ""), (2, True, "")]
    assert len(smtp_server.messages) == 1


def _requeue(now, capture) -> int:
    with capture(execute=True):
        return deliveries_requeue_stuck(now=now)


@pytest.mark.django_db
def test_deliveries_requeue_stuck_leaves_live_work_alone(
    delivery, smtp_server, eager_tasks, django_capture_on_commit_callbacks
):
    """A delivery queued a moment ago and a claim younger than CLAIM_TIMEOUT are not stuck."""
    fay = StatusReportDelivery.objects.get(email="fay@example.com")
    StatusReportDelivery.objects.filter(pk=fay.pk).update(
        status=Status.SENDING, claimed_at=timezone.now() - datetime.timedelta(minutes=2)
    )

    assert _requeue(timezone.now(), django_capture_on_commit_callbacks) == 0
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_deliveries_requeue_stuck_sends_what_dead_workers_and_lost_messages_left(
    delivery, smtp_server, eager_tasks, django_capture_on_commit_callbacks
):
    """The sweeper queues a dead worker's stale claim and a pending delivery whose task
    message was lost; each is then sent once."""
    now = timezone.now()
    StatusReportDelivery.objects.filter(email="fay@example.com").update(
        status=Status.SENDING, claimed_at=now - CLAIM_TIMEOUT - datetime.timedelta(minutes=1)
    )
    StatusReportDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=now - CLAIM_TIMEOUT - datetime.timedelta(minutes=1)
    )

    assert _requeue(now, django_capture_on_commit_callbacks) == 2

    assert sorted(r for recipients, _ in smtp_server.messages for r in recipients) == [
        "fay@example.com",
        "sam@example.com",
    ]
    assert set(StatusReportDelivery.objects.values_list("status", flat=True)) == {Status.SENT}
    assert _requeue(timezone.now(), django_capture_on_commit_callbacks) == 0


# --- SMTP failures: retried with back-off, every attempt in the archive ---------------------------


@pytest.mark.django_db
def test_delivery_attempt_records_a_transient_error_for_a_retry(delivery, smtp_server):
    """A 451 from the server: the attempt and the delivery carry the error, the delivery waits
    for its retry (``next_attempt_at``), and the error is raised for the task to retry."""
    flaky(smtp_server, "451 4.3.0 Try again later")
    before = timezone.now()

    with pytest.raises(smtplib.SMTPDataError):
        delivery_attempt(delivery.pk, retry_in=retry_delay(0))

    delivery.refresh_from_db()
    error = "SMTPDataError: 451 4.3.0 Try again later"
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        Status.RETRYING,
        1,
        error,
    )
    assert before + datetime.timedelta(seconds=60) <= delivery.next_attempt_at
    assert delivery.next_attempt_at <= timezone.now() + datetime.timedelta(seconds=60)
    assert attempt_log(delivery) == [(1, False, error)]
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_deliver_status_report_retries_an_smtp_failure_until_it_is_sent(
    delivery, smtp_server, eager_retries
):
    """Two refusals, then the server accepts: three attempts in the log, one e-mail."""
    flaky(smtp_server, "451 4.3.0 Try again later", "421 4.7.0 Too busy, come back")

    assert deliver_status_report.apply(args=[delivery.pk]).get() == "sent"

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (Status.SENT, 3, "")
    assert attempt_log(delivery) == [
        (1, False, "SMTPDataError: 451 4.3.0 Try again later"),
        (2, False, "SMTPDataError: 421 4.7.0 Too busy, come back"),
        (3, True, ""),
    ]
    assert [recipients for recipients, _ in smtp_server.messages] == [["sam@example.com"]]


@pytest.mark.django_db
def test_deliver_status_report_fails_after_its_last_retry(
    report,
    delivery,
    manager,
    settings,
    smtp_server,
    eager_retries,
    django_capture_on_commit_callbacks,
):
    """Nobody listening: every retry is recorded with its error, then the delivery fails. A new
    send tries it again once the server is back."""
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # nothing listens on port 1 of loopback

    assert deliver_status_report.apply(args=[delivery.pk]).get() == "failed"

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.FAILED, MAX_RETRIES + 1)
    assert delivery.next_attempt_at is None
    log = attempt_log(delivery)
    assert [number for number, *_ in log] == list(range(1, MAX_RETRIES + 2))
    assert all(not ok and error.startswith("ConnectionRefusedError") for _, ok, error in log)
    assert delivery.last_error == log[-1][2]

    settings.EMAIL_PORT = port
    send(report, manager, django_capture_on_commit_callbacks)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.SENT, MAX_RETRIES + 2)
    assert sorted(r for recipients, _ in smtp_server.messages for r in recipients) == [
        "fay@example.com",
        "sam@example.com",
    ]


@pytest.mark.django_db
def test_deliver_status_report_does_not_retry_a_permanent_refusal(
    delivery, smtp_server, eager_retries
):
    """A 5xx answer will not change on a retry: one attempt, failed, with the server's words."""
    flaky(smtp_server, "554 5.7.1 Message rejected as spam")

    assert deliver_status_report.apply(args=[delivery.pk]).get() == "failed"

    delivery.refresh_from_db()
    error = "SMTPDataError: 554 5.7.1 Message rejected as spam"
    assert (delivery.status, delivery.attempts, delivery.last_error) == (Status.FAILED, 1, error)
    assert attempt_log(delivery) == [(1, False, error)]


@pytest.mark.django_db
def test_delivery_attempt_fails_without_retry_when_the_message_cannot_be_built(
    report, delivery, smtp_server
):
    """A report whose frozen content cannot be rendered fails at once, with the reason; no
    retry would mend it and nothing reaches the mail server."""
    StatusReport.objects.filter(pk=report.pk).update(content={"kpis": [{"label": "SPI"}]})

    assert delivery_attempt(delivery.pk) == "failed"

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 1)
    assert delivery.last_error == "The message could not be built: KeyError: 'key'"
    assert attempt_log(delivery) == [(1, False, delivery.last_error)]
    assert smtp_server.envelopes == []


def test_retry_delay_doubles_from_a_minute_up_to_half_an_hour():
    """The back-off the archive promises: 1, 2, 4, 8, 16 minutes, then 30 at most."""
    minutes = [retry_delay(n).total_seconds() / 60 for n in range(MAX_RETRIES)]
    assert minutes == [1, 2, 4, 8, 16, 30, 30, 30]
    assert deliver_status_report.max_retries == MAX_RETRIES


# --- a real Celery worker on Redis ----------------------------------------------------------------


@pytest.fixture
def report_worker(worker_queue):
    """The worker of ``worker_queue``, with the status report tasks routed to its queue."""
    with tasks_routed_to(worker_queue, "reports.tasks.status.*"):
        yield worker_queue


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_due_report_once_per_recipient(
    report_worker, project, manager, smtp_server
):
    """On Redis, the hourly finder builds and sends the due report on a worker; the deliveries
    it queues mail each recipient once, and a second copy of each task message sends nothing."""
    plan(
        project,
        manager,
        [("Sam Sponsor", "sam@example.com"), ("Fay Finance", "fay@example.com")],
    )
    now = timezone.now()
    local = now.astimezone(datetime.UTC)
    project.time_zone = "UTC"
    project.report_weekday = local.isoweekday()
    project.report_hour = local.hour
    project.save()

    outcome = send_due_status_reports.apply_async(
        kwargs={"now": now.isoformat()}, queue=report_worker
    )

    assert outcome.get(timeout=120)["sent"] == [project.key]
    report = StatusReport.objects.get(project=project)
    deliveries = list(report.deliveries.order_by("email"))
    assert [d.email for d in deliveries] == ["fay@example.com", "sam@example.com"]
    # The same messages again, behind the first ones on the worker's queue.
    repeats = [
        deliver_status_report.apply_async(args=[d.pk], queue=report_worker) for d in deliveries
    ]
    assert {r.get(timeout=120) for r in repeats} <= {"sent", "already sent"}

    received = sorted(smtp_server.messages, key=lambda m: m[0])
    assert [recipients for recipients, _ in received] == [["fay@example.com"], ["sam@example.com"]]
    for _, message in received:
        assert message["Subject"].startswith(f"{project.key} status, week of ")
        assert message.get_body(preferencelist=("plain",)) is not None
        assert message.get_body(preferencelist=("html",)) is not None
        assert project.key in pdf_text(message)
    assert DeliveryAttempt.objects.filter(delivery__report=report).count() == 2
    assert set(report.deliveries.values_list("status", flat=True)) == {Status.SENT}
