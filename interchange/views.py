"""Pages of a plan import: upload, the preview (polled while the file is read), confirm."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from interchange import services
from interchange.forms import ImportForm
from interchange.models import Import
from interchange.selectors import imports_for
from projects.forms import attach_errors
from projects.models import Role
from projects.selectors import get_project_for


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    """Upload a plan, for a new project or (``?project=``) into an empty one I manage."""
    project_pk = request.GET.get("project") or request.POST.get("project")
    project = get_project_for(request.user, project_pk, need=Role.MANAGER) if project_pk else None
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            upload = services.import_create(
                by=request.user,
                file=form.cleaned_data["file"],
                project=project,
                name=form.cleaned_data["name"],
                key=form.cleaned_data["key"].upper(),
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            return redirect("interchange:import_detail", upload.pk)
    return render(request, "interchange/import_form.html", {"form": form, "target": project})


@login_required
@require_http_methods(["GET"])
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The import's status and, once read, what it would do; htmx polls it while pending."""
    upload = get_object_or_404(imports_for(request.user).defer("data"), pk=pk)
    template = "interchange/import_detail.html"
    if request.htmx:
        template += "#import-status"
    return render(request, template, {"upload": upload, "Status": Import.Status})


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    upload = get_object_or_404(imports_for(request.user).defer("data"), pk=pk)
    if upload.project_id is not None:
        get_project_for(request.user, upload.project_id, need=Role.MANAGER)
    try:
        project = services.import_confirm(upload=upload, by=request.user)
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, f"Nothing was imported: {text}")
        return redirect("interchange:import_detail", upload.pk)
    messages.success(request, f"The plan was imported into {project.key}.")
    return redirect(project)
