"""What the risk pages share beyond the access door (``projects.views.base.door``, the one door
of every page): the page renderer that tells a template whether the user may edit.

A project the user is not a member of answers 404 whatever they send (DESIGN §3); viewers read;
writes need the member role. Rules live in ``risks.services``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from projects.models import Project
from projects.views.base import can


def _page(request: HttpRequest, template: str, project: Project, **context: Any) -> HttpResponse:
    return render(request, template, {"project": project, "can_edit": can(project), **context})
