"""Attachment pages: upload to a record, download, delete; the panel on each record's page.

The panel (``templates/projects/attachments_panel.html``) posts here and comes back to the
record's page (``next``), so it works without JavaScript. A file is only ever served from
``attachment_download`` (and the API's download), through the access door, as an attachment
with ``nosniff``: never from a public URL, never shown inline, whatever its type.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from projects import attachments
from projects.models import Attachment, Project
from projects.services.attachments import attachment_add, attachment_delete
from projects.views.base import READ, WRITE, door, error_text

# What a download may do in a browser that opens it anyway: nothing (no scripts, no plugins,
# no loads), whatever the file turns out to be.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


def content_disposition(name: str) -> str:
    """``attachment`` with the name twice (RFC 6266): ``filename*`` in UTF-8 for browsers, and a
    plain ASCII ``filename`` for the rest, with quotes and backslashes taken out."""
    fallback = name.encode("ascii", "replace").decode().replace("?", "_")
    fallback = fallback.replace("\\", "_").replace('"', "_") or "attachment"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def download_response(attachment: Attachment) -> FileResponse:
    """The stored file streamed as an attachment of its sniffed type (for the page and API).
    A file gone from the storage behind Charter's back is a 404 that says so, not a 500."""
    try:
        stream = attachment.file.storage.open(attachment.file.name, "rb")
    except FileNotFoundError:
        raise Http404(f"The file “{attachment.name}” is missing from the storage.") from None
    response = FileResponse(
        stream,
        content_type=attachment.media_type,
        as_attachment=True,
        filename=attachment.name,
    )
    response["Content-Disposition"] = content_disposition(attachment.name)
    response["Content-Length"] = str(attachment.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    response["Cache-Control"] = "private, no-store"
    return response


def _back(request: HttpRequest, project: Project) -> str:
    """Where to go after a write: the page the panel was on (``next``), if it is one of this
    project's pages on this site, else the project's overview."""
    back = request.POST.get("next") or ""
    prefix = f"/projects/{project.pk}/"
    if back.startswith(prefix) and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}
    ):
        return back
    return reverse("projects:overview", args=[project.pk])


def _with_anchor(url: str) -> str:
    return url.split("#", 1)[0] + "#attachments"


@login_required
def attachment_upload(request: HttpRequest, pk: int, resource: str, record_pk: int) -> HttpResponse:
    """Attach the posted ``file`` to the record, then back to its page with what happened."""
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    kind, record = attachments.attached_record(project, resource, record_pk)
    try:
        attachment = attachment_add(
            project=project, record=record, by=request.user, upload=request.FILES.get("file")
        )
    except ValidationError as error:
        messages.error(request, f"The file was not attached. {error_text(error)}")
    else:
        messages.success(request, f"Attached “{attachment.name}” to the {kind.label}.")
    return redirect(_with_anchor(_back(request, project)))


@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    """The file, for any member of the project (404 for anyone else)."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    return download_response(attachments.attachment_in(project, attachment_pk))


@login_required
def attachment_remove(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    """Delete an attachment (its uploader or a manager), then back to the record's page."""
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    attachment = attachments.attachment_in(project, attachment_pk)
    attachment_delete(attachment=attachment, by=request.user)
    messages.success(request, f"Deleted “{attachment.name}”.")
    return redirect(_with_anchor(_back(request, project)))
