"""Signed webhooks: a project's events POSTed as JSON to the endpoints its managers registered.

``webhooks_consume`` is the event source's consumer (``projects.events.register_consumer``, from
``InterchangeConfig.ready``): inside the dispatch transaction it writes one ``WebhookDelivery``
per endpoint and event (a unique pair, so an event handed on twice is delivered once) in a fixed
number of queries, and queues each new delivery's task after the commit.

``webhook_delivery_attempt`` is one try, on the claim-and-outcome pattern of ``projects.mail``:
the row is claimed in a short transaction (``select_for_update``), the request is made outside
any transaction, and the outcome written in a second one. A 2xx answer succeeds; a timeout, a
connection error, 408, 429 or 5xx retries with back-off (from a minute, doubling, at most an
hour apart) until a day after the delivery was made; any other answer (a 4xx, a redirect, which
is never followed) fails at once. ``Webhook.DISABLE_AFTER`` failed deliveries in a row switch
the endpoint off and e-mail the project's managers once.

The SSRF guard and the one HTTP request live in ``interchange.outbound``.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import re
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from interchange.models import Webhook, WebhookDelivery
from interchange.outbound import SEND_ERRORS, UnsafeURL, check_url, describe, post, resolve
from projects.exceptions import StaleEdit
from projects.mail import mail_queue
from projects.models import Event, Membership, Project, Role
from projects.queue import enqueue_on_commit
from projects.site import absolute_url, site_url

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status

DELIVER = "interchange.tasks.deliver_webhook"

# The events an endpoint may subscribe to (DESIGN §5); "*" is all of them. ``webhook.test`` is
# sent by the "Send test event" button only, whatever the endpoint subscribed to.
WEBHOOK_EVENTS: dict[str, str] = {
    "task.created": "Task created",
    "task.updated": "Task updated (with its new dates)",
    "task.deleted": "Task deleted",
    "schedule.recomputed": "Schedule recomputed (the finish moved)",
    "milestone.slipped": "Milestone slipped",
    "risk.created": "Risk created",
    "risk.escalated": "Risk escalated (its level rose)",
    "issue.opened": "Issue opened",
    "change_request.decided": "Change request approved or rejected",
    "approval.decided": "Approval decided",
    "status_report.sent": "Status report sent",
    "health.changed": "Project health changed",
    "project.closed": "Project closed",
}
TEST_EVENT = "webhook.test"

RETRY_BACKOFF = 60
RETRY_BACKOFF_MAX = 60 * 60
RETRY_FOR = datetime.timedelta(hours=24)
# A claim older than this is a worker that died mid-send (a send takes at most ~2 × the
# outbound TIMEOUT).
CLAIM_TIMEOUT = datetime.timedelta(minutes=5)
# Answers worth trying again: the receiver is overloaded or timed out, not refusing.
RETRY_CODES = {408, 429}
SECRET_MIN = 16


def new_secret() -> str:
    """A signing secret: 32 random bytes, URL-safe."""
    return "whsec_" + secrets.token_urlsafe(32)


def retry_delay(attempts: int) -> datetime.timedelta:
    """The wait after the ``attempts``-th failed try: 1, 2, 4 … minutes, at most an hour."""
    return datetime.timedelta(
        seconds=min(RETRY_BACKOFF * 2 ** max(attempts - 1, 0), RETRY_BACKOFF_MAX)
    )


# --- endpoints ------------------------------------------------------------------------------------


def _clean_events(events: Any) -> list[str]:
    if not isinstance(events, list | tuple) or not events:
        raise ValidationError({"events": "Choose at least one event, or “*” for all of them."})
    unknown = [e for e in events if e != "*" and e not in WEBHOOK_EVENTS]
    if unknown:
        raise ValidationError(
            {
                "events": f"Unknown event {unknown[0]!r}; the events are "
                + ", ".join(WEBHOOK_EVENTS)
                + " (or “*” for all)."
            }
        )
    return ["*"] if "*" in events else [e for e in WEBHOOK_EVENTS if e in events]


def _clean_secret(secret: str | None) -> str:
    secret = (secret or "").strip()
    if not secret:
        return new_secret()
    if len(secret) < SECRET_MIN:
        raise ValidationError(
            {
                "secret": f"Use a secret of at least {SECRET_MIN} characters, or leave it empty "
                "for Charter to make one."
            }
        )
    return secret


@transaction.atomic
def webhook_create(
    *,
    project: Project,
    by: AbstractBaseUser,
    url: str,
    events: list[str],
    secret: str | None = None,
    is_active: bool = True,
) -> Webhook:
    """Register an endpoint; without a ``secret`` Charter makes one (shown to the manager once,
    in the answer)."""
    url = url.strip()
    check_url(url)
    webhook = Webhook(
        project=project,
        url=url,
        events=_clean_events(events),
        secret=_clean_secret(secret),
        is_active=is_active,
        created_by=by,
    )
    webhook.full_clean()
    webhook.save()
    return webhook


WEBHOOK_FIELDS = ("url", "events", "secret", "is_active")


@transaction.atomic
def webhook_update(
    *, webhook: Webhook, by: AbstractBaseUser, version: int | None, **changes: Any
) -> Webhook:
    """Edit an endpoint; a stale ``version`` is refused. Switching a disabled endpoint on again
    starts its failure count afresh."""
    unknown = set(changes) - set(WEBHOOK_FIELDS)
    if unknown:
        raise ValidationError({field: "This field cannot be changed." for field in unknown})
    current = Webhook.objects.select_for_update().get(pk=webhook.pk)
    if version is not None and current.version != version:
        raise StaleEdit()
    if "url" in changes:
        current.url = changes["url"].strip()
        check_url(current.url)
    if "events" in changes:
        current.events = _clean_events(changes["events"])
    if "secret" in changes:
        current.secret = _clean_secret(changes["secret"])
    if "is_active" in changes:
        if changes["is_active"] and not current.is_active:
            current.consecutive_failures = 0
            current.disabled_at = None
        current.is_active = bool(changes["is_active"])
    current.full_clean()
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    return current


@transaction.atomic
def webhook_delete(*, webhook: Webhook, by: AbstractBaseUser) -> None:
    """Remove an endpoint with its delivery log; nothing more is sent to it."""
    webhook.delete()


# --- what is sent ---------------------------------------------------------------------------------


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _person(user: AbstractBaseUser | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "id": user.pk,
        "username": user.get_username(),
        "name": user.get_full_name() or user.get_username(),
    }


def _object(event: Event) -> dict[str, Any] | None:
    if event.content_type_id is None or event.object_id is None:
        return None
    # ContentType's own cache: a query the first time a process meets a model, then none.
    model = ContentType.objects.get_for_id(event.content_type_id).model_class()
    kind = _snake(model.__name__) if model is not None else ""
    return {"type": kind, "id": event.object_id, "label": event.object_label}


def payload_for(event: Event, *, origin: str | None = None) -> dict[str, Any]:
    """The body of ``event``'s delivery (DESIGN §5): id, type, timestamp, project, the record
    it is about, who did it, and what changed; links start with ``origin`` (the site's)."""
    data = {key: value for key, value in (event.data or {}).items() if key != "url"}
    url = (event.data or {}).get("url")
    if url:
        data["url"] = f"{origin or site_url()}{url}"
    project = event.project
    return {
        "id": str(event.pk),
        "type": event.type,
        "timestamp": event.created_at.isoformat(),
        "project": {"id": project.pk, "key": project.key, "name": project.name},
        "object": _object(event),
        "actor": _person(event.actor),
        "data": data,
    }


def body_of(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed)."""
    return json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``X-Charter-Signature``: ``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


# --- the consumer ---------------------------------------------------------------------------------


def webhooks_consume(events: list[Event]) -> int:
    """Make the deliveries of ``events`` (``projects.events`` consumer): one per active endpoint
    of the event's project that wants its type, queued after the commit. Idempotent: a pair
    already delivered is skipped by its unique constraint. One query when no project of the
    events has an endpoint, three otherwise, whatever the number of events. How many queued."""
    wanted = [event for event in events if event.type in WEBHOOK_EVENTS]
    if not wanted:
        return 0
    hooks: dict[int, list[Webhook]] = {}
    for webhook in Webhook.objects.filter(
        project_id__in={event.project_id for event in wanted}, is_active=True
    ).order_by("pk"):
        hooks.setdefault(webhook.project_id, []).append(webhook)
    if not hooks:
        return 0
    rows = []
    origin = site_url()  # read once (the cache, where SITE_URL is not set), not per event
    for event in wanted:
        targets = [hook for hook in hooks.get(event.project_id, ()) if hook.wants(event.type)]
        if not targets:
            continue
        payload = payload_for(event, origin=origin)
        rows += [
            WebhookDelivery(
                webhook=hook,
                event=event,
                event_uid=payload["id"],
                type=event.type,
                payload=payload,
            )
            for hook in targets
        ]
    if not rows:
        return 0
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    # The rows this call made are pending and untried (rows of an earlier hand-on of the same
    # events may be too: queueing those again is harmless, the claim sends each once).
    fresh = list(
        WebhookDelivery.objects.filter(
            event_id__in=[event.pk for event in wanted],
            webhook_id__in=[row.webhook_id for row in rows],
            is_redelivery=False,
            status=Status.PENDING,
            attempts=0,
        ).values_list("pk", flat=True)
    )
    for pk in fresh:
        enqueue_on_commit(DELIVER, pk)
    return len(fresh)


@transaction.atomic
def webhook_send_test(*, webhook: Webhook, by: AbstractBaseUser) -> WebhookDelivery:
    """Send a ``webhook.test`` event to the endpoint now (whatever it subscribed to, and even
    switched off: a manager checks the receiver before switching it on)."""
    project = webhook.project
    uid = f"test-{uuid.uuid4()}"
    payload = {
        "id": uid,
        "type": TEST_EVENT,
        "timestamp": timezone.now().isoformat(),
        "project": {"id": project.pk, "key": project.key, "name": project.name},
        "object": {"type": "webhook", "id": webhook.pk, "label": webhook.url},
        "actor": _person(by),
        "data": {"message": "A test event from Charter: the endpoint receives deliveries."},
    }
    delivery = WebhookDelivery.objects.create(
        webhook=webhook, event_uid=uid, type=TEST_EVENT, payload=payload
    )
    enqueue_on_commit(DELIVER, delivery.pk)
    return delivery


@transaction.atomic
def webhook_redeliver(*, delivery: WebhookDelivery, by: AbstractBaseUser) -> WebhookDelivery:
    """Send a delivery's event again, as a new delivery with the same body (the same ``id``),
    logged beside the first."""
    copy = WebhookDelivery.objects.create(
        webhook=delivery.webhook,
        event=delivery.event,
        event_uid=delivery.event_uid,
        type=delivery.type,
        payload=delivery.payload,
        is_redelivery=True,
    )
    enqueue_on_commit(DELIVER, copy.pk)
    return copy


@dataclass(frozen=True)
class _Claim:
    delivery: WebhookDelivery
    attempt: int


def _claim(delivery_id: int, now: datetime.datetime) -> _Claim | str:
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("webhook")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return "gone"
        if delivery.status in (Status.SUCCEEDED, Status.FAILED):
            return str(delivery.status)
        if (
            delivery.status == Status.SENDING
            and delivery.claimed_at is not None
            and now - delivery.claimed_at < CLAIM_TIMEOUT
        ):
            return "claimed"
        if (
            delivery.status == Status.RETRYING
            and delivery.next_attempt_at is not None
            and delivery.next_attempt_at > now
        ):
            return "waiting"
        automatic = delivery.event_id is not None and not delivery.is_redelivery
        if automatic and not delivery.webhook.is_active:
            delivery.status = Status.FAILED
            delivery.error = "Not sent: the endpoint was switched off."
            delivery.next_attempt_at = None
            delivery.save(update_fields=["status", "error", "next_attempt_at"])
            return "failed"
        delivery.status = Status.SENDING
        delivery.claimed_at = now
        delivery.attempts += 1
        delivery.next_attempt_at = None
        delivery.save(update_fields=["status", "claimed_at", "attempts", "next_attempt_at"])
    return _Claim(delivery, delivery.attempts)


def webhook_delivery_attempt(delivery_id: int, *, now: datetime.datetime | None = None) -> str:
    """One try at one delivery: "succeeded", "retrying", "failed", or why nothing was done
    ("claimed", "waiting", "gone", or the status it already has)."""
    now = now or timezone.now()
    claim = _claim(delivery_id, now)
    if isinstance(claim, str):
        return claim
    delivery = claim.delivery
    webhook = delivery.webhook
    body = body_of(delivery.payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Charter-Webhooks/1",
        "X-Charter-Event": delivery.type,
        "X-Charter-Delivery": str(delivery.pk),
        "X-Charter-Signature": signature(webhook.secret, int(time.time()), body),
    }
    code, excerpt, retry = None, "", False
    try:
        answer = post(resolve(webhook.url), headers, body)
    except UnsafeURL as error:
        text = f"Not sent: {error}"
    except SEND_ERRORS as error:
        text = describe(error)
        retry = True
    else:
        code, excerpt = answer.code, answer.excerpt
        if 200 <= code < 300:
            text = ""
        elif 300 <= code < 400:
            where = f" to {answer.location}" if answer.location else ""
            text = f"Redirected{where} (HTTP {code}): redirects are not followed; register the "
            "address it points to."
        else:
            text = f"HTTP {code}"
            retry = code >= 500 or code in RETRY_CODES
    return _record(claim, code=code, excerpt=excerpt, error=text, retry=retry)


def _record(claim: _Claim, *, code: int | None, excerpt: str, error: str, retry: bool) -> str:
    """Write the attempt's outcome (unless a later claim took the row meanwhile) and keep the
    endpoint's count of failed deliveries."""
    delivery = claim.delivery
    now = timezone.now()
    succeeded = not error
    give_up = not succeeded and (
        not retry or now + retry_delay(claim.attempt) > delivery.created_at + RETRY_FOR
    )
    with transaction.atomic():
        current = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if current.attempts != claim.attempt or current.status != Status.SENDING:
            return "superseded"
        current.response_code = code
        current.response_excerpt = excerpt
        current.error = error
        current.claimed_at = None
        if succeeded:
            current.status = Status.SUCCEEDED
            current.delivered_at = now
            current.next_attempt_at = None
        elif give_up:
            current.status = Status.FAILED
            current.next_attempt_at = None
        else:
            current.status = Status.RETRYING
            current.next_attempt_at = now + retry_delay(claim.attempt)
        current.save(
            update_fields=[
                "status",
                "response_code",
                "response_excerpt",
                "error",
                "claimed_at",
                "delivered_at",
                "next_attempt_at",
            ]
        )
        if succeeded:
            Webhook.objects.filter(pk=current.webhook_id).exclude(consecutive_failures=0).update(
                consecutive_failures=0
            )
        elif give_up:
            _count_failure(current.webhook_id)
        else:
            wait = (current.next_attempt_at - now).total_seconds()
            enqueue_on_commit(DELIVER, current.pk, countdown=wait)
    if not succeeded:
        logger.warning(
            "Webhook delivery %s to %s, attempt %s: %s%s",
            delivery.pk,
            delivery.webhook.url,
            claim.attempt,
            error,
            " (giving up)" if give_up else " (retrying)",
        )
    return str(current.status)


def _count_failure(webhook_id: int) -> None:
    """One more delivery failed for good: at ``DISABLE_AFTER`` in a row the endpoint is switched
    off and its project's managers are told, once."""
    webhook = Webhook.objects.select_for_update().select_related("project").get(pk=webhook_id)
    webhook.consecutive_failures += 1
    fields = ["consecutive_failures"]
    disable = webhook.is_active and webhook.consecutive_failures >= Webhook.DISABLE_AFTER
    if disable:
        webhook.is_active = False
        webhook.disabled_at = timezone.now()
        webhook.version += 1
        fields += ["is_active", "disabled_at", "version"]
    webhook.save(update_fields=fields)
    if disable:
        _mail_managers_disabled(webhook)


def _mail_managers_disabled(webhook: Webhook) -> None:
    project = webhook.project
    page = absolute_url(reverse("interchange:webhooks", kwargs={"pk": project.pk}))
    managers = Membership.objects.filter(project=project, role=Role.MANAGER).select_related("user")
    stamp = webhook.disabled_at.isoformat() if webhook.disabled_at else ""
    for membership in managers:
        user = membership.user
        context = {"webhook": webhook, "project": project, "page": page, "user": user}
        mail_queue(
            key=f"webhook-disabled:{webhook.pk}:{stamp}:{user.pk}",
            to=user.email,
            subject=f"[{project.key}] Webhook switched off: {webhook.url}"[:300],
            text=render_to_string("interchange/email/webhook_disabled.txt", context),
        )


def webhook_deliveries_requeue_stuck(*, now: datetime.datetime) -> int:
    """Queue again the deliveries whose task was lost (never taken, or its retry's countdown
    lost with a worker) and those of a worker that died mid-send; the claim makes a copy
    harmless."""
    overdue = now - datetime.timedelta(minutes=settings.REQUEUE_AFTER_MINUTES)
    stuck = list(
        WebhookDelivery.objects.filter(
            Q(status=Status.RETRYING, next_attempt_at__lt=overdue)
            | Q(status=Status.PENDING, created_at__lt=overdue)
            | Q(status=Status.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    for pk in stuck:
        enqueue_on_commit(DELIVER, pk)
    if stuck:
        logger.warning("Queued %s stuck webhook deliveries again.", len(stuck))
    return len(stuck)
