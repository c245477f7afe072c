"""What every scope page shares: the access door by HTTP method, the roles' rights, messages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

from projects.models import Project, Role
from projects.selectors import get_project_for

READ = ("GET", "HEAD")
READ_WRITE = ("GET", "HEAD", "POST")


def open_project(request: HttpRequest, pk: int, *, write_need: Role = Role.MEMBER) -> Project:
    """The project for this request: any member may read, ``write_need`` may POST."""
    need = write_need if request.method == "POST" else Role.VIEWER
    return get_project_for(request.user, pk, need=need)


def not_allowed(request: HttpRequest, allowed: tuple[str, ...]) -> HttpResponse | None:
    if request.method in allowed:
        return None
    return HttpResponseNotAllowed([m for m in allowed if m != "HEAD"])


def rights(project: Project) -> dict[str, bool]:
    role = Role(project.my_role)
    return {
        "can_edit": role.covers(Role.MEMBER) and not project.is_closed,
        "can_manage": role == Role.MANAGER and not project.is_closed,
    }


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)
