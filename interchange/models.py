"""An upload of a plan file on its way into Charter: parsed and previewed, then confirmed."""

from __future__ import annotations

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
