"""The event source: every domain change worth telling anyone about, recorded once.

An ``Event`` is written in the same transaction as the change it describes (so a rolled-back
edit tells nobody anything), by ``projects.events.record_event``. Its consumers run after the
commit, on the worker: notifications (``projects.services.notifications``) today, webhooks and
cross-project alerts later. Events live on the ground floor so every app can record them; the
record they are about is named generically (content type and id) and by a label kept with the
event, so a deleted task's event still reads "Task 'Cut-over rehearsal'".

Notifications, people's choices about them, and what they watch are here too: they are the
event source's first consumer and every app's records can be watched.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

from projects.display import DateFormat
from projects.models.checks import PythonChecksMixin
from projects.models.project import Project, validate_time_zone


class Event(models.Model):
    """Something that happened in a project: ``type`` (``task.assigned``, ``milestone.slipped``,
    …; the catalogue is ``projects.events.EVENT_TYPES``), the record it is about, who did it
    (None: Charter itself, e.g. a recompute or the nightly due-date check) and ``data``: what
    changed, as the consumers need it (old and new values, the people concerned)."""

    type = models.CharField(max_length=64)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    content_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    object_label = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)
    # Set once the consumers have taken it (notifications fanned out); the sweeper hands on the
    # events a lost task left behind.
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["project", "-created_at"], name="event_project_recent"),
            models.Index(fields=["content_type", "object_id"], name="event_target"),
            models.Index(
                fields=["created_at"],
                condition=Q(dispatched_at__isnull=True),
                name="event_undispatched",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} in {self.project_id}: {self.object_label}"


class Notification(PythonChecksMixin, models.Model):
    """One event told to one person, once (the unique pair is what makes a fan-out that runs
    twice tell nobody twice). ``reason`` says why they hear of it."""

    class Reason(models.TextChoices):
        ASSIGNED = "assigned", "Assigned to you"
        MENTIONED = "mentioned", "You were mentioned"
        COMMENT = "comment", "Comment on something you own"
        APPROVAL = "approval", "Approvals"
        DUE = "due", "Due tomorrow or overdue"
        MILESTONE = "milestone", "Milestone slipped"
        SCHEDULE = "schedule", "Plan moved by another project"
        STATUS_REPORT = "status_report", "Status report sent"
        INVITATION = "invitation", "Invitation accepted"
        WATCHING = "watching", "Something you watch changed"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="notifications")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # The daily digest that carried it (None: not yet, or not a digest kind for this person).
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event"], name="notification_once_per_person"
            ),
            models.CheckConstraint(
                condition=Q(
                    reason__in=[
                        "assigned",
                        "mentioned",
                        "comment",
                        "approval",
                        "due",
                        "milestone",
                        "schedule",
                        "status_report",
                        "invitation",
                        "watching",
                    ]
                ),
                name="notification_reason_known",
            ),
        ]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} for {self.recipient_id}"


class NotificationPreference(PythonChecksMixin, models.Model):
    """How a person wants to hear of one kind of notification (a ``Notification.Reason``);
    without a row, ``projects.services.notifications.DEFAULT_CHANNELS`` decides."""

    class Channel(models.TextChoices):
        EMAIL = "email", "In Charter and by e-mail at once"
        DIGEST = "digest", "In Charter and in the daily digest"
        IN_APP = "in_app", "In Charter only"
        OFF = "off", "Off"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    reason = models.CharField(max_length=16, choices=Notification.Reason.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)

    class Meta:
        ordering = ["user", "reason"]
        constraints = [
            models.UniqueConstraint(fields=["user", "reason"], name="preference_once_per_kind"),
            models.CheckConstraint(
                condition=Q(channel__in=["email", "digest", "in_app", "off"]),
                name="preference_channel_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.reason} → {self.channel}"


class Watch(models.Model):
    """A person follows a record: they hear of every event about it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "user"], name="watch_once_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} watches {self.content_type_id}:{self.object_id}"


class Profile(models.Model):
    """What a person chooses for themselves: the time zone their timestamps and their daily
    digest follow (business dates stay in each project's zone) and how pages write a date."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="charter_profile"
    )
    time_zone = models.CharField(max_length=64, blank=True, validators=[validate_time_zone])
    date_format = models.CharField(
        max_length=16, choices=DateFormat.choices, default=DateFormat.DAY_MONTH_NAME
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(date_format__in=DateFormat.values), name="profile_date_format_known"
            )
        ]

    def __str__(self) -> str:
        return f"Profile of {self.user_id}"
