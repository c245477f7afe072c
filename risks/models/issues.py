"""The issue log: what is going wrong now (a risk that happened becomes one, DESIGN §4)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from projects.models import AttachmentsRelation, CommentsRelation, Project
from projects.models.checks import PythonChecksMixin
from risks.models.register import Risk


class IssueQuerySet(models.QuerySet):
    def for_project(self, project: Project) -> IssueQuerySet:
        return self.filter(project=project)

    def unresolved(self) -> IssueQuerySet:
        return self.filter(status__in=Issue.UNRESOLVED)

    def overdue(self, today: datetime.date) -> IssueQuerySet:
        return self.unresolved().filter(due_date__lt=today)


class Issue(PythonChecksMixin, models.Model):
    class Priority(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"
        CRITICAL = "critical", "Critical"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    UNRESOLVED = (Status.OPEN, Status.IN_PROGRESS)

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="issues")
    number = models.PositiveIntegerField(editable=False, help_text="I-1, I-2, … in the project.")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.MEDIUM)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_issues",
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(blank=True, help_text="How it was resolved.")
    # One issue per risk: "this risk occurred" twice finds the same issue.
    risk = models.OneToOneField(
        Risk,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="issue",
        help_text="The risk this issue is the occurrence of.",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
    )
    resolved_on = models.DateField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    comments = CommentsRelation(listing="risks:issues")
    attachments = AttachmentsRelation()
    history = HistoricalRecords(excluded_fields=["version", "updated_at"])
    objects = IssueQuerySet.as_manager()

    class Meta:
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="issue_number_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "in_progress"]) | ~Q(resolution=""),
                name="issue_resolved_says_how",
                violation_error_message="Say how the issue was resolved.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"I-{self.number}" if self.number else "I-?"

    def clean(self) -> None:
        super().clean()
        if self.status not in self.UNRESOLVED and not self.resolution.strip():
            raise ValidationError(
                {"resolution": "Say how the issue was resolved before resolving or closing it."}
            )
