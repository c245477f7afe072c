"""What the stakeholder pages share: the door by method, the roles' rights, today's date."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

from projects.models import Project, Role
from projects.selectors import get_project_for

READ = ("GET", "HEAD")
READ_WRITE = ("GET", "HEAD", "POST")
WRITE = ("POST",)


def door(
    request: HttpRequest,
    pk: int,
    methods: tuple[str, ...],
    need: Role = Role.MEMBER,
    *,
    form: bool = False,
) -> tuple[Project, HttpResponse | None]:
    """The project, checked before the method: a non-member gets 404 whatever they send, a role
    below ``need`` 403 on a POST (and on the GET of a ``form`` page only writers use); then a
    method the page does not take gets 405."""
    writing = form or request.method not in READ
    project = get_project_for(request.user, pk, need=need if writing else Role.VIEWER)
    if request.method not in methods:
        return project, HttpResponseNotAllowed([m for m in methods if m != "HEAD"])
    return project, None


def can(project: Project, need: Role = Role.MEMBER) -> bool:
    return Role(project.my_role).covers(need) and not project.is_closed


def message_of(error: ValidationError) -> str:
    return " ".join(error.messages)
