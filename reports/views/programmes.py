"""Programme pages: the list, the roll-up, and (for its managers) its settings: name and
currency, members, and which projects belong. A non-member gets 404 everywhere; a member who
is not a project's member sees that project only as a row of the roll-up."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from projects import clock
from projects.exceptions import StaleEdit
from projects.forms import (
    ProgrammeForm,
    ProgrammeMemberForm,
    ProgrammeProjectForm,
    attach_errors,
)
from projects.models import ProgrammeMembership
from projects.programmes import (
    get_programme_for,
    programme_members,
    programme_projects,
    programmes_for,
)
from projects.services import programmes as services
from projects.views.base import not_allowed
from reports.selectors.programmes import programme_forecast, programme_rollup


@login_required
@require_http_methods(["GET", "POST"])
def programme_list(request: HttpRequest) -> HttpResponse:
    """My programmes; anyone signed in may start one (and manages it)."""
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.programme_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, f"Programme {programme.key} created. Add its projects.")
            return redirect("reports:programme_settings", programme.pk)
    programmes = programmes_for(request.user).order_by("key")
    return render(request, "reports/programmes.html", {"programmes": programmes, "form": form})


def _programme_for(
    request: HttpRequest, pk: int, methods: tuple[str, ...], *, manage: bool = False
):
    """The programme for this request (404 to a non-member first, whatever the method), then
    the 405 for a method the page does not take, then 403 unless a manager where ``manage``:
    the project door's order (``projects.views.base``), for a programme."""
    programme = get_programme_for(request.user, pk)
    if refused := not_allowed(request, methods):
        return programme, refused
    if manage:
        programme = get_programme_for(request.user, pk, manage=True)
    return programme, None


@login_required
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme, refused = _programme_for(request, pk, ("GET", "HEAD"))
    if refused:
        return refused
    rollup = programme_rollup(programme, request.user, as_of=clock.today())
    return render(
        request,
        "reports/programme.html",
        {
            "programme": programme,
            "rollup": rollup,
            "forecast": programme_forecast(programme),
            "is_manager": programme.my_role == ProgrammeMembership.Role.MANAGER,
        },
    )


def _settings_page(request: HttpRequest, programme, **forms) -> HttpResponse:
    context = {
        "programme": programme,
        "form": ProgrammeForm(instance=programme),
        "member_form": ProgrammeMemberForm(),
        "project_form": ProgrammeProjectForm(user=request.user),
        "members": programme_members(programme),
        "projects": programme_projects(programme),
    }
    context.update(forms)
    status = 400 if forms else 200
    return render(request, "reports/programme_settings.html", context, status=status)


@login_required
def programme_settings(request: HttpRequest, pk: int) -> HttpResponse:
    """Name, key, currency and description (managers)."""
    programme, refused = _programme_for(request, pk, ("GET", "HEAD", "POST"), manage=True)
    if refused:
        return refused
    if request.method == "GET":
        return _settings_page(request, programme)
    form = ProgrammeForm(request.POST, instance=programme)
    if form.is_valid():
        try:
            fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
            services.programme_update(
                programme=programme,
                by=request.user,
                version=_version(request),
                **fields,
            )
        except StaleEdit as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, "Programme saved.")
            return redirect("reports:programme_settings", programme.pk)
    programme.refresh_from_db()
    return _settings_page(request, programme, form=form)


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


@login_required
def programme_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    programme, refused = _programme_for(request, pk, ("POST",), manage=True)
    if refused:
        return refused
    form = ProgrammeMemberForm(request.POST)
    if form.is_valid():
        try:
            membership = services.programme_member_add(
                programme=programme, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, f"{membership.user.get_username()} added.")
            return redirect("reports:programme_settings", programme.pk)
    return _settings_page(request, programme, member_form=form)


@login_required
def programme_member_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    programme, refused = _programme_for(request, pk, ("POST",), manage=True)
    if refused:
        return refused
    membership = get_object_or_404(programme.memberships.select_related("user"), pk=member_pk)
    try:
        services.programme_member_remove(membership=membership, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{membership.user.get_username()} removed.")
    return redirect("reports:programme_settings", programme.pk)


@login_required
def programme_project_add(request: HttpRequest, pk: int) -> HttpResponse:
    programme, refused = _programme_for(request, pk, ("POST",), manage=True)
    if refused:
        return refused
    form = ProgrammeProjectForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            project = services.programme_project_add(
                programme=programme, project=form.cleaned_data["project"], by=request.user
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, f"{project.key} is now in {programme.key}.")
            return redirect("reports:programme_settings", programme.pk)
    return _settings_page(request, programme, project_form=form)


@login_required
def programme_project_remove(request: HttpRequest, pk: int, project_pk: int) -> HttpResponse:
    programme, refused = _programme_for(request, pk, ("POST",), manage=True)
    if refused:
        return refused
    project = get_object_or_404(programme_projects(programme), pk=project_pk)
    try:
        services.programme_project_remove(programme=programme, project=project, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{project.key} taken out of {programme.key}.")
    return redirect("reports:programme_settings", programme.pk)


@login_required
def programme_delete(request: HttpRequest, pk: int) -> HttpResponse:
    programme, refused = _programme_for(request, pk, ("POST",), manage=True)
    if refused:
        return refused
    services.programme_delete(programme=programme, by=request.user)
    messages.success(request, f"Programme {programme.key} deleted; its projects stay.")
    return redirect("reports:programmes")
