"""Weekly status reports, their archive, and the e-mail deliveries that make "exactly once" true.

A ``StatusReport`` is one project's report for one reporting week (unique per project and week,
so building it twice in a week returns the same report). Its figures are frozen in ``content``
when it is built, so the archive shows what was sent, not what the numbers are today; the
manager's ``summary`` stays editable until the report is sent.

A ``StatusReportDelivery`` is one recipient of one report (unique per report and e-mail address):
the send task claims the row under a lock before it talks to SMTP and marks it sent after, so a
task delivered twice, or a second "send now", finds it sent and does nothing. A worker that dies
mid-send leaves the row ``sending`` with a ``claimed_at``; after ``CLAIM_TIMEOUT`` another attempt
may take it over. Every SMTP attempt is a ``DeliveryAttempt`` row, shown in the archive.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from projects.models import Project
from projects.models.checks import PythonChecksMixin
from reports.models.kpi import KpiSnapshot, Rag

# A ``sending`` delivery whose claim is older than this is taken to belong to a dead worker.
CLAIM_TIMEOUT = datetime.timedelta(minutes=10)


class StatusReport(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="status_reports")
    week_start = models.DateField(
        help_text="Monday of the reporting week, in the project's time zone."
    )
    as_of = models.DateField(help_text="The day the figures are from.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    health = models.CharField(max_length=5, choices=Rag.choices, blank=True)
    summary = models.TextField(
        blank=True, help_text="The manager's summary of the week, editable until sent."
    )
    # Everything else the report shows, frozen when built (see reports.services.status).
    content = models.JSONField(default=dict)
    snapshot = models.ForeignKey(
        KpiSnapshot, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    built_at = models.DateTimeField()
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the weekly schedule built it.",
    )
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When sending first began.")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the weekly schedule sent it.",
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["content", "version"])

    class Meta:
        ordering = ["project", "-week_start"]
        get_latest_by = "week_start"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "week_start"], name="status_report_one_per_project_per_week"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.key} status report, week of {self.week_start}"

    @property
    def is_sent(self) -> bool:
        return self.status == self.Status.SENT


class StatusReportDelivery(PythonChecksMixin, models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        RETRYING = "retrying", "Retrying"
        FAILED = "failed", "Failed"

    report = models.ForeignKey(StatusReport, on_delete=models.CASCADE, related_name="deliveries")
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    stakeholder = models.ForeignKey(
        "stakeholders.Stakeholder",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["report", "email"]
        verbose_name_plural = "status report deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["report", "email"], name="status_report_delivery_once_per_recipient"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "sent", "retrying", "failed"]),
                name="status_report_delivery_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} to {self.email}"


class DeliveryAttempt(models.Model):
    """One try at handing a delivery to the SMTP server, and what came of it."""

    delivery = models.ForeignKey(
        StatusReportDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    succeeded = models.BooleanField(default=False)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "number"], name="delivery_attempt_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Attempt {self.number} of {self.delivery}"
