"""``{% schedule_wait project %}``: "Waiting for KEY to recompute" on the schedule's pages while
the worker has not yet carried another project's move into this one."""

from __future__ import annotations

from django import template

from projects.models import Project
from scheduling.services import external

register = template.Library()


@register.simple_tag(takes_context=True)
def schedule_wait(context: template.Context, project: Project) -> str:
    request = context.get("request")
    if request is None:
        return ""
    return external.waiting_for(request.user, project) or ""
