"""Reads of comments: which records take them, one record's thread, counts for register rows.

The commentable kinds are the record kinds the apps register in ``projects.records`` whose model
has a ``CommentsRelation`` (``comments = CommentsRelation(listing=…)``), named by the same path
segment as in the API: ``tasks``, ``deliverables``, ``requirements``, ``change-requests``,
``risks``, ``issues``, ``decisions``, ``action-items``.

Who may do what (the door has already said the person is a member of an open project, or the
project is closed and only reading happens):

- every member reads the thread, viewers included;
- members and managers comment (DESIGN §3: a viewer reads and approves; discussing the work is
  the team's), and edit their own comments;
- authors delete their own comments, and managers delete anyone's (to take down what should not
  stay, e.g. a password pasted by mistake). A deleted comment keeps its place in the thread as
  "deleted", and its history keeps every earlier body for the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, IntegerField, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils.text import capfirst

from projects.models import Comment, CommentsRelation, Project, Role
from projects.records import RecordKind, record_kinds


def relation_of(model: type[Model]) -> CommentsRelation | None:
    """The model's ``CommentsRelation``, or None when people do not comment on it."""
    return next(
        (f for f in model._meta.private_fields if isinstance(f, CommentsRelation)),
        None,
    )


def commentable_kinds() -> dict[str, RecordKind]:
    """The kinds of record people comment on, by their path segment ("tasks")."""
    return {
        kind.resource: kind
        for kind in record_kinds()
        if not kind.singleton and relation_of(kind.model) is not None
    }


def commented_record(
    project: Project, resource: str, record_pk: object
) -> tuple[RecordKind, Model]:
    """The record ``record_pk`` of kind ``resource`` in ``project``; Http404 for an unknown kind
    or a record of another project (which looks the same as one that does not exist)."""
    kind = commentable_kinds().get(resource)
    if kind is None:
        raise Http404("No such kind of record.")
    try:
        record = kind.model._default_manager.get(project=project, pk=int(record_pk))
    except (kind.model.DoesNotExist, TypeError, ValueError):
        raise Http404(f"No such {kind.label} in this project.") from None
    return kind, record


def may_comment(project: Project) -> bool:
    """Whether the reader may comment here: a member or manager of an open project."""
    return Role(project.my_role).covers(Role.MEMBER) and not project.is_closed


def may_edit(comment: Comment, user: AbstractBaseUser, project: Project) -> bool:
    """Authors edit their own comments (no one else puts words in their mouth)."""
    return not comment.is_deleted and comment.author_id == user.pk and may_comment(project)


def may_delete(comment: Comment, user: AbstractBaseUser, project: Project) -> bool:
    """Authors delete their own comments; managers anyone's."""
    if comment.is_deleted or not may_comment(project):
        return False
    return comment.author_id == user.pk or Role(project.my_role).covers(Role.MANAGER)


def comments_on(record: Model) -> QuerySet[Comment]:
    """The record's thread, oldest first, with what a thread shows of each comment."""
    return Comment.objects.on(record).select_related("author", "deleted_by")


@dataclass
class Thread:
    """One record's comments as a page shows them, with what the reader may do."""

    project: Project
    kind: RecordKind
    record: Model
    comments: list[Comment]
    can_comment: bool
    form: object = None  # the new comment's form (with its errors after a refused post)
    editing: int | None = None  # the comment whose edit form shows in place (htmx)
    edit_form: object = None
    live: int = field(init=False)

    def __post_init__(self) -> None:
        self.live = sum(1 for comment in self.comments if not comment.is_deleted)

    @property
    def url(self) -> str:
        """The thread's own page (which takes new comments)."""
        return reverse(
            "projects:comments",
            args=(self.project.pk, self.kind.resource, self.record.pk),
        )

    @property
    def home(self) -> str:
        """Where the record is read: its own page where it has one, else the thread's page."""
        relation = relation_of(self.kind.model)
        if relation.page:
            return reverse(relation.page, args=(self.project.pk, self.record.pk))
        return self.url

    @property
    def listing(self) -> str:
        """The register the record is listed in."""
        return reverse(relation_of(self.kind.model).listing, args=(self.project.pk,))

    @property
    def listing_label(self) -> str:
        return capfirst(str(self.kind.model._meta.verbose_name_plural))


def thread_for(
    project: Project, kind: RecordKind, record: Model, user: AbstractBaseUser, **extra: object
) -> Thread:
    """The thread of ``record`` as ``user`` sees it: each comment knows whether they may edit or
    delete it (``comment.editable``, ``comment.deletable``). Two queries, whatever its length."""
    comments = list(comments_on(record))
    for comment in comments:
        comment.editable = may_edit(comment, user, project)
        comment.deletable = may_delete(comment, user, project)
    return Thread(
        project=project,
        kind=kind,
        record=record,
        comments=comments,
        can_comment=may_comment(project),
        **extra,
    )


def with_comment_counts(queryset: QuerySet) -> QuerySet:
    """The register's rows, each with ``comment_count``: its comments that are not deleted (one
    subquery in the list's own query, so the count costs no query per row)."""
    content_type = ContentType.objects.get_for_model(queryset.model)
    counts = (
        Comment.objects.filter(
            content_type=content_type, object_id=OuterRef("pk"), deleted_at__isnull=True
        )
        .order_by()
        .values("object_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        comment_count=Coalesce(Subquery(counts, output_field=IntegerField()), 0)
    )
