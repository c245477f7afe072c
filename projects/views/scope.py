"""Scope pages: the charter, objectives, requirements and traceability, and saving a template.

Deliverables, the WBS and change control have modules of their own (``deliverables``, ``wbs``,
``changes``); all of them follow the same rules.

Every view opens the project through ``projects.views.base.door`` before it looks at the HTTP
method, so a non-member gets 404 whatever they send (DESIGN §3). Reading needs the viewer role,
writing the member role, and decisions (accepting or rejecting a deliverable, approving or
rejecting a change request, saving the project as a template) the manager role. The rules
themselves live in ``projects.services``; these views turn their refusals into messages next to
what caused them.
"""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, Q, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from projects import services
from projects.comments import with_comment_counts
from projects.forms import (
    CharterForm,
    ObjectiveForm,
    RequirementFilterForm,
    RequirementForm,
    TemplateSaveForm,
    attach_errors,
)
from projects.models import (
    Charter,
    Deliverable,
    Objective,
    Project,
    Requirement,
    Role,
)
from projects.selectors import (
    change_log_totals,
    requirements_of,
    traceability,
)
from projects.views.base import READ, READ_WRITE, WRITE, door, rights
from projects.views.editing import form_page, form_write, form_write_changes, write_done

# --- Charter -------------------------------------------------------------------------------------


@login_required
def charter(request: HttpRequest, pk: int) -> HttpResponse:
    """The charter as one printable page, with the objectives it commits to."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    # Reading never creates the record: an unwritten charter is shown empty.
    document = Charter.objects.filter(project=project).first() or Charter(project=project)
    return render(
        request,
        "projects/charter_detail.html",
        {
            "project": project,
            "area": "charter",
            "charter": document,
            "sections": [
                (Charter._meta.get_field(name).verbose_name, getattr(document, name))
                for name in Charter.TEXT_FIELDS
            ],
            "objectives": project.objectives.all(),
            **rights(project),
        },
    )


@login_required
def charter_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    document = Charter.objects.filter(project=project).first() or Charter(project=project)
    # The form validates a copy, so a refused edit never leaks into what the page shows.
    form = CharterForm(request.POST or None, instance=copy.copy(document))
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, "Nothing changed.")
            return redirect("projects:charter", pk=project.pk)
        if form_write(
            form, services.charter_update, project=project, by=request.user, **form.edit()
        ):
            messages.success(request, "Charter saved.")
            return redirect("projects:charter", pk=project.pk)
    return form_page(request, "projects/charter_form.html", project, "charter", form)


# --- Objectives ----------------------------------------------------------------------------------


@login_required
def objectives(request: HttpRequest, pk: int) -> HttpResponse:
    """The objectives table; POST adds one (htmx swaps the table and the add form)."""
    project, refused = door(request, pk, READ_WRITE)
    if refused:
        return refused
    form = ObjectiveForm(request.POST or None, prefix="new")
    status = ""
    if request.method == "POST" and form.is_valid():
        if objective := form_write(
            form, services.objective_create, project=project, by=request.user, **form.creation()
        ):
            status = f"Objective “{objective.description}” added."
            if not request.htmx:
                messages.success(request, status)
                return redirect("projects:objectives", pk=project.pk)
            form = ObjectiveForm(prefix="new")
    return _render_objectives(request, project, add_form=form, status=status)


@login_required
def objective_edit(request: HttpRequest, pk: int, objective_pk: int) -> HttpResponse:
    """Edit one objective in its table row (htmx), or on the objectives page without JS."""
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    objective = get_object_or_404(Objective, project=project, pk=objective_pk)
    form = ObjectiveForm(request.POST or None, instance=copy.copy(objective), prefix="edit")
    if request.method == "POST" and form.is_valid():
        update = services.objective_update
        saved = form_write_changes(
            form, update, unchanged=objective, objective=objective, by=request.user
        )
        if saved:
            if request.htmx:
                return render(
                    request,
                    "projects/objective_list.html#objective-row",
                    {"project": project, "o": saved, "saved": True, **rights(project)},
                )
            messages.success(request, "Objective saved.")
            return redirect("projects:objectives", pk=project.pk)
    if request.htmx:
        return render(
            request,
            "projects/objective_list.html#objective-edit-row",
            {"project": project, "o": objective, "edit_form": form, **rights(project)},
        )
    return _render_objectives(request, project, editing=objective.pk, edit_form=form)


@login_required
def objective_delete(request: HttpRequest, pk: int, objective_pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    objective = get_object_or_404(Objective, project=project, pk=objective_pk)
    # A plain delete of one record with no rule to check (STYLE 5); history keeps who did it.
    objective._history_user = request.user
    objective.delete()
    status = f"Objective “{objective.description}” deleted."
    return write_done(request, project, status, _render_objectives, "projects:objectives")


def _render_objectives(
    request: HttpRequest,
    project: Project,
    *,
    add_form: ObjectiveForm | None = None,
    editing: int | None = None,
    edit_form: ObjectiveForm | None = None,
    status: str = "",
) -> HttpResponse:
    template = "projects/objective_list.html"
    if request.htmx:
        template += "#objectives-region"
    return render(
        request,
        template,
        {
            "project": project,
            "area": "objectives",
            "objectives": list(project.objectives.all()),
            "add_form": add_form or ObjectiveForm(prefix="new"),
            "editing": editing,
            "edit_form": edit_form,
            "status": status,
            **rights(project),
        },
    )


# --- Requirements --------------------------------------------------------------------------------


@login_required
def requirements(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    form = RequirementFilterForm(request.GET)
    filters = form.filters()
    sort = form.current_sort
    rows = list(
        with_comment_counts(requirements_of(project))
        .filter(**filters)
        .annotate(
            priority_rank=_rank("priority", Requirement.Priority),
            status_rank=_rank("status", Requirement.Status),
        )
        .order_by(
            ("-" if sort.startswith("-") else "") + REQUIREMENT_SORTS[sort.lstrip("-")], "ref"
        )
    )
    template = "projects/requirement_list.html"
    if request.htmx:
        template += "#requirement-table"
    return render(
        request,
        template,
        {
            "project": project,
            "area": "requirements",
            "form": form,
            "requirements": rows,
            "is_filtered": bool(filters),
            "sort": sort,
            "categories": _categories(project),
            **rights(project),
        },
    )


@login_required
def requirement_new(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    form = RequirementForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        # The requirement's only model-wide check is its reference being unique.
        requirement = form_write(
            form,
            services.requirement_create,
            aliases={"__all__": "ref"},
            project=project,
            by=request.user,
            **form.creation(),
        )
        if requirement:
            messages.success(request, f"{requirement.ref} added.")
            return redirect("projects:requirements", pk=project.pk)
    return _render_requirement_form(request, project, form)


@login_required
def requirement_edit(request: HttpRequest, pk: int, requirement_pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    requirement = get_object_or_404(Requirement, project=project, pk=requirement_pk)
    form = RequirementForm(request.POST or None, instance=copy.copy(requirement), project=project)
    if request.method == "POST" and form.is_valid():
        saved = form_write(
            form,
            services.requirement_update,
            aliases={"__all__": "ref"},
            requirement=requirement,
            by=request.user,
            **form.edit(),
        )
        if saved:
            messages.success(request, f"{saved.ref} saved.")
            return redirect("projects:requirements", pk=project.pk)
    return _render_requirement_form(request, project, form, requirement=requirement)


@login_required
def requirement_traceability(request: HttpRequest, pk: int) -> HttpResponse:
    """Requirements × deliverables, and what traces to nothing."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    return render(
        request,
        "projects/requirement_traceability.html",
        {"project": project, "area": "requirements", **traceability(project)},
    )


# Priorities and statuses sort in their own order (Must before Should), not alphabetically.
REQUIREMENT_SORTS = {
    "ref": "ref",
    "category": "category",
    "priority": "priority_rank",
    "status": "status_rank",
}


def _rank(field: str, choices: Any) -> Case:
    """The position of ``field``'s value among ``choices``, for ordering."""
    return Case(
        *(When(**{field: value}, then=i) for i, value in enumerate(choices.values)),
        default=len(choices.values),
    )


def _categories(project: Project) -> list[str]:
    """The template's categories first, then any others already in use."""
    categories = list(project.requirement_categories)
    used = (
        Requirement.objects.filter(project=project)
        .exclude(category="")
        .values_list("category", flat=True)
        .distinct()
        .order_by("category")
    )
    return categories + [c for c in used if c not in categories]


def _render_requirement_form(
    request: HttpRequest,
    project: Project,
    form: RequirementForm,
    *,
    requirement: Requirement | None = None,
) -> HttpResponse:
    return render(
        request,
        "projects/requirement_form.html",
        {
            "project": project,
            "area": "requirements",
            "form": form,
            "requirement": requirement,
            "categories": _categories(project),
            "next_ref": None if requirement else services.requirement_next_ref(project),
        },
    )


# --- Templates -----------------------------------------------------------------------------------


@login_required
def template_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the project's objectives, WBS, deliverables and categories as a template."""
    project, refused = door(request, pk, READ_WRITE, Role.MANAGER, form=True)
    if refused:
        return refused
    form = TemplateSaveForm(request.POST or None, initial={"name": f"{project.name} template"})
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_from_project(
                project=project, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request,
                f"Saved as template “{template.name}”. It is offered to you when creating a "
                "project; only you see it unless an administrator publishes it.",
            )
            return redirect(project)
    summary = Project.objects.filter(pk=project.pk).aggregate(
        objectives=Count("objectives", distinct=True),
        work_packages=Count("work_packages", distinct=True),
        deliverables=Count("deliverables", distinct=True),
    )
    return render(
        request,
        "projects/projecttemplate_form.html",
        {"project": project, "area": "template", "form": form, "summary": summary},
    )


def scope_summary(project: Project) -> dict[str, int]:
    """The overview's scope figures: deliverables accepted of all, change requests pending."""
    counts = Deliverable.objects.filter(project=project).aggregate(
        total=Count("id"), accepted=Count("id", filter=Q(status=Deliverable.Status.ACCEPTED))
    )
    totals = change_log_totals(project)
    return {
        "deliverables": counts["total"],
        "accepted": counts["accepted"],
        "pending_changes": totals["pending"],
        "approved_changes": totals["approved"],
    }
