"""Reads of attachments: which records take them, one record's files, who may do what.

The attachable kinds are the record kinds the apps register in ``projects.records`` whose model
has an ``AttachmentsRelation``, named by the same path segment as in the API: ``tasks``,
``deliverables``, ``requirements``, ``change-requests``, ``risks``, ``issues``, ``meetings``,
``decisions``, ``action-items`` and ``closure`` (the project's one closure review, no id).

Who may do what (the door has already said the person is a member; writes to a closed project
are refused there, DESIGN §3):

- every member downloads, viewers included (sponsors read the evidence they sign off);
- members and managers upload;
- the uploader deletes their own file, a manager anyone's.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Model, QuerySet
from django.http import Http404

from projects.models import Attachment, AttachmentsRelation, Project, Role
from projects.records import RecordKind, record_kind_for, record_kinds


def is_attachable(model: type[Model]) -> bool:
    """Whether records of ``model`` carry attachments (it has an ``AttachmentsRelation``)."""
    return any(isinstance(f, AttachmentsRelation) for f in model._meta.private_fields)


def attachable_kinds() -> dict[str, RecordKind]:
    """The kinds of record that carry attachments, by their path segment ("tasks")."""
    return {kind.resource: kind for kind in record_kinds() if is_attachable(kind.model)}


def attached_record(
    project: Project, resource: str, record_pk: object = None
) -> tuple[RecordKind, Model]:
    """The record ``record_pk`` of kind ``resource`` in ``project`` (of a singleton kind, the
    project's one record when ``record_pk`` is None: its API URL has no id); Http404 for an
    unknown kind or a record of another project, which looks the same as a missing one."""
    kind = attachable_kinds().get(resource)
    if kind is None:
        raise Http404("No such kind of record.")
    manager = kind.model._default_manager
    try:
        if kind.singleton and record_pk is None:
            record = manager.get(project=project)
        else:
            record = manager.get(project=project, pk=int(record_pk))
    except (kind.model.DoesNotExist, TypeError, ValueError):
        if kind.singleton and record_pk is None:
            raise Http404(f"{project.key} has no {kind.label} yet.") from None
        raise Http404(f"No such {kind.label} in this project.") from None
    return kind, record


def kind_of(attachment: Attachment) -> RecordKind:
    """The kind of record an attachment hangs on."""
    kind = record_kind_for(attachment.content_type.model_class())
    assert kind is not None, attachment.content_type  # only attachable kinds get attachments
    return kind


def attachments_of(record: Model) -> QuerySet[Attachment]:
    """A record's attachments, oldest first, with their uploaders (one query)."""
    return Attachment.objects.of(record).select_related("uploaded_by")


def attachment_in(project: Project, attachment_pk: object) -> Attachment:
    """One attachment of the project; Http404 for another project's or a missing one."""
    try:
        return Attachment.objects.select_related("content_type", "uploaded_by").get(
            project=project, pk=int(attachment_pk)
        )
    except (Attachment.DoesNotExist, TypeError, ValueError):
        raise Http404("No such attachment in this project.") from None


def may_upload(project: Project) -> bool:
    """Whether the reader may attach files here: a member or manager of an open project."""
    return Role(project.my_role).covers(Role.MEMBER) and not project.is_closed


def may_delete(attachment: Attachment, user: AbstractBaseUser, project: Project) -> bool:
    """Uploaders delete their own files; managers anyone's (the project being open)."""
    if not may_upload(project):
        return False
    return attachment.uploaded_by_id == user.pk or Role(project.my_role).covers(Role.MANAGER)
