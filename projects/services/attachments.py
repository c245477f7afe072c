"""Attachments: keeping a file with a record, and letting it go.

The page and the API both call these, so the size limit, the sniffed type and who may delete
are one rule. A file is checked (size, then the kind its bytes say) before a byte of it is
stored; a refused file leaves neither a row nor a stored file. Deleting an attachment, by hand
or with its record or project, deletes the stored file once the transaction commits
(``delete_stored_file``), so a rolled-back delete never loses a file still listed. Adding and
deleting by hand are events (``attachment.added``, ``attachment.deleted`` on the record), so the
record's watchers hear of it and the event log keeps who did it and when.
"""

from __future__ import annotations

import logging
import unicodedata

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Model
from django.template.defaultfilters import filesizeformat

from projects import filetypes
from projects.attachments import is_attachable
from projects.events import record_event
from projects.models import Attachment, Project
from projects.services.common import check_manager

logger = logging.getLogger(__name__)

NAME_MAX = 255


def max_bytes() -> int:
    return settings.ATTACHMENT_MAX_BYTES


def too_large_message(size: int) -> str:
    return f"The file is {_size(size)}; attach files of at most {_size(max_bytes())}."


def _size(size: int) -> str:
    """1.5 MB, 300 KB: as the page shows sizes (Django's filesizeformat, plain spaces)."""
    return filesizeformat(size).replace("\xa0", " ")


def clean_name(name: str) -> str:
    """The uploaded name as a person reads it: the last path part (browsers on Windows used to
    send ``C:\\Users\\…``), no control characters, at most 255 characters, keeping the suffix."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip(" .")
    if len(name) > NAME_MAX:
        stem, dot, suffix = name.rpartition(".")
        if dot and 0 < len(suffix) <= 16:
            name = f"{stem[: NAME_MAX - len(suffix) - 1]}.{suffix}"
        else:
            name = name[:NAME_MAX]
    return name or "attachment"


def attachment_add(
    *, project: Project, record: Model, by: AbstractBaseUser, upload: UploadedFile | None
) -> Attachment:
    """Keep ``upload`` with ``record`` (a record of ``project``). Refuses (ValidationError on
    ``file``, code ``too_large`` for the size) a missing or empty file, one over
    ``ATTACHMENT_MAX_BYTES`` and one whose bytes are not of a kind Charter keeps; PermissionDenied
    on a closed project."""
    if project.is_closed:
        raise PermissionDenied(f"{project.key} is closed and read-only.")
    if not is_attachable(type(record)) or getattr(record, "project_id", None) != project.pk:
        raise ValidationError("This record does not take attachments here.")
    if upload is None:
        raise ValidationError({"file": "Choose a file to attach."})
    if upload.size > max_bytes():
        raise ValidationError(
            {"file": ValidationError(too_large_message(upload.size), code="too_large")}
        )
    name = clean_name(upload.name)
    upload.seek(0)
    sample = upload.read(filetypes.SAMPLE_BYTES)
    upload.seek(0)
    try:
        media_type = filetypes.sniff(sample, name)
    except filetypes.Refused as refused:
        raise ValidationError({"file": ValidationError(str(refused), code="refused")}) from None

    attachment = Attachment(
        project=project,
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        name=name,
        media_type=media_type,
        size=upload.size,
        uploaded_by=by,
    )
    # Stored first (the storage picks the random key), then the row; if the row cannot be
    # written, the stored file goes again.
    attachment.file.save(name, upload, save=False)
    try:
        with transaction.atomic():
            attachment.save()
            record_event(
                "attachment.added",
                project=project,
                target=record,
                actor=by,
                data=_event_data(attachment),
            )
    except BaseException:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


def _event_data(attachment: Attachment) -> dict[str, object]:
    return {
        "attachment_id": attachment.pk,
        "name": attachment.name,
        "media_type": attachment.media_type,
        "size": attachment.size,
    }


@transaction.atomic
def attachment_delete(*, attachment: Attachment, by: AbstractBaseUser) -> None:
    """Delete an attachment: its uploader or a manager of the open project may; the stored
    file goes after commit."""
    project = attachment.project
    if project.is_closed:
        raise PermissionDenied(f"{project.key} is closed and read-only.")
    if attachment.uploaded_by_id != by.pk:
        check_manager(project, by, "delete a file someone else attached")
    # Told before the row goes (the event names the record and the file; watchers hear of it).
    record_event(
        "attachment.deleted",
        project=project,
        target=attachment.record,
        actor=by,
        data=_event_data(attachment),
    )
    attachment.delete()


def delete_stored_file(sender: type[Attachment], instance: Attachment, **kwargs: object) -> None:
    """``post_delete`` of Attachment: delete its stored file once the deletion commits, whether
    the attachment went alone, with its record or with its project. A storage that fails then
    is logged (the row is gone; an orphan file harms no one), never an error for the person."""
    name = instance.file.name
    storage = instance.file.storage
    if not name:
        return

    def delete() -> None:
        try:
            storage.delete(name)
        except Exception:
            logger.exception(
                "Could not delete the stored file %s of attachment %s", name, instance.pk
            )

    transaction.on_commit(delete)
