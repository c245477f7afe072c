"""Attachments: files kept with a project's records (evidence for acceptance, minutes, invoices).

An attachment points at its record by content type (the records live on every floor, see
``projects.records``); each record model declares ``attachments = AttachmentsRelation()``
so that deleting the record deletes its attachments, and deleting an attachment deletes its
stored file once the transaction commits (``projects.receivers``).

The file lives in Django's default storage (``var/media`` on the embedded default, an S3 bucket
when configured) under a random key: the person's file name is only kept in ``name``, so it
never becomes a path, and nothing about the key is guessable. Files are never served from a
public URL, only through the access door (``projects.views.attachments``, the API).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from projects.models.project import Project


def attachment_key(attachment: Attachment, filename: str) -> str:
    """Where the file is stored: a random name under the project, never the person's name."""
    return f"attachments/{attachment.project_id}/{uuid.uuid4().hex}"


class AttachmentsRelation(GenericRelation):
    """The attachments of a record: ``attachments = AttachmentsRelation()`` on a model registered
    in ``projects.records``, so that deleting the record deletes its attachments (and, after
    commit, their files) in the same delete, one query per batch rather than per record."""

    def __init__(self) -> None:
        super().__init__("projects.Attachment")


class AttachmentQuerySet(models.QuerySet):
    def of(self, record: models.Model) -> AttachmentQuerySet:
        """The attachments of one record, oldest first."""
        return self.filter(
            content_type=ContentType.objects.get_for_model(record), object_id=record.pk
        )


class Attachment(models.Model):
    """A file attached to a record of a project; its type is what its bytes say it is."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="attachments")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    file = models.FileField(upload_to=attachment_key, max_length=255)
    name = models.CharField(max_length=255, help_text="The file's name as it was uploaded.")
    media_type = models.CharField(
        max_length=127, help_text="The type sniffed from the file's bytes, not the client's word."
    )
    size = models.PositiveBigIntegerField(help_text="In bytes.")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="attachment_record")]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="attachment_has_name"),
            models.CheckConstraint(condition=~Q(media_type=""), name="attachment_has_type"),
        ]

    def __str__(self) -> str:
        return self.name
