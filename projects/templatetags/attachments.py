"""The attachments panel on a record's page: ``{% attachments_panel record %}`` (through
``projects/attachments_slot.html``, so a record page adds its panel with one ``{% include %}``)."""

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from projects import attachments, filetypes
from projects.records import record_kind_for
from projects.services.attachments import max_bytes

register = template.Library()


@register.simple_tag(takes_context=True)
def attachments_panel(context: template.Context, record) -> SafeString:
    """The record's files as the page's reader sees them (the page's ``project`` came through
    the door, so it carries the reader's role): download links, delete buttons where the reader
    may, and the upload form for members of an open project."""
    request, project = context["request"], context["project"]
    kind = record_kind_for(type(record))
    files = list(attachments.attachments_of(record))
    for attachment in files:
        attachment.can_delete = attachments.may_delete(attachment, request.user, project)
    return render_to_string(
        "projects/attachments_panel.html",
        {
            "project": project,
            "kind": kind,
            "files": files,
            "can_upload": attachments.may_upload(project),
            "upload_url": reverse(
                "projects:attachment_upload", args=[project.pk, kind.resource, record.pk]
            ),
            "max_mb": max_bytes() // 1024 // 1024,
            "kinds_accepted": filetypes.KINDS_ACCEPTED,
            "next": request.get_full_path(),
        },
        request=request,
    )
