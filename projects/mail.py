"""One exactly-once e-mail delivery for every kind of message Charter sends to a person.

``mail_queue(key=…, to=…, subject=…, text=…, html=…)`` keeps the message as an ``OutgoingMail``
row (a second call with the same ``key`` finds it and queues nothing new) and hands its id to the
worker after the commit (``projects.tasks.send_outgoing_mail``). ``mail_attempt`` is one try: it
claims the row in a short transaction of its own (``select_for_update``; a row sent, failed, or
held by a live claim of another worker is left alone), talks to the mail server outside any
transaction, and writes the outcome in a second short one: sent, retrying with back-off, or
failed (a permanent 5xx refusal, or the last retry). ``mail_requeue_stuck`` is the minute
sweeper's: rows whose task was lost, and claims of a worker that died mid-send.

At least once, honestly, in one window: a worker that dies after the server took the message and
before it marked the row sent leaves the claim; after ``MAIL_CLAIM_TIMEOUT`` the next try sends
again, with the same ``Message-ID`` (``<mail-<id>@host>``) so servers and clients drop the copy.
The weekly status report keeps its own deliveries (reports.services.delivery: per-recipient PDF
rendering and an attempt log shown in its archive) on the same rules.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.utils import DNS_NAME
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from projects.models.mail import MAIL_CLAIM_TIMEOUT, OutgoingMail
from projects.queue import enqueue_on_commit
from projects.site import site_url

logger = logging.getLogger(__name__)

Status = OutgoingMail.Status

SEND = "projects.tasks.send_outgoing_mail"
# Back-off of one message's retries: from a minute, doubling, capped at 30 minutes, 8 retries.
RETRY_BACKOFF = 60
RETRY_BACKOFF_MAX = 30 * 60
MAX_RETRIES = 8


def retry_delay(retries: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(RETRY_BACKOFF * 2**retries, RETRY_BACKOFF_MAX))


def mail_queue(
    *,
    key: str,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    headers: dict[str, str] | None = None,
) -> OutgoingMail | None:
    """Keep the message for ``to`` under ``key`` and send it after the commit; None when there
    is no address. The same ``key`` again returns the row already kept and sends nothing new."""
    if not to:
        return None
    mail, created = _get_or_create(
        key=key,
        defaults={
            "to": to,
            "subject": subject[:300],
            "text": text,
            "html": html,
            "headers": headers or {},
        },
    )
    if created:
        enqueue_on_commit(SEND, mail.pk)
    return mail


def mail_queue_many(messages: list[OutgoingMail]) -> int:
    """Keep many messages in one INSERT (keys already kept are skipped) and queue the new ones;
    how many were new. For fan-outs: the rows are built by the caller, unsaved."""
    messages = [message for message in messages if message.to]
    if not messages:
        return 0
    keys = [message.key for message in messages]
    OutgoingMail.objects.bulk_create(messages, ignore_conflicts=True)
    # The rows this call made: the keys had no row before, so their rows are still pending and
    # unclaimed; one read gives their ids (bulk_create with ignore_conflicts returns none).
    fresh = list(
        OutgoingMail.objects.filter(key__in=keys, attempts=0, status=Status.PENDING).values_list(
            "pk", flat=True
        )
    )
    for pk in fresh:
        enqueue_on_commit(SEND, pk)
    return len(fresh)


def _get_or_create(*, key: str, defaults: dict) -> tuple[OutgoingMail, bool]:
    existing = OutgoingMail.objects.filter(key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return OutgoingMail.objects.create(key=key, **defaults), True
    except IntegrityError:  # another process kept it between our read and our write
        return OutgoingMail.objects.get(key=key), False


@dataclass(frozen=True)
class _Claim:
    mail: OutgoingMail
    attempt: int


def _claim(mail_id: int) -> _Claim | str:
    with transaction.atomic():
        mail = OutgoingMail.objects.select_for_update().filter(pk=mail_id).first()
        if mail is None:
            return "gone"
        now = timezone.now()
        if mail.status == Status.SENT:
            return "already sent"
        if mail.status == Status.FAILED:
            return "failed"
        if (
            mail.status == Status.SENDING
            and mail.claimed_at is not None
            and now - mail.claimed_at < MAIL_CLAIM_TIMEOUT
        ):
            return "claimed"
        mail.status = Status.SENDING
        mail.claimed_at = now
        mail.attempts += 1
        mail.next_attempt_at = None
        mail.save(update_fields=["status", "claimed_at", "attempts", "next_attempt_at"])
    return _Claim(mail, mail.attempts)


def message_id_for(mail: OutgoingMail) -> str:
    host = urlsplit(site_url()).hostname or str(DNS_NAME)
    return f"<mail-{mail.pk}@{host}>"


def _message(mail: OutgoingMail) -> EmailMultiAlternatives:
    headers = {"Message-ID": message_id_for(mail), **(mail.headers or {})}
    message = EmailMultiAlternatives(
        subject=mail.subject, body=mail.text, to=[mail.to], headers=headers
    )
    if mail.html:
        message.attach_alternative(mail.html, "text/html")
    return message


def describe(error: BaseException) -> str:
    """The error as a person reads it: the server's code and words, or the OS's reason."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address} refused: {code} {_text(reply)}"
            for address, (code, reply) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{type(error).__name__}: {error.smtp_code} {_text(error.smtp_error)}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


def is_permanent(error: BaseException) -> bool:
    """A 5xx answer will be the same next time (unknown mailbox, relay refused): no retry."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def mail_attempt(mail_id: int, *, final: bool = False) -> str:
    """One try at sending one kept message: "sent", "failed", or why nothing was done
    ("already sent", "claimed", "gone"). A transient error is recorded and raised again for
    the task to retry; on the ``final`` try or a permanent refusal the row is marked failed."""
    claim = _claim(mail_id)
    if isinstance(claim, str):
        return claim
    mail = claim.mail
    try:
        connection = get_connection(fail_silently=False)
        if connection.send_messages([_message(mail)]) != 1:
            raise smtplib.SMTPException("The mail server took no message.")
    except (smtplib.SMTPException, OSError) as error:
        give_up = final or is_permanent(error)
        text = describe(error)
        retry_in = retry_delay(claim.attempt - 1)
        with transaction.atomic():
            current = OutgoingMail.objects.select_for_update().get(pk=mail.pk)
            if current.status != Status.SENT and current.attempts == claim.attempt:
                current.status = Status.FAILED if give_up else Status.RETRYING
                current.last_error = text
                current.claimed_at = None
                current.next_attempt_at = None if give_up else timezone.now() + retry_in
                current.save(
                    update_fields=["status", "last_error", "claimed_at", "next_attempt_at"]
                )
        logger.warning(
            "Mail %s (%s) to %s, attempt %s: %s%s",
            mail.pk,
            mail.key,
            mail.to,
            claim.attempt,
            text,
            " (giving up)" if give_up else f" (retrying in {retry_in})",
        )
        if give_up:
            return "failed"
        raise
    OutgoingMail.objects.filter(pk=mail.pk).update(
        status=Status.SENT,
        sent_at=timezone.now(),
        claimed_at=None,
        next_attempt_at=None,
        last_error="",
    )
    return "sent"


def mail_requeue_stuck(*, now: datetime.datetime) -> int:
    """Queue again the messages whose task was lost (the broker never took it, or lost it) and
    those of a worker that died mid-send; the claim makes a duplicate harmless."""
    overdue = now - datetime.timedelta(minutes=settings.REQUEUE_AFTER_MINUTES)
    stuck = list(
        OutgoingMail.objects.filter(
            Q(status=Status.RETRYING, next_attempt_at__lt=overdue)
            | Q(status=Status.PENDING, created_at__lt=overdue)
            | Q(status=Status.SENDING, claimed_at__lt=now - MAIL_CLAIM_TIMEOUT)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    for pk in stuck:
        enqueue_on_commit(SEND, pk)
    if stuck:
        logger.warning("Queued %s stuck e-mails again.", len(stuck))
    return len(stuck)
