"""The post-implementation review: scheduled at sign-off, its manager reminded once by the daily
task (on a real worker and a real SMTP server), benefits recorded per objective; and the closure
report e-mailed once to the plan's audience."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from projects import services as project_services
from reports.models import BenefitRealisation, PostImplementationReview
from reports.services import closure as services
from reports.tasks.closure import remind_post_implementation_reviews, send_closure_report
from tests.reports.closure_support import sign_off, sponsor_of, weekly_audience
from tests.workers import tasks_routed_to

REMINDER = "Post-implementation review due"


def _reminders(mailbox) -> list:
    return [(to, m) for to, m in mailbox.messages if REMINDER in m["Subject"]]


def _reports(mailbox) -> list:
    return [(to, m) for to, m in mailbox.messages if "Closure report" in m["Subject"]]


@pytest.mark.django_db
def test_pir_is_scheduled_at_sign_off(project, manager, viewer):
    """Signing off schedules the review the closure's weeks later, not yet reminded."""
    closure = services.closure_start(project=project, by=manager)
    services.closure_update(closure=closure, by=manager, version=None, pir_weeks=3)
    closure = sign_off(project, manager, sponsor_of(project, viewer))
    review = PostImplementationReview.objects.get(project=project)
    signed = project.today()
    assert review.due_on == signed + datetime.timedelta(weeks=3)
    assert review.reminded_at is None


@pytest.mark.django_db
def test_pir_reminder_is_sent_once(project, manager, viewer, smtp_server, eager_tasks):
    """Due today: the daily task e-mails the managers once; running it again sends nothing."""
    sign_off(project, manager, sponsor_of(project, viewer))
    review = PostImplementationReview.objects.get(project=project)
    PostImplementationReview.objects.filter(pk=review.pk).update(due_on=project.today())
    assert remind_post_implementation_reviews.delay().get() == [review.pk]
    assert remind_post_implementation_reviews.delay().get() == []
    reminders = _reminders(smtp_server)
    assert [to for to, _ in reminders] == [[manager.email]]
    assert project.key in reminders[0][1]["Subject"]
    review.refresh_from_db()
    assert review.reminded_at is not None


@pytest.mark.django_db
def test_pir_not_due_or_held_is_not_reminded(project, manager, viewer, smtp_server, eager_tasks):
    """A review due tomorrow, or already held, sends nothing."""
    sign_off(project, manager, sponsor_of(project, viewer))
    today = project.today()
    review = PostImplementationReview.objects.get(project=project)
    PostImplementationReview.objects.filter(pk=review.pk).update(
        due_on=today + datetime.timedelta(days=1)
    )
    assert remind_post_implementation_reviews.delay().get() == []
    PostImplementationReview.objects.filter(pk=review.pk).update(
        due_on=today - datetime.timedelta(days=3), held_on=today
    )
    assert remind_post_implementation_reviews.delay().get() == []
    assert _reminders(smtp_server) == []


@pytest.mark.django_db
def test_pir_records_benefits_per_objective(project, manager, viewer, outsider):
    """The review records realised values per objective; other projects' objectives and future
    dates are refused."""
    adoption = project_services.objective_create(
        project=project,
        by=manager,
        description="Adoption",
        measure="users",
        target_value=Decimal("500"),
    )
    sign_off(project, manager, sponsor_of(project, viewer))
    today = project.today()
    review = services.review_record(
        project=project,
        by=manager,
        held_on=today,
        summary="Adoption beyond target.",
        benefits={adoption.pk: (Decimal("640"), "From the analytics.")},
    )
    benefit = BenefitRealisation.objects.get(review=review)
    assert (benefit.objective, benefit.realised_value) == (adoption, Decimal("640.00"))
    assert review.recorded_by == manager
    with pytest.raises(ValidationError, match="not in the future"):
        services.review_record(
            project=project,
            by=manager,
            held_on=today + datetime.timedelta(days=2),
            summary="x",
            benefits={},
        )
    foreign = project_services.objective_create(
        project=outsider.memberships.get().project, by=outsider, description="X", measure="x"
    )
    with pytest.raises(ValidationError, match="another project"):
        services.review_record(
            project=project, by=manager, held_on=today, summary="x", benefits={foreign.pk: (1, "")}
        )


@pytest.mark.django_db
def test_closure_report_is_mailed_once_to_the_plan(
    project, manager, viewer, smtp_server, eager_tasks, django_capture_on_commit_callbacks
):
    """Sign-off e-mails the report (HTML, text, PDF) to the weekly report's audience, once."""
    sponsor = sponsor_of(project, viewer, email="vic@sponsor.example")
    weekly_audience(project, manager, [sponsor])
    with django_capture_on_commit_callbacks(execute=True):
        closure = sign_off(project, manager, sponsor)
    assert send_closure_report.delay(closure.pk).get() == []  # already sent at sign-off
    reports = _reports(smtp_server)
    assert [to for to, _ in reports] == [["vic@sponsor.example"]]
    message = reports[0][1]
    assert message.get_body(preferencelist=("plain",)) is not None
    assert message.get_body(preferencelist=("html",)) is not None
    pdfs = [a for a in message.iter_attachments() if a.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1 and pdfs[0].get_content().startswith(b"%PDF")
    closure.refresh_from_db()
    assert closure.report["emailed_to"] == ["vic@sponsor.example"]


# --- a real Celery worker on Redis ----------------------------------------------------------------


@pytest.fixture
def closure_worker(worker_queue):
    """The worker of ``worker_queue``, with the closure tasks routed to its queue."""
    with tasks_routed_to(worker_queue, "reports.tasks.closure.*"):
        yield worker_queue


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_mails_the_report_and_reminds_once(
    closure_worker, project, manager, viewer, smtp_server
):
    """On Redis, sign-off queues the report's e-mail after commit and a worker sends it once;
    the daily reminder run twice on the worker reminds the manager once."""
    sponsor = sponsor_of(project, viewer, email="vic@sponsor.example")
    weekly_audience(project, manager, [sponsor])
    closure = sign_off(project, manager, sponsor)  # queues send_closure_report on commit
    # The same task again, behind the first on the worker's queue: it finds the report sent.
    assert send_closure_report.apply_async(args=[closure.pk]).get(timeout=120) == []
    assert [to for to, _ in _reports(smtp_server)] == [["vic@sponsor.example"]]

    review = PostImplementationReview.objects.get(project=project)
    PostImplementationReview.objects.filter(pk=review.pk).update(
        due_on=project.today() - datetime.timedelta(days=1)
    )
    runs = [remind_post_implementation_reviews.apply_async() for _ in range(2)]
    outcomes = [run.get(timeout=120) for run in runs]
    assert sorted(outcomes) == [[], [review.pk]]
    assert [to for to, _ in _reminders(smtp_server)] == [[manager.email]]
    review.refresh_from_db()
    assert review.reminded_at is not None
