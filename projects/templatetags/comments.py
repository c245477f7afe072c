"""The comment thread on a record's page: ``{% comment_thread record %}`` (through
``projects/comment_slot.html``, so a record page adds its thread with one ``{% include %}``)."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from projects.comments import thread_for
from projects.forms import CommentForm
from projects.records import record_kind_for

register = template.Library()


@register.simple_tag(takes_context=True)
def comment_thread(context: template.Context, record) -> SafeString:
    """The record's thread as the page's reader sees it (the page's ``project`` came through the
    door, so it carries the reader's role)."""
    request, project = context["request"], context["project"]
    kind = record_kind_for(type(record))
    thread = thread_for(project, kind, record, request.user, form=CommentForm())
    return render_to_string(
        "projects/comment_thread.html", {"thread": thread, "project": project}, request=request
    )
