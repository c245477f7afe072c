"""An upload of a plan file on its way into Charter (parsed and previewed, then confirmed), and
a person's calendar feed."""

from __future__ import annotations

import hashlib
import re
import secrets

from django.conf import settings
from django.db import models

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
        MSPDI = "mspdi", "MS Project XML"

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
