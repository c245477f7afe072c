"""What every budget page shares: the access door, the roles' rights, the project's today.

Access comes first, then the method (as in ``projects.views``): a project the user is not a
member of answers 404 whatever they send (DESIGN §3); a viewer may read; a write needs the
member role (costs, commitments, assignments, days off) or the manager role (the budget lines,
resources and their rates, levelling). Rules live in ``budgets.services``.
"""

from __future__ import annotations

from typing import Any

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
    """The project, checked before the method: non-members get 404 for anything they send; a
    role below ``need`` gets 403 on a POST (and on the GET of a ``form`` page, which only those
    who may submit it need); then a method the page does not take gets 405."""
    writing = form or request.method not in READ
    project = get_project_for(request.user, pk, need=need if writing else Role.VIEWER)
    if request.method not in methods:
        return project, HttpResponseNotAllowed([m for m in methods if m != "HEAD"])
    return project, None


def can(project: Project, need: Role) -> bool:
    return Role(project.my_role).covers(need) and not project.is_closed


def rights(project: Project) -> dict[str, bool]:
    return {"can_edit": can(project, Role.MEMBER), "can_manage": can(project, Role.MANAGER)}


def message_of(error: ValidationError) -> str:
    return " ".join(error.messages)


def query_without(params: Any, *names: str) -> str:
    kept = params.copy()
    for name in names:
        kept.pop(name, None)
    return kept.urlencode()
