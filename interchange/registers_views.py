"""The registers as files on the pages: the export links and the import form that each
register's list page shows (``interchange/register_files.html``), and the import page that
lists a refused file's problems by row and column."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from interchange import registers, sheets
from interchange.registers_api import export_response
from projects.models import Role
from projects.views.base import READ, READ_WRITE, door


def _register(name: str) -> registers.Register:
    try:
        return registers.REGISTERS[name]
    except KeyError:
        raise Http404("No such register.") from None


@login_required
def register_export(request: HttpRequest, pk: int, register: str) -> HttpResponse:
    """The register as CSV or Excel (``?format=xlsx``), or its template (``&template=1``)."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    format = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    template = request.GET.get("template") in ("1", "true", "yes")
    return export_response(project, _register(register), format, template)


@login_required
def register_import(request: HttpRequest, pk: int, register: str) -> HttpResponse:
    """Upload a file into the register: back to the list page on success, else this page with
    every problem listed (nothing imported)."""
    # The access door: 404 for a non-member first, then 405, then the member role (the form
    # page too), and a closed project refuses the import.
    project, refused = door(request, pk, READ_WRITE, Role.MEMBER, form=True)
    if refused:
        return refused
    definition = _register(register)
    back = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    result = None
    if request.method == "POST":
        result = registers.register_import_upload(
            register=definition, project=project, by=request.user, upload=request.FILES.get("file")
        )
        if result.ok:
            text = f"{result.created} row{'s' if result.created != 1 else ''} imported."
            if result.ignored_columns:
                text += " Columns skipped: " + ", ".join(result.ignored_columns) + "."
            messages.success(request, text)
            return redirect(back or request.path)
    return render(
        request,
        "interchange/register_import.html",
        {
            "project": project,
            "register": definition,
            "result": result,
            "back": back,
            "max_mb": sheets.MAX_BYTES // 1024 // 1024,
            "max_rows": sheets.MAX_ROWS,
        },
        status=400 if result is not None else 200,
    )
