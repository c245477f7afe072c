"""The "Watch" button on a record's page: follow it to hear of everything that happens to it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from projects.models import Role
from projects.services.notifications import is_watching
from projects.views.base import door
from projects.watching import watch_set, watched_record


def record_watch(request: HttpRequest, pk: int, resource: str, record_pk: int) -> HttpResponse:
    """POST ``watch=1`` follows the record, ``watch=0`` stops; any member (viewers too)."""
    project, refused = door(request, pk, ("POST",), need=Role.VIEWER)
    if refused:
        return refused
    if project.is_closed:  # nothing happens in a closed project: nothing to follow
        raise PermissionDenied(f"{project.key} is closed and read-only.")
    kind, record = watched_record(project, resource, record_pk)
    watching = watch_set(
        project=project, record=record, user=request.user, watching=request.POST.get("watch") == "1"
    )
    if request.headers.get("HX-Request"):
        return render(
            request,
            "projects/watch_button.html",
            {"project": project, "record": record, "resource": kind.resource, "watching": watching},
        )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = project.get_absolute_url()
    return redirect(target)


def watch_context(request: HttpRequest, project, record) -> dict:
    """What ``projects/watch_button.html`` needs (one query: whether I watch it)."""
    from projects.records import record_kind_for

    kind = record_kind_for(type(record))
    return {
        "project": project,
        "record": record,
        "resource": kind.resource if kind else "",
        "watching": is_watching(request.user, record),
    }
