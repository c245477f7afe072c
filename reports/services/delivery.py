"""Sending weekly status reports: exactly once per recipient per reporting week (DESIGN §4).

``status_report_send`` marks the report sent and makes one ``StatusReportDelivery`` per distinct
address on the communication plan's weekly status report item (the unique constraint on report
and e-mail is what makes a second "send", or a second scheduler run, find the row and send
nothing twice), then queues one ``deliver_status_report`` task per delivery not yet sent, after
the commit.

``delivery_attempt`` is one try at one delivery. It claims the row in a short transaction of its
own (``select_for_update``): a delivery already sent, or held by another worker whose claim is
younger than ``CLAIM_TIMEOUT``, is left alone, so a task delivered twice, or run by two workers
at once, sends one e-mail. The SMTP conversation happens outside any transaction (no row stays
locked while a mail server thinks), and the outcome is written in a second short transaction:
sent, or the error on the attempt and the delivery (``retrying`` until the task's last retry,
then ``failed``). Every try is a ``DeliveryAttempt``, shown in the archive.

What remains at least once, honestly: a worker that dies after the mail server accepted the
message and before it marked the row sent leaves the claim behind; after ``CLAIM_TIMEOUT`` the
next try sends the message again. That second copy carries the same ``Message-ID``
(``<status-report-{report}-{delivery}@host>``), which mail servers and clients use to drop
duplicates, so in practice the reader sees one.

``status_reports_send_due`` is the hourly scheduler's work: it builds and sends the report of
every active project whose reporting weekday and hour have come in its own time zone.
``deliveries_requeue_stuck`` is the minute sweeper's: it puts back in the queue the deliveries
whose task was lost or never reached the broker, and those of a worker that died mid-send.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.core.mail.utils import DNS_NAME
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from projects import clock
from projects.events import record_event
from projects.mail import describe, is_permanent
from projects.models import Project
from projects.queue import enqueue_on_commit
from projects.services.common import check_manager, lock_project
from projects.site import site_url
from reports.models import CLAIM_TIMEOUT, DeliveryAttempt, StatusReport, StatusReportDelivery
from reports.services.status import status_report_build, week_start_for
from stakeholders.models import Stakeholder
from stakeholders.selectors import weekly_report_recipients

logger = logging.getLogger(__name__)

Status = StatusReportDelivery.Status

NO_AUDIENCE = (
    "The communication plan names nobody for the weekly status report; add its audience first."
)

# Retries of one delivery: exponential back-off from a minute, capped at 30 minutes, 8 retries
# (9 attempts, about 1 h 40 min in all). The task's decorator uses the same numbers, without
# jitter, so ``next_attempt_at`` in the archive is when the retry really runs.
RETRY_BACKOFF = 60
RETRY_BACKOFF_MAX = 30 * 60
MAX_RETRIES = 8

DELIVER = "reports.tasks.status.deliver_status_report"


def retry_delay(retries: int) -> datetime.timedelta:
    """How long Celery waits before retry number ``retries + 1`` (its ``retry_backoff``)."""
    return datetime.timedelta(seconds=min(RETRY_BACKOFF_MAX, RETRY_BACKOFF * 2**retries))


# --- sending: one delivery per recipient ----------------------------------------------------------


def _recipients(project: Project) -> list[tuple[str, str, Stakeholder]]:
    """(address, name, stakeholder) per distinct address, case-insensitively: one person on
    the plan twice, or two records sharing a mailbox, get one e-mail."""
    seen: dict[str, tuple[str, str, Stakeholder]] = {}
    for stakeholder in weekly_report_recipients(project):
        address = BaseUserManager.normalize_email(stakeholder.email.strip())
        seen.setdefault(address.lower(), (address, stakeholder.name, stakeholder))
    return list(seen.values())


def _delivery_create(
    report: StatusReport,
    address: str,
    name: str,
    stakeholder: Stakeholder,
    now: datetime.datetime,
) -> StatusReportDelivery:
    """Get or create the delivery; a row another transaction created first (the unique
    constraint refuses ours) is the one to use."""
    try:
        with transaction.atomic():  # a savepoint: the IntegrityError must not end the outer one
            return StatusReportDelivery.objects.create(
                report=report,
                email=address,
                name=name,
                stakeholder=stakeholder,
                next_attempt_at=now,
            )
    except IntegrityError:
        return StatusReportDelivery.objects.get(report=report, email=address)


def _needs_queueing(delivery: StatusReportDelivery, now: datetime.datetime) -> bool:
    if delivery.status == Status.SENT:
        return False
    if delivery.status == Status.SENDING:
        # A live claim: its worker is talking to the mail server right now.
        return delivery.claimed_at is None or now - delivery.claimed_at >= CLAIM_TIMEOUT
    return True


def status_report_send(
    *, report: StatusReport, by: AbstractBaseUser | None = None
) -> list[StatusReportDelivery]:
    """Send the report to the communication plan's weekly status report audience; returns its
    deliveries (with their attempt logs), ordered by address.

    The first send marks the report sent (``sent_at``, ``sent_by``); its summary is frozen from
    then on. Sending again sends nothing twice: a recipient already served is skipped, one added
    to the plan since is served now, and one whose delivery failed is tried again. Queued after
    the commit, so no worker looks for a delivery that is not there yet. When the broker is
    away the report is sent all the same and its deliveries wait, pending, for the sweeper."""
    with transaction.atomic():
        project = lock_project(report.project)
        if project.is_closed:
            raise ValidationError(f"{project.key} is closed and read-only.")
        check_manager(project, by, "send its status report")
        report = StatusReport.objects.select_for_update().get(pk=report.pk, project=project)
        now = timezone.now()
        deliveries = {d.email.lower(): d for d in report.deliveries.all()}
        recipients = _recipients(project)
        if not recipients and not deliveries:
            raise ValidationError(NO_AUDIENCE)
        for address, name, stakeholder in recipients:
            if address.lower() not in deliveries:
                deliveries[address.lower()] = _delivery_create(
                    report, address, name, stakeholder, now
                )
        if not report.is_sent:
            report.status = StatusReport.Status.SENT
            report.sent_at = now
            report.sent_by = by
            # A summary edit based on the draft must now be refused as stale.
            report.version = F("version") + 1
            report._history_user = by
            report.save(update_fields=["status", "sent_at", "sent_by", "version"])
            report.refresh_from_db(fields=["version"])
            record_event(
                "status_report.sent",
                project=project,
                target=report,
                actor=by,
                data={
                    "url": reverse(
                        "reports:status_report",
                        kwargs={"pk": project.pk, "report_pk": report.pk},
                    )
                },
            )
        for delivery in deliveries.values():
            if not _needs_queueing(delivery, now):
                continue
            if delivery.status == Status.FAILED:  # a person asked again: a new round of tries
                StatusReportDelivery.objects.filter(pk=delivery.pk).update(
                    status=Status.PENDING, next_attempt_at=now
                )
            enqueue_on_commit(DELIVER, delivery.pk)
    return list(
        StatusReportDelivery.objects.filter(report=report)
        .prefetch_related("attempt_log")
        .order_by("email", "pk")
    )


# --- one attempt at one delivery ------------------------------------------------------------------


@dataclass(frozen=True)
class _Claim:
    delivery: StatusReportDelivery
    attempt: DeliveryAttempt


def message_id_for(delivery: StatusReportDelivery) -> str:
    """The same Message-ID on every try of a delivery, so a duplicate can be recognised."""
    host = urlsplit(site_url()).hostname or str(DNS_NAME)
    return f"<status-report-{delivery.report_id}-{delivery.pk}@{host}>"


def _claim(delivery_id: int) -> _Claim | str:
    """Take the delivery for this attempt, or say why not ("gone", "already sent", "claimed",
    "failed"). A short transaction: the row lock is held for a few statements only."""
    with transaction.atomic():
        delivery = (
            StatusReportDelivery.objects.select_for_update(of=("self",))
            .select_related("report__project")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return "gone"
        now = timezone.now()
        if delivery.status == Status.SENT:
            return "already sent"
        if delivery.status == Status.FAILED:  # given up; a new "send" resets it to pending
            return "failed"
        if (
            delivery.status == Status.SENDING
            and delivery.claimed_at is not None
            and now - delivery.claimed_at < CLAIM_TIMEOUT
        ):
            return "claimed"
        delivery.status = Status.SENDING
        delivery.claimed_at = now
        delivery.attempts += 1
        delivery.next_attempt_at = None
        delivery.message_id = delivery.message_id or message_id_for(delivery)
        delivery.save(
            update_fields=["status", "claimed_at", "attempts", "next_attempt_at", "message_id"]
        )
        attempt = DeliveryAttempt.objects.create(
            delivery=delivery, number=delivery.attempts, started_at=now
        )
    return _Claim(delivery, attempt)


def _describe(error: BaseException) -> str:
    """The error as the archive shows it: the server's code and words, or the OS's reason
    (``projects.mail.describe``, which every outgoing e-mail shares)."""
    if isinstance(error, _Unbuildable):
        return f"The message could not be built: {error}"
    return describe(error)


def _record_failure(
    claim: _Claim, error: BaseException, *, give_up: bool, retry_in: datetime.timedelta
) -> None:
    text = _describe(error)
    with transaction.atomic():
        DeliveryAttempt.objects.filter(pk=claim.attempt.pk).update(error=text)
        current = StatusReportDelivery.objects.select_for_update().get(pk=claim.delivery.pk)
        if current.status == Status.SENT or current.attempts != claim.attempt.number:
            # Another attempt took over (our claim went stale) or already succeeded: the row is
            # theirs to write; ours is only in the attempt log.
            return
        current.status = Status.FAILED if give_up else Status.RETRYING
        current.last_error = text
        current.claimed_at = None
        current.next_attempt_at = None if give_up else timezone.now() + retry_in
        current.save(update_fields=["status", "last_error", "claimed_at", "next_attempt_at"])


def _record_success(claim: _Claim) -> None:
    with transaction.atomic():
        DeliveryAttempt.objects.filter(pk=claim.attempt.pk).update(succeeded=True)
        StatusReportDelivery.objects.filter(pk=claim.delivery.pk).update(
            status=Status.SENT,
            sent_at=timezone.now(),
            claimed_at=None,
            next_attempt_at=None,
            last_error="",
        )


class _Unbuildable(Exception):
    """Building the message failed: our fault, not the mail server's, and no retry will fix it."""


def _send(delivery: StatusReportDelivery) -> None:
    """Hand the report to the mail server for one recipient, or raise.

    The connection is opened before the message is rendered: when the server is down, a try
    costs a refused connection, not a PDF."""
    from reports.rendering import status_report_email  # rendering pulls in charts and PDFs

    connection = get_connection(fail_silently=False)
    connection.open()
    try:
        try:
            message = status_report_email(
                delivery.report, to=[delivery.email], message_id=delivery.message_id
            )
        except Exception as error:
            raise _Unbuildable(_describe(error)) from error
        if connection.send_messages([message]) != 1:
            raise smtplib.SMTPException("The mail server took no message.")
    finally:
        try:
            connection.close()
        except (smtplib.SMTPException, OSError):  # the message is sent or failed by now
            logger.info("Status report delivery %s: closing the connection failed.", delivery.pk)


def delivery_attempt(
    delivery_id: int,
    *,
    final: bool = False,
    retry_in: datetime.timedelta | None = None,
) -> str:
    """One try at e-mailing one recipient their copy of the report; what came of it: "sent",
    "failed", or why nothing was done ("already sent", "claimed" by another worker, "gone").

    A transient SMTP or network error is recorded and raised again for the task to retry (in
    ``retry_in``); on the ``final`` try, or for a permanent (5xx) refusal, the delivery is marked
    failed instead. An error while building the message is not the mail server's and will not
    pass by itself: recorded, failed, logged."""
    claim = _claim(delivery_id)
    if isinstance(claim, str):
        return claim
    delivery = claim.delivery
    if retry_in is None:
        retry_in = retry_delay(claim.attempt.number - 1)
    try:
        _send(delivery)
    except _Unbuildable as error:
        logger.exception("Status report delivery %s: the message could not be built.", delivery.pk)
        _record_failure(claim, error, give_up=True, retry_in=retry_in)
        return "failed"
    except (smtplib.SMTPException, OSError) as error:
        give_up = final or is_permanent(error)
        _record_failure(claim, error, give_up=give_up, retry_in=retry_in)
        logger.warning(
            "Status report delivery %s to %s, attempt %s: %s%s",
            delivery.pk,
            delivery.email,
            claim.attempt.number,
            _describe(error),
            " (giving up)" if give_up else f" (retrying in {retry_in})",
        )
        if give_up:
            return "failed"
        raise
    _record_success(claim)
    return "sent"


# --- the hourly scheduler -------------------------------------------------------------------------


def is_report_due(project: Project, now: datetime.datetime) -> bool:
    """It is the project's reporting weekday in its own time zone, at or after its hour.

    "At or after" rather than "at": an hourly run that catches up later the same local day
    covers an hour the clocks skip (01:00 on a spring-forward Sunday in London) and a late or
    missed run; an hour the clocks repeat is harmless because a sent report is not sent again.
    """
    local = now.astimezone(project.zone)
    return local.isoweekday() == project.report_weekday and local.hour >= project.report_hour


def projects_due(now: datetime.datetime) -> list[Project]:
    """Active projects whose report is due at ``now`` and not yet sent this reporting week.
    Two queries, whatever the number of projects."""
    candidates = [
        (project, week_start_for(project, now))
        for project in Project.objects.active().order_by("pk")
        if is_report_due(project, now)
    ]
    if not candidates:
        return []
    sent = set(
        StatusReport.objects.filter(
            project__in=[project for project, _ in candidates], status=StatusReport.Status.SENT
        ).values_list("project_id", "week_start")
    )
    return [project for project, week in candidates if (project.pk, week) not in sent]


def deliveries_requeue_stuck(*, now: datetime.datetime) -> int:
    """Queue again the deliveries whose task was lost (the sweeper's work, every minute):
    pending or retrying ``REQUEUE_AFTER_MINUTES`` past their time (the broker lost or never
    took the message), or ``sending`` under a claim older than ``CLAIM_TIMEOUT`` (the worker
    died mid-send). The claim makes a duplicate harmless."""
    overdue = now - datetime.timedelta(minutes=settings.REQUEUE_AFTER_MINUTES)
    stale_claim = now - CLAIM_TIMEOUT
    stuck = list(
        StatusReportDelivery.objects.filter(
            Q(status__in=[Status.PENDING, Status.RETRYING], next_attempt_at__lt=overdue)
            | Q(status=Status.PENDING, next_attempt_at__isnull=True, created_at__lt=overdue)
            | Q(status=Status.SENDING, claimed_at__lt=stale_claim)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in stuck:
        enqueue_on_commit(DELIVER, pk)
    if stuck:
        logger.warning("Queued %s stuck status report deliveries again.", len(stuck))
    return len(stuck)


@dataclass
class DueRun:
    """What one scheduler run did, by project key (the task's result, for the logs)."""

    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def status_reports_send_due(*, now: datetime.datetime | None = None) -> DueRun:
    """Build and send every report that is due (``projects_due``). A project without an
    audience is skipped with a log line; a project whose report fails is logged and does not
    stop the others."""
    now = now or clock.now()
    run = DueRun()
    for project in projects_due(now):
        if not weekly_report_recipients(project).exists():
            logger.info("%s: weekly status report not sent. %s", project.key, NO_AUDIENCE)
            run.skipped.append(project.key)
            continue
        try:
            report = status_report_build(project=project, now=now)
            status_report_send(report=report)
        except ValidationError as error:  # e.g. the audience emptied since the check above
            logger.info("%s: weekly status report not sent. %s", project.key, error.messages)
            run.skipped.append(project.key)
        except Exception:
            logger.exception("%s: the weekly status report failed.", project.key)
            run.failed.append(project.key)
        else:
            run.sent.append(project.key)
    return run
