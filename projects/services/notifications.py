"""Notifications: the event source's first consumer (in-app, e-mail at once, daily digest).

``fan_out(event_ids)`` runs on the worker after an event's transaction committed. For each event
it finds who should hear of it and why (``Notification.Reason``): the person a record was
assigned to, those mentioned in a comment, the owner of the record commented on, the approver
and the requester of an approval, every member when a milestone slips or a status report goes
out, the inviter when an invitation is accepted, and everyone watching the record. Only current
members of the event's project hear anything (nobody is told of what is not theirs), and never
of their own doing. Each person's choice for that kind (``NotificationPreference``, else
``DEFAULT_CHANNELS``) decides: off, in Charter, in Charter and by e-mail at once (one
``OutgoingMail`` per person and event, exactly once), or in Charter and in the daily digest.

The work is a fixed number of queries per batch of events, whatever the number of recipients:
members, watchers, preferences and addresses are read once, notifications and e-mails written
in one INSERT each (the unique pairs make a second run write nothing).

``digests_send(now)`` is the hourly beat's: everyone for whom it is 08:00 in their own time zone
gets one e-mail listing what their digest kinds brought since the last one.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from projects.events import EVENT_TYPES
from projects.mail import mail_queue_many
from projects.models import Membership, Project, Role, validate_time_zone
from projects.models.event import Event, Notification, NotificationPreference, Profile, Watch
from projects.models.mail import OutgoingMail
from projects.site import absolute_url

Reason = Notification.Reason
Channel = NotificationPreference.Channel

DEFAULT_CHANNELS: dict[str, str] = {
    Reason.ASSIGNED: Channel.EMAIL,
    Reason.MENTIONED: Channel.EMAIL,
    Reason.APPROVAL: Channel.EMAIL,
    Reason.COMMENT: Channel.DIGEST,
    Reason.DUE: Channel.DIGEST,
    Reason.MILESTONE: Channel.DIGEST,
    Reason.SCHEDULE: Channel.EMAIL,
    Reason.STATUS_REPORT: Channel.IN_APP,
    Reason.INVITATION: Channel.EMAIL,
    Reason.WATCHING: Channel.DIGEST,
}

# Events whose e-mail is the record's own (the approval request carries its decision link): the
# notification stays in Charter so that nobody gets the same news twice.
OWN_EMAIL = {"approval.requested"}

DIGEST_HOUR = 8
UNSUBSCRIBE_SALT = "charter.notifications.unsubscribe"


# --- who hears of an event ----------------------------------------------------------------------


def _people(data: dict[str, Any], key: str) -> list[int]:
    value = data.get(key)
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [int(v) for v in value if v is not None]
    return [int(value)]


def _owners(events: list[Event]) -> dict[int, int]:
    """The owner of each commented record, by event id (one query per kind of record)."""
    wanted: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for event in events:
        if event.type == "comment.created" and event.content_type_id and event.object_id:
            wanted[event.content_type_id][event.object_id].append(event.pk)
    owners: dict[int, int] = {}
    for content_type_id, by_object in wanted.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None or not any(f.name == "owner" for f in model._meta.fields):
            continue
        rows = model._default_manager.filter(pk__in=list(by_object)).values_list("pk", "owner_id")
        for pk, owner_id in rows:
            if owner_id is not None:
                for event_id in by_object[pk]:
                    owners[event_id] = owner_id
    return owners


def _candidates(
    event: Event,
    members: set[int],
    managers: set[int],
    owners: dict[int, int],
    watchers: dict[tuple[int, int], list[int]],
) -> dict[int, str]:
    """Who hears of ``event`` and why (the first reason found wins)."""
    data = event.data or {}
    found: list[tuple[int, str]] = []
    kind = event.type
    if kind.endswith(".assigned"):
        found += [(user, Reason.ASSIGNED) for user in _people(data, "assignee")]
    elif kind.endswith(".due"):
        found += [(user, Reason.DUE) for user in _people(data, "assignee")]
    elif kind == "comment.created":
        found += [(user, Reason.MENTIONED) for user in _people(data, "mentions")]
        if event.pk in owners:
            found.append((owners[event.pk], Reason.COMMENT))
    elif kind == "comment.edited":
        found += [(user, Reason.MENTIONED) for user in _people(data, "mentions")]
    elif kind == "approval.requested":
        found += [(user, Reason.APPROVAL) for user in _people(data, "approver")]
    elif kind == "approval.decided":
        found += [(user, Reason.APPROVAL) for user in _people(data, "requested_by")]
    elif kind == "milestone.slipped":
        found += [(user, Reason.MILESTONE) for user in sorted(members)]
    elif kind == "schedule.recomputed" and data.get("external"):
        # Moved by the worker carrying another project's change: nobody here made the edit.
        found += [(user, Reason.SCHEDULE) for user in sorted(managers)]
    elif kind == "status_report.sent":
        found += [(user, Reason.STATUS_REPORT) for user in sorted(members)]
    elif kind == "invitation.accepted":
        found += [(user, Reason.INVITATION) for user in _people(data, "invited_by")]
    # An edited comment tells only the people it newly mentions: the owner and the watchers
    # heard of the comment when it was written, and a reworded comment is not news to them.
    if event.content_type_id and event.object_id and kind != "comment.edited":
        key = (event.content_type_id, event.object_id)
        found += [(user, Reason.WATCHING) for user in watchers.get(key, [])]
    chosen: dict[int, str] = {}
    for user, reason in found:
        if user == event.actor_id or user not in members or user in chosen:
            continue
        chosen[user] = reason
    return chosen


def channels_for(users: Iterable[int]) -> dict[tuple[int, str], str]:
    """Each person's stored choice per kind (defaults are not in the mapping)."""
    rows = NotificationPreference.objects.filter(user_id__in=list(users)).values_list(
        "user_id", "reason", "channel"
    )
    return {(user, reason): channel for user, reason, channel in rows}


def channel_of(choices: dict[tuple[int, str], str], user: int, reason: str) -> str:
    return choices.get((user, reason), DEFAULT_CHANNELS[reason])


# --- what a notification says -------------------------------------------------------------------


def describe(event: Event) -> str:
    """The sentence a person reads for ``event``."""
    data = event.data or {}
    words = {
        "object": event.object_label or "",
        "to": data.get("to", ""),
        "when": data.get("when", ""),
        "decision": data.get("decision", "decided"),
        # Not which project: not every reader may see it.
        "because": ", after a change in a project it waits for" if data.get("external") else "",
    }
    template = EVENT_TYPES.get(event.type, event.type)
    try:
        return template.format(**words)
    except (KeyError, IndexError):
        return template


def link_of(event: Event) -> str:
    """Where the notification takes the person: the record's page, else the project's."""
    url = (event.data or {}).get("url")
    if url:
        return url
    return reverse("projects:overview", kwargs={"pk": event.project_id})


def unsubscribe_token(user_id: int, reason: str) -> str:
    return signing.dumps({"u": user_id, "r": reason}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(user_id: int, reason: str) -> str:
    return absolute_url(
        reverse("projects:notifications_unsubscribe", args=[unsubscribe_token(user_id, reason)])
    )


def _mail_for(event: Event, project: Project, user: AbstractBaseUser, reason: str) -> OutgoingMail:
    sentence = describe(event)
    context = {
        "sentence": sentence,
        "event": event,
        "project": project,
        "reason": Reason(reason).label,
        "actor": event.actor.get_full_name() or event.actor.get_username() if event.actor else "",
        "excerpt": (event.data or {}).get("excerpt", ""),
        "url": absolute_url(link_of(event)),
        "unsubscribe_url": unsubscribe_url(user.pk, reason),
        "preferences_url": absolute_url(reverse("projects:notification_settings")),
    }
    return OutgoingMail(
        key=f"notification:{event.pk}:{user.pk}",
        to=user.email,
        subject=f"[{project.key}] {sentence}",
        text=render_to_string("projects/email/notification.txt", context),
        html=render_to_string("projects/email/notification.html", context),
        headers={
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


# --- the fan-out --------------------------------------------------------------------------------


@dataclass
class FanOut:
    notifications: int = 0
    emails: int = 0


def fan_out(event_ids: list[int]) -> FanOut:
    """Tell everyone concerned of the events ``event_ids`` (idempotent: a second run writes
    nothing). ``projects.events.dispatch`` calls ``notify`` with the events it loaded."""
    events = list(
        Event.objects.filter(pk__in=event_ids).select_related("project", "actor").order_by("pk")
    )
    with transaction.atomic():
        return notify(events)


def notify(events: list[Event]) -> FanOut:
    """The event source's notifications consumer: what was written for ``events``."""
    if not events:
        return FanOut()
    project_ids = {event.project_id for event in events}
    members: dict[int, set[int]] = defaultdict(set)
    managers: dict[int, set[int]] = defaultdict(set)
    for project_id, user_id, role in Membership.objects.filter(
        project_id__in=project_ids, user__is_active=True
    ).values_list("project_id", "user_id", "role"):
        members[project_id].add(user_id)
        if role == Role.MANAGER:
            managers[project_id].add(user_id)
    watchers: dict[tuple[int, int], list[int]] = defaultdict(list)
    targets = {(e.content_type_id, e.object_id) for e in events if e.content_type_id}
    if targets:
        for content_type_id, object_id, user_id in Watch.objects.filter(
            project_id__in=project_ids, object_id__in={object_id for _, object_id in targets}
        ).values_list("content_type_id", "object_id", "user_id"):
            if (content_type_id, object_id) in targets:
                watchers[(content_type_id, object_id)].append(user_id)
    owners = _owners(events)
    chosen = {
        event.pk: _candidates(
            event, members[event.project_id], managers[event.project_id], owners, watchers
        )
        for event in events
    }
    everyone = {user for people in chosen.values() for user in people}
    choices = channels_for(everyone)
    users = {
        user.pk: user
        for user in get_user_model().objects.filter(pk__in=everyone).only("pk", "email", "username")
    }
    rows: list[Notification] = []
    mails: list[OutgoingMail] = []
    now = timezone.now()
    for event in events:
        for user_id, reason in chosen[event.pk].items():
            channel = channel_of(choices, user_id, reason)
            if channel == Channel.OFF:
                continue
            rows.append(
                Notification(recipient_id=user_id, event=event, reason=reason, created_at=now)
            )
            if channel == Channel.EMAIL and event.type not in OWN_EMAIL:
                user = users.get(user_id)
                if user is not None and user.email:
                    mails.append(_mail_for(event, event.project, user, reason))
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    emails = mail_queue_many(mails)
    return FanOut(notifications=len(rows), emails=emails)


# --- reading and marking ------------------------------------------------------------------------


def notifications_for(user: AbstractBaseUser) -> QuerySet[Notification]:
    """The person's notifications, newest first, with what a list shows (a fixed number of
    queries): only of projects they are still a member of."""
    return (
        Notification.objects.filter(recipient=user, event__project__memberships__user=user)
        .select_related("event", "event__project", "event__actor")
        .order_by("-created_at", "-pk")
    )


def unread_count(user: AbstractBaseUser) -> int:
    if not user.is_authenticated:
        return 0
    return notifications_for(user).filter(read_at__isnull=True).count()


def notification_mark_read(*, notification: Notification, by: AbstractBaseUser) -> Notification:
    if notification.recipient_id != by.pk:
        raise ValidationError("That notification is not yours.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk).update(read_at=notification.read_at)
    return notification


def notifications_mark_all_read(*, by: AbstractBaseUser) -> int:
    return Notification.objects.filter(recipient=by, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- preferences, watching, unsubscribing -------------------------------------------------------


def preferences_of(user: AbstractBaseUser) -> dict[str, str]:
    """Every kind with the person's channel for it (their choice, else the default)."""
    stored = {
        reason: channel
        for reason, channel in NotificationPreference.objects.filter(user=user).values_list(
            "reason", "channel"
        )
    }
    return {reason: stored.get(reason, DEFAULT_CHANNELS[reason]) for reason in Reason.values}


@transaction.atomic
def preferences_update(
    *, user: AbstractBaseUser, choices: dict[str, str], time_zone: str | None = None
) -> dict[str, str]:
    """Store the person's channel per kind (``choices``) and, when given, their time zone."""
    errors = {}
    for reason, channel in choices.items():
        if reason not in Reason.values:
            errors[reason] = "Unknown kind of notification."
        elif channel not in Channel.values:
            errors[reason] = f"Choose one of: {', '.join(Channel.values)}."
    if errors:
        raise ValidationError(errors)
    if time_zone:
        try:
            validate_time_zone(time_zone)
        except ValidationError:
            raise ValidationError({"time_zone": f"{time_zone} is not a time zone."}) from None
    for reason, channel in choices.items():
        NotificationPreference.objects.update_or_create(
            user=user, reason=reason, defaults={"channel": channel}
        )
    if time_zone is not None:
        Profile.objects.update_or_create(user=user, defaults={"time_zone": time_zone})
    return preferences_of(user)


def unsubscribe_reason(token: str) -> str:
    """The kind a signed unsubscribe link names (ValidationError for a bad link)."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        raise ValidationError("This unsubscribe link is not valid.") from None
    reason = payload.get("r")
    if reason not in Reason.values:
        raise ValidationError("This unsubscribe link is not valid.")
    return reason


def unsubscribe(*, token: str) -> tuple[AbstractBaseUser, str]:
    """Turn e-mail off for the kind the signed link names (it stays in Charter): the one-click
    unsubscribe of every notification e-mail. Raises ValidationError for a bad link."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        raise ValidationError("This unsubscribe link is not valid.") from None
    user = get_user_model().objects.filter(pk=payload.get("u"), is_active=True).first()
    reason = payload.get("r")
    if user is None or reason not in Reason.values:
        raise ValidationError("This unsubscribe link is not valid.")
    NotificationPreference.objects.update_or_create(
        user=user, reason=reason, defaults={"channel": Channel.IN_APP}
    )
    return user, reason


def watch(*, user: AbstractBaseUser, project: Project, target: Any) -> Watch:
    watch, _ = Watch.objects.get_or_create(
        user=user,
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
        defaults={"project": project},
    )
    return watch


def unwatch(*, user: AbstractBaseUser, target: Any) -> None:
    Watch.objects.filter(
        user=user, content_type=ContentType.objects.get_for_model(target), object_id=target.pk
    ).delete()


def is_watching(user: AbstractBaseUser, target: Any) -> bool:
    return Watch.objects.filter(
        user=user, content_type=ContentType.objects.get_for_model(target), object_id=target.pk
    ).exists()


# --- the daily digest ---------------------------------------------------------------------------


def zone_of(profile_zone: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(profile_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


@dataclass
class DigestRun:
    people: int = 0
    notifications: int = 0


def digests_send(*, now: datetime.datetime | None = None, chunk: int = 2000) -> DigestRun:
    """E-mail the daily digest to everyone for whom it is ``DIGEST_HOUR`` o'clock in their own
    time zone and who has undigested notifications of a kind they want as a digest. One e-mail
    per person per local day (its key), whatever how often this runs; queries per chunk of
    people, not per notification."""
    now = now or timezone.now()
    waiting = list(
        Notification.objects.filter(
            digested_at__isnull=True, created_at__gt=now - datetime.timedelta(days=7)
        )
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    zones = dict(Profile.objects.filter(user_id__in=waiting).values_list("user_id", "time_zone"))
    due: list[tuple[int, datetime.date]] = []
    for user_id in waiting:
        local = now.astimezone(zone_of(zones.get(user_id)))
        if local.hour == DIGEST_HOUR:
            due.append((user_id, local.date()))
    run = DigestRun()
    for start in range(0, len(due), chunk):
        run_chunk = _digest_chunk(due[start : start + chunk], now)
        run.people += run_chunk.people
        run.notifications += run_chunk.notifications
    return run


@transaction.atomic
def _digest_chunk(due: list[tuple[int, datetime.date]], now: datetime.datetime) -> DigestRun:
    days = dict(due)
    choices = channels_for(days)
    notifications = (
        Notification.objects.filter(
            recipient_id__in=list(days),
            digested_at__isnull=True,
            created_at__gt=now - datetime.timedelta(days=7),
            event__project__memberships__user_id=F("recipient_id"),
        )
        .select_related("event", "event__project", "recipient")
        .order_by("recipient_id", "event__project__key", "created_at")
    )
    by_person: dict[int, list[Notification]] = defaultdict(list)
    last = 0
    users: dict[int, AbstractBaseUser] = {}
    for notification in notifications:
        user_id = notification.recipient_id
        last = max(last, notification.pk)
        if channel_of(choices, user_id, notification.reason) != Channel.DIGEST:
            continue
        users[user_id] = notification.recipient
        by_person[user_id].append(notification)
    mails = []
    for user_id, items in by_person.items():
        user = users[user_id]
        if not user.email:
            continue
        groups: dict[str, list[dict[str, str]]] = defaultdict(list)
        for notification in items:
            event = notification.event
            groups[f"{event.project.key} — {event.project.name}"].append(
                {"sentence": describe(event), "url": absolute_url(link_of(event))}
            )
        context = {
            "user": user,
            "groups": dict(groups),
            "count": len(items),
            "day": days[user_id],
            "preferences_url": absolute_url(reverse("projects:notification_settings")),
            "notifications_url": absolute_url(reverse("projects:notifications")),
        }
        mails.append(
            OutgoingMail(
                key=f"digest:{user_id}:{days[user_id].isoformat()}",
                to=user.email,
                subject=f"Charter: {len(items)} update{'s' if len(items) != 1 else ''} for you",
                text=render_to_string("projects/email/digest.txt", context),
                html=render_to_string("projects/email/digest.html", context),
            )
        )
    mail_queue_many(mails)
    # Everything read is digested (kinds the person wants otherwise too: they are not waiting).
    Notification.objects.filter(
        recipient_id__in=list(days), digested_at__isnull=True, pk__lte=last
    ).update(digested_at=now)
    return DigestRun(people=len(mails), notifications=sum(len(v) for v in by_person.values()))
