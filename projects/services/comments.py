"""Comments: write, edit and delete a remark on a record, with ``@username`` mentions.

Who may comment at all is the door's question (members and managers of an open project,
``projects.comments``); these services hold the rules of the comment itself: a body that says
something, mentions of members only, edits by the author only, deletion by the author or a
manager, and a stale edit refused.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from projects import markup
from projects.events import record_event
from projects.models import Comment, Project
from projects.models.comments import MAX_BODY
from projects.services.common import check_manager, locked_current, save_versioned

EXCERPT_LENGTH = 200


def _checked_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something in the comment."})
    if len(body) > MAX_BODY:
        raise ValidationError(
            {"body": f"A comment has at most {MAX_BODY:,} characters; this one has {len(body):,}."}
        )
    return body


def _mentioned_members(project: Project, body: str) -> list[AbstractBaseUser]:
    """The members ``body`` mentions; any other name is refused, with the same words whether
    the person exists elsewhere or not (so a mention reveals no account outside the project)."""
    names = markup.mentioned_usernames(body)
    if not names:
        return []
    members = {
        user.get_username(): user
        for user in get_user_model()._default_manager.filter(
            username__in=names, memberships__project=project
        )
    }
    strangers = [name for name in names if name not in members]
    if strangers:
        listed = ", ".join(f"@{name}" for name in strangers)
        verb = "is not a member" if len(strangers) == 1 else "are not members"
        raise ValidationError(
            {
                "body": f"{listed} {verb} of {project.key}: only members of the project can be "
                "mentioned."
            }
        )
    return [members[name] for name in names]


@transaction.atomic
def comment_create(*, project: Project, record: Model, by: AbstractBaseUser, body: str) -> Comment:
    """Add ``by``'s comment to ``record`` (a record of ``project``), and record the event that
    tells the people mentioned and those who follow the record."""
    if getattr(record, "project_id", None) != project.pk:
        raise ValidationError({"record": f"That belongs to another project, not {project.key}."})
    body = _checked_body(body)
    mentioned = _mentioned_members(project, body)
    comment = Comment(
        project=project,
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        author=by,
        body=body,
        body_html=markup.render(body, [user.get_username() for user in mentioned]),
    )
    comment.full_clean()
    comment._history_user = by
    comment.save()
    comment.mentions.set(mentioned)
    record_event(
        "comment.created",
        project=project,
        target=record,
        actor=by,
        data={
            "comment_id": comment.pk,
            "mentions": [user.pk for user in mentioned],
            "excerpt": markup.plain_text(comment.body_html)[:EXCERPT_LENGTH],
        },
    )
    return comment


@transaction.atomic
def comment_update(
    *, comment: Comment, by: AbstractBaseUser, version: int | None, body: str
) -> Comment:
    """Replace the author's comment with a new body (the old one stays in its history), and
    record the event that tells the members the new body mentions and the old one did not (those
    already mentioned heard of it when they were)."""
    current = locked_current(comment, version)
    if current.is_deleted:
        raise ValidationError({"body": "This comment was deleted; it cannot be edited."})
    if current.author_id != by.pk:
        raise PermissionDenied("Only its author can edit a comment.")
    body = _checked_body(body)
    if body == current.body:
        return current
    project = current.project
    mentioned = _mentioned_members(project, body)
    before = set(current.mentions.values_list("pk", flat=True))
    current.body = body
    current.body_html = markup.render(body, [user.get_username() for user in mentioned])
    current.edited_at = timezone.now()
    current = save_versioned(current, by)
    current.mentions.set(mentioned)
    record_event(
        "comment.edited",
        project=project,
        target=current.target,
        actor=by,
        data={
            "comment_id": current.pk,
            "mentions": [user.pk for user in mentioned if user.pk not in before],
            "excerpt": markup.plain_text(current.body_html)[:EXCERPT_LENGTH],
        },
    )
    return current


@transaction.atomic
def comment_delete(*, comment: Comment, by: AbstractBaseUser) -> Comment:
    """Take the comment's words out of the thread (its author, or a manager of the project): the
    thread shows it as deleted, and its history keeps what it said."""
    current = locked_current(comment, None)
    if current.author_id != by.pk:
        check_manager(current.project, by, "delete someone else's comment")
    if current.is_deleted:
        return current  # deleting twice changes nothing
    current.body = ""
    current.body_html = ""
    current.deleted_at = timezone.now()
    current.deleted_by = by
    current = save_versioned(current, by)
    current.mentions.clear()
    return current
