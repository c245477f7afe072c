"""Outgoing e-mail: one row per message and recipient, sent exactly once (projects.mail).

``key`` names the message for its purpose (``notification:<event>:<user>``,
``digest:<user>:<date>``, ``approval:<id>``): queueing the same key twice finds the row and sends
nothing twice, whoever asks and however often a task is delivered.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone

from projects.models.checks import PythonChecksMixin

# A claim older than this is a worker that died mid-send: another attempt may take the row.
MAIL_CLAIM_TIMEOUT = datetime.timedelta(minutes=10)


class OutgoingMail(PythonChecksMixin, models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        RETRYING = "retrying", "Retrying"
        FAILED = "failed", "Failed"

    key = models.CharField(max_length=200, unique=True)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField(blank=True)
    # Extra headers (List-Unsubscribe, …) as a name → value mapping.
    headers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "sent", "retrying", "failed"]),
                name="outgoing_mail_status_known",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(status__in=["pending", "sending", "retrying"]),
                name="outgoing_mail_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} to {self.to}"
