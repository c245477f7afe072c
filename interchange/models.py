"""An upload of a plan file on its way into Charter (parsed and previewed, then confirmed),
a person's calendar feed, and a project's webhooks with their deliveries."""

from __future__ import annotations

import hashlib
import re
import secrets

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from projects.models import Project


class ImportQuerySet(models.QuerySet):
    def of(self, user) -> ImportQuerySet:
        """Only the uploader sees an import (a superuser too)."""
        return self if user.is_superuser else self.filter(owner=user)


class Import(models.Model):
    """A plan file someone uploaded: ``pending`` until parsed, then ``preview`` (what would be
    imported, nothing written yet) or ``failed`` (``errors`` say why); ``done`` once confirmed
    into ``project``."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PREVIEW = "preview", "Preview"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Format(models.TextChoices):
        # Told from the file's first bytes (``convert.file_format``); all but MSPDI are read
        # through MPXJ, which turns them into MSPDI.
        MSPDI = "mspdi", "MS Project XML"
        MPP = "mpp", "MS Project (.mpp)"
        MPX = "mpx", "MPX"
        XER = "xer", "Primavera P6 (.xer)"
        P6XML = "p6xml", "Primavera P6 XML"
        MPXJ = "mpxj", "Another format MPXJ reads"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plan_imports"
    )
    project = models.ForeignKey(
        Project,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plan_imports",
        help_text="The project it goes into (an empty one), or the one it created.",
    )
    format = models.CharField(max_length=8, choices=Format.choices, default=Format.MSPDI)
    filename = models.CharField(max_length=255)
    # The file itself, in the database: a worker on another machine reads it from there (the
    # upload limit, 50 MB, keeps it a reasonable row).
    data = models.BinaryField(editable=False)
    # A file in another format as MS Project XML, made by MPXJ when the upload is prepared, so
    # confirming reads what was previewed without starting Java again in the web request.
    converted = models.BinaryField(null=True, blank=True, editable=False)
    # For a new project: its name and key (defaults from the file when empty).
    name = models.CharField(max_length=200, blank=True)
    key = models.CharField(max_length=10, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    preview = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"


_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


class CalendarFeedQuerySet(models.QuerySet):
    def active(self) -> CalendarFeedQuerySet:
        return self.filter(revoked_at__isnull=True)


class CalendarFeed(models.Model):
    """A person's calendar subscription (``/feeds/<token>/calendar.ics``): the secret in the URL
    is the credential, since calendar programs fetch it without signing in.

    Only the SHA-256 of the secret is stored (a copy of the database opens no feed), so the URL
    is shown once, when it is made. A feed is revoked, never deleted (``revoked_at``), so the
    admin can tell when an address stopped working; a person has at most one active feed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When a calendar program last fetched it (to the hour: a fetch writes at most hourly).
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CalendarFeedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(revoked_at__isnull=True),
                name="calendar_feed_one_active_per_user",
                violation_error_message="You already have a calendar feed; reset it instead.",
            ),
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"Calendar feed of {self.user} ({state})"

    @staticmethod
    def new_token() -> str:
        """A fresh secret: 32 random bytes, URL-safe (43 characters)."""
        return secrets.token_urlsafe(32)

    @staticmethod
    def digest(token: str) -> str:
        """What is stored of a secret: its SHA-256, in hex. A fast hash is enough for 256 random
        bits (nobody guesses them), unlike a password, which needs a slow one."""
        return hashlib.sha256(token.encode()).hexdigest()

    @staticmethod
    def is_well_formed(token: str) -> bool:
        """Whether ``token`` could be a secret ``new_token`` made (a cheap check before a query)."""
        return bool(_TOKEN.fullmatch(token))


class Webhook(models.Model):
    """An endpoint a manager registered to hear of a project's events (``interchange.webhooks``):
    each event of a type in ``events`` (``["*"]``: every webhook event) is POSTed to ``url`` as
    JSON, signed with ``secret`` (HMAC-SHA256, ``X-Charter-Signature``).

    The secret is kept as it is, not hashed: every delivery is signed with it. After
    ``DISABLE_AFTER`` deliveries in a row failed the endpoint is switched off (``disabled_at``)
    and the project's managers are e-mailed; switching it on again starts the count afresh."""

    DISABLE_AFTER = 10

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=2000)
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Deliveries that failed for good in a row (a success sets it back to 0).
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(url__startswith="http://")
                | models.Q(url__startswith="https://"),
                name="webhook_url_is_http",
                violation_error_message="Give an http:// or https:// address.",
            ),
        ]

    def __str__(self) -> str:
        return self.url

    def wants(self, type: str) -> bool:
        """Whether an event of ``type`` is sent to this endpoint."""
        return "*" in self.events or type in self.events

    @property
    def secret_hint(self) -> str:
        """The secret's last characters, to tell endpoints apart without showing it."""
        return f"…{self.secret[-4:]}" if self.secret else ""


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one endpoint, with the outcome of its last attempt.

    ``event_uid`` is the body's ``id``: the event's id for a recorded event, a fresh one for a
    test; a redelivery repeats it (so a receiver that already handled it can tell). One
    delivery per endpoint and recorded event (``is_redelivery`` rows aside): the consumer may
    be handed the same event twice."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SUCCEEDED = "succeeded", "Succeeded"
        RETRYING = "retrying", "Retrying"
        FAILED = "failed", "Failed"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(
        "projects.Event", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    event_uid = models.CharField(max_length=64)
    type = models.CharField(max_length=64)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    is_redelivery = models.BooleanField(default=False)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    # The first kilobyte of the answer's body, to tell a receiver's message from a proxy's.
    response_excerpt = models.TextField(blank=True)
    error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "event"],
                condition=models.Q(is_redelivery=False, event__isnull=False),
                name="webhook_delivery_once_per_event",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["pending", "sending", "succeeded", "retrying", "failed"]
                ),
                name="webhook_delivery_status_known",
            ),
        ]
        indexes = [
            models.Index(fields=["webhook", "-created_at"], name="webhook_delivery_recent"),
            models.Index(
                fields=["created_at"],
                condition=models.Q(status__in=["pending", "sending", "retrying"]),
                name="webhook_delivery_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_uid} to {self.webhook_id} ({self.status})"
