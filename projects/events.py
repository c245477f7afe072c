"""Recording events: ``record_event`` writes one in the caller's transaction and hands it to
the consumers after the commit (DESIGN §1: events live on the ground floor).

A service that changes something worth telling anyone about calls it next to its write::

    record_event("risk.assigned", project=project, target=risk, actor=by,
                 data={"assignee": risk.owner_id})

Nothing is told if the transaction rolls back: the event row goes with it, and the dispatch
task is queued only on commit. ``EVENT_TYPES`` is the catalogue: every type a service may record,
with the words a person reads. Consumers register with ``register_consumer`` from their app's
``ready()`` and get every event once it committed (``dispatch``, run by the worker's
``projects.tasks.dispatch_event``): notifications (``projects.services.notifications.notify``),
webhooks (interchange).
"""

from __future__ import annotations

import datetime
import logging
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import Truncator

from projects import clock
from projects.models import Project
from projects.models.event import Event
from projects.queue import enqueue_on_commit

logger = logging.getLogger(__name__)

DISPATCH = "projects.tasks.dispatch_event"
DISPATCH_MANY = "projects.tasks.dispatch_events"

# type → how a notification names it ("{object}" is the record's label).
EVENT_TYPES: dict[str, str] = {
    "task.assigned": "{object} was assigned to you",
    "action_item.assigned": "{object} was assigned to you",
    "risk.assigned": "{object} was assigned to you",
    "risk_action.assigned": "{object} was assigned to you",
    "issue.assigned": "{object} was assigned to you",
    "task.due": "{object} is {when}",
    "action_item.due": "{object} is {when}",
    "timesheet.due": "Your timesheet for {when} is not submitted",
    "comment.created": "New comment on {object}",
    "comment.edited": "A comment on {object} now mentions you",
    "attachment.added": "A file was attached to {object}",
    "attachment.deleted": "A file was removed from {object}",
    "approval.requested": "Your approval is asked: {object}",
    "approval.decided": "{object}: {decision}",
    "milestone.slipped": "{object} slipped to {to}",
    "schedule.recomputed": "The plan's finish moved to {to}{because}",
    "external_dependency.added": "{object} now waits for a task of another project",
    "external_dependency.removed": "{object} no longer waits for a task of another project",
    "status_report.sent": "{object} was sent",
    "invitation.accepted": "{object} accepted your invitation",
    # Told to watchers of the record only (and to webhooks): record-level news, not personal.
    "task.created": "{object} was added",
    "task.updated": "{object} was changed",
    "task.deleted": "{object} was deleted",
    "risk.created": "{object} was raised",
    "risk.escalated": "{object} rose to {to}",
    "issue.opened": "{object} was opened",
    "change_request.decided": "{object}: {decision}",
    "health.changed": "The project's health is now {to}",
    "project.closed": "{object} was closed",
    # For consumers (the forecast's re-run measures the new target): nobody is notified.
    "project.target_changed": "The target finish moved to {to}",
}


def label_of(target: models.Model | None) -> str:
    """How the record is named in events and notifications: "<Kind> '<its name>'"."""
    if target is None:
        return ""
    if isinstance(target, AbstractBaseUser):
        return target.get_full_name() or target.get_username()
    kind = str(target._meta.verbose_name).capitalize()
    return Truncator(f"{kind} '{target}'").chars(300)


def _event(
    type: str,
    *,
    project: Project | int,
    target: models.Model | None,
    actor: AbstractBaseUser | None,
    data: dict[str, Any] | None,
) -> Event:
    if type not in EVENT_TYPES:
        raise ValueError(f"Unknown event type {type!r}: add it to projects.events.EVENT_TYPES.")
    project_id = project if isinstance(project, int) else project.pk
    return Event(
        type=type,
        project_id=project_id,
        content_type=ContentType.objects.get_for_model(target) if target is not None else None,
        object_id=target.pk if target is not None else None,
        object_label=label_of(target),
        actor=actor if actor is not None and actor.is_authenticated else None,
        data=data or {},
        created_at=timezone.now(),
    )


def record_event(
    type: str,
    *,
    project: Project | int,
    target: models.Model | None = None,
    actor: AbstractBaseUser | None = None,
    data: dict[str, Any] | None = None,
) -> Event:
    """Record that ``type`` happened to ``target`` in ``project`` by ``actor`` (None: Charter
    itself), with ``data`` saying what changed; consumers hear of it once the caller's
    transaction commits."""
    event = _event(type, project=project, target=target, actor=actor, data=data)
    event.save()
    enqueue_on_commit(DISPATCH, event.pk)
    return event


def record_events(events: Iterable[Event]) -> list[Event]:
    """Record many events built with ``build_event`` in one INSERT, dispatched by one task."""
    rows = Event.objects.bulk_create(list(events))
    if rows:
        enqueue_on_commit(DISPATCH_MANY, [row.pk for row in rows])
    return rows


def build_event(
    type: str,
    *,
    project: Project | int,
    target: models.Model | None = None,
    actor: AbstractBaseUser | None = None,
    data: dict[str, Any] | None = None,
) -> Event:
    """An unsaved event, for ``record_events``."""
    return _event(type, project=project, target=target, actor=actor, data=data)


def record_assignment(
    kind: str,
    target: models.Model,
    *,
    project: Project | int,
    before: int | None,
    actor: AbstractBaseUser | None,
    url: str = "",
    field: str = "owner_id",
) -> Event | None:
    """Record ``<kind>.assigned`` when ``target``'s owner is now someone else than ``before``
    (a new record counts as assigned from nobody); nothing when it is unassigned or unchanged."""
    after = getattr(target, field)
    if after is None or after == before:
        return None
    return record_event(
        f"{kind}.assigned",
        project=project,
        target=target,
        actor=actor,
        data={"assignee": after, "previous": before, "url": url},
    )


def events_requeue_undispatched(*, now: datetime.datetime) -> int:
    """Hand the consumers again the events a lost task left undispatched (the sweeper's work;
    a fan-out that runs twice tells nobody twice)."""
    overdue = now - datetime.timedelta(minutes=settings.REQUEUE_AFTER_MINUTES)
    waiting = list(
        Event.objects.filter(dispatched_at__isnull=True, created_at__lt=overdue)
        .order_by("pk")
        .values_list("pk", flat=True)[:2000]
    )
    if waiting:
        enqueue_on_commit(DISPATCH_MANY, waiting)
    return len(waiting)


@dataclass(frozen=True)
class Due:
    """A record with a due date, as the nightly reminder reads it."""

    target: models.Model
    project_id: int
    time_zone: str
    assignee: int | None
    due: datetime.date
    url: str = ""


def due_reminders_record(kind: str, items: Iterable[Due]) -> int:
    """Record ``<kind>.due`` for each item due tomorrow or overdue since yesterday, in its
    project's time zone (each record is told once per state: the day before, and the first day
    it is late). Items without an assignee are skipped; a second run the same day records
    nothing new. How many were recorded."""
    type = f"{kind}.due"
    wanted: list[tuple[Due, str]] = []
    for item in items:
        if item.assignee is None:
            continue
        today = clock.today(_zone(item.time_zone))
        if item.due == today + datetime.timedelta(days=1):
            wanted.append((item, "due tomorrow"))
        elif item.due == today - datetime.timedelta(days=1):
            wanted.append((item, "overdue"))
    if not wanted:
        return 0
    content_type = ContentType.objects.get_for_model(wanted[0][0].target)
    seen = set(
        Event.objects.filter(
            type=type,
            content_type=content_type,
            object_id__in=[item.target.pk for item, _ in wanted],
            created_at__gt=clock.now() - datetime.timedelta(hours=36),
        ).values_list("object_id", "data__when")
    )
    events = [
        build_event(
            type,
            project=item.project_id,
            target=item.target,
            data={
                "assignee": item.assignee,
                "when": when,
                "date": item.due.isoformat(),
                "url": item.url,
            },
        )
        for item, when in wanted
        if (item.target.pk, when) not in seen
    ]
    return len(record_events(events))


def _zone(name: str) -> datetime.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


# --- consumers ----------------------------------------------------------------------------------

Consumer = Callable[[list[Event]], Any]
_consumers: dict[str, Consumer] = {}


def register_consumer(name: str, consumer: Consumer) -> None:
    """Register ``consumer(events)`` to hear of every event (from an ``AppConfig.ready()``:
    notifications here, webhooks in interchange). It must be idempotent: an event is handed on
    again when a consumer failed or a task was lost."""
    _consumers[name] = consumer


def dispatch(event_ids: list[int]) -> dict[str, Any]:
    """Hand the events ``event_ids`` not yet dispatched to every consumer, each in a savepoint
    of its own, and mark them dispatched once all succeeded (else the sweeper hands them on
    again). What each consumer returned, by name."""
    results: dict[str, Any] = {}
    with transaction.atomic():
        events = list(
            Event.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(pk__in=event_ids, dispatched_at__isnull=True)
            .select_related("project", "actor")
            .order_by("pk")
        )
        if not events:
            return results
        failed = False
        for name, consumer in _consumers.items():
            try:
                with transaction.atomic():
                    results[name] = consumer(events)
            except Exception:  # one consumer's failure must not silence the others
                logger.exception("Event consumer %s failed on events %s", name, event_ids)
                failed = True
        if not failed:
            Event.objects.filter(pk__in=[event.pk for event in events]).update(
                dispatched_at=timezone.now()
            )
    return results
