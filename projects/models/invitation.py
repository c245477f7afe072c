"""Invitations: a manager asks someone, by e-mail address, to join a project with a role."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from projects.models.project import Project, Role

INVITATION_LIFETIME = datetime.timedelta(days=7)


def token_digest(token: str) -> str:
    """What is stored of a link's token: its SHA-256, so a leaked table opens no project."""
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def pending(self, now: datetime.datetime | None = None) -> InvitationQuerySet:
        """Neither accepted nor revoked, and not expired."""
        now = now or timezone.now()
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)


class Invitation(models.Model):
    """A one-time link e-mailed to ``email``: it creates their account, or adds the membership
    to the account they sign in with. Single use, revocable, expires after seven days."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When the link was e-mailed.")
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open invitation per address and project: inviting again replaces it.
            models.UniqueConstraint(
                Lower("email"),
                "project",
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email_and_project",
                violation_error_message="This address already has an open invitation.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.project.key} ({self.get_role_display()})"

    @staticmethod
    def new_token() -> tuple[str, str]:
        """A fresh link token and the digest to store."""
        token = secrets.token_urlsafe(32)
        return token, token_digest(token)

    def status(self, now: datetime.datetime | None = None) -> str:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return self.Status.EXPIRED
        return self.Status.PENDING

    @property
    def status_label(self) -> str:
        return self.Status(self.status()).label
