"""Meetings, the decision log and action items."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from projects.display import human_timestamp
from projects.models import AttachmentsRelation, CommentsRelation, Project
from projects.models.checks import PythonChecksMixin
from stakeholders.models.register import Stakeholder


class Meeting(PythonChecksMixin, models.Model):
    # What goes into the calendar invitation: a change to one of these bumps ``sequence``.
    INVITATION_FIELDS = ("kind", "title", "starts_at", "ends_at", "location", "agenda")

    class Kind(models.TextChoices):
        DAILY_STANDUP = "daily_standup", "Daily stand-up"
        SPRINT_REVIEW = "sprint_review", "Sprint review"
        RETROSPECTIVE = "retrospective", "Retrospective"
        STEERING_COMMITTEE = "steering_committee", "Steering committee"
        GATE_REVIEW = "gate_review", "Gate review"
        KICK_OFF = "kick_off", "Kick-off"
        OTHER = "other", "Other"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(max_length=24, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    location = models.CharField(max_length=300, blank=True, help_text="Room or call link.")
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    stakeholders = models.ManyToManyField(
        Stakeholder, blank=True, related_name="meetings", verbose_name="stakeholders attending"
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="charter_meetings",
        verbose_name="members attending",
    )
    agenda = models.TextField(blank=True)
    minutes = models.TextField(blank=True)
    # The calendar identity: UID stays for the meeting's life, SEQUENCE counts its revisions,
    # so calendars update the invitation they already hold instead of adding a second one.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    attachments = AttachmentsRelation()
    history = HistoricalRecords(
        excluded_fields=["updated_at", "version"], m2m_fields=[stakeholders, attendees]
    )

    class Meta:
        ordering = ["project", "-starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="meeting_ends_after_it_starts",
                violation_error_message="A meeting must end after it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({human_timestamp(self.starts_at)})"

    def clean(self) -> None:
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "A meeting must end after it starts."})


class Decision(models.Model):
    """An entry in the decision log."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="decisions")
    title = models.CharField("what was decided", max_length=300)
    decided_by = models.CharField(
        max_length=200, help_text="Who decided: a person or a body, e.g. Steering committee."
    )
    date = models.DateField()
    rationale = models.TextField(blank=True)
    meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    comments = CommentsRelation(listing="stakeholders:decisions")
    attachments = AttachmentsRelation()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["project", "-date", "-id"]

    def __str__(self) -> str:
        return self.title


class ActionItemQuerySet(models.QuerySet):
    def for_project(self, project: Project) -> ActionItemQuerySet:
        return self.filter(project=project)

    def open(self) -> ActionItemQuerySet:
        return self.filter(status=ActionItem.Status.OPEN)

    def overdue(self, today: datetime.date) -> ActionItemQuerySet:
        """Still open after their due date."""
        return self.open().filter(due_date__lt=today)

    def owned_by(self, user) -> ActionItemQuerySet:
        return self.filter(owner=user)


class ActionItem(PythonChecksMixin, models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="action_items")
    title = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="charter_action_items",
    )
    due_date = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(null=True, blank=True, editable=False)
    meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="action_items"
    )
    notes = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    comments = CommentsRelation(listing="stakeholders:actions")
    attachments = AttachmentsRelation()
    history = HistoricalRecords(excluded_fields=["version"])
    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["project", "due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", done_at__isnull=True)
                | Q(status="done", done_at__isnull=False),
                name="action_item_done_at_iff_done",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today: datetime.date) -> bool:
        return self.status == self.Status.OPEN and self.due_date < today
