"""What every project page shares: the access door by HTTP method, the roles' rights, messages.

Every page under ``/projects/<pk>/`` in every app opens its project through ``door``, which
answers in one order whatever the page:

1. 404 when the user is not a member of the project, whatever the method (DESIGN §3: a project
   the user is not in does not exist for them, so not even its pages' methods show);
2. 405 when the page does not take the method, with an ``Allow`` header naming exactly the
   methods it does take (HEAD included wherever GET is, as Django's own views list it);
3. 403, with the reason, when the role is below the one the write needs, or the write would
   change a closed project (read-only, DESIGN §3).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

from projects.models import Project, Role
from projects.selectors import get_project_for, require_role

READ = ("GET", "HEAD")
READ_WRITE = ("GET", "HEAD", "POST")
WRITE = ("POST",)


def not_allowed(request: HttpRequest, methods: tuple[str, ...]) -> HttpResponse | None:
    """405 naming the methods the page takes, or None when it takes this request's method."""
    if "GET" in methods and "HEAD" not in methods:
        methods = (*methods, "HEAD")  # a page that answers GET answers HEAD (Django does)
    if request.method in methods:
        return None
    return HttpResponseNotAllowed(methods)


def door(
    request: HttpRequest,
    pk: int,
    methods: tuple[str, ...],
    need: Role = Role.MEMBER,
    *,
    form: bool = False,
    allow_closed: bool = False,
) -> tuple[Project, HttpResponse | None]:
    """The project ``pk`` for this request, and the 405 to send back if the page does not take
    its method (else None).

    Any member may read; a write (any method but GET and HEAD) needs the role ``need``, and so
    does the GET of a ``form`` page, which only those who may submit it need. Writes to a closed
    project are refused unless ``allow_closed`` (lessons learned, the reopening). Raises Http404
    for a non-member before anything else, then PermissionDenied after the method is known good.
    """
    project = get_project_for(request.user, pk)
    if refused := not_allowed(request, methods):
        return project, refused
    if form or request.method not in READ:
        require_role(project, need, allow_closed=allow_closed)
    return project, None


def can(project: Project, need: Role = Role.MEMBER) -> bool:
    """Whether the user may write with the role ``need`` (the project being open): for links."""
    return Role(project.my_role).covers(need) and not project.is_closed


def rights(project: Project) -> dict[str, bool]:
    return {"can_edit": can(project, Role.MEMBER), "can_manage": can(project, Role.MANAGER)}


def error_text(error: ValidationError) -> str:
    """A refusal's messages as one sentence, for a flash message or an inline error."""
    return " ".join(error.messages)
