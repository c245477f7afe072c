"""Comments on a project's records (tasks, deliverables, risks, …), with ``@username`` mentions.

A comment points at its record by content type and id, so the ground floor holds the comments of
every app without importing any. A kind of record registered in
``projects.records`` becomes commentable with one line,
``comments = CommentsRelation(listing="scheduling:tasks", page="scheduling:task_detail")``: the
relation deletes a record's comments with it, and ``projects.comments`` finds the commentable
kinds through it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from projects.models.project import Project

MAX_BODY = 10_000


class CommentsRelation(GenericRelation):
    """The comments of a record: the relation deletes them with it, and marks the model as one
    people comment on (among the kinds registered in ``projects.records``).

    ``listing`` is the URL name of the record's register page (taking the project's id) and
    ``page`` that of the record's own page (the project's id and the record's), where it has
    one: the thread sits there, and the comment pages link back to it.
    """

    def __init__(self, *, listing: str, page: str | None = None) -> None:
        self.listing = listing
        self.page = page
        super().__init__("projects.Comment")


class CommentQuerySet(models.QuerySet):
    def on(self, record: models.Model) -> CommentQuerySet:
        """The comments of ``record``, oldest first, deleted ones included (shown as such)."""
        return self.filter(
            content_type=ContentType.objects.get_for_model(record), object_id=record.pk
        )


class Comment(models.Model):
    """A remark on a record, in Markdown. Deleting keeps the row (the thread shows "deleted"
    where it was) and its history keeps every earlier body."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="comments")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="charter_comments",
    )
    body = models.TextField(blank=True, help_text="Markdown; empty once the comment is deleted.")
    # The body rendered and sanitised when it was written (projects.markup), so a thread of 100
    # comments renders no Markdown.
    body_html = models.TextField(blank=True, editable=False)
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="charter_mentions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version", "body_html"])
    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "created_at"], name="comment_thread")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=False) | ~Q(body=""),
                name="comment_has_a_body",
                violation_error_message="Write something in the comment.",
            ),
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=True) | Q(body=""),
                name="comment_deleted_has_no_body",
            ),
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
