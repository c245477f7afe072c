"""Pages of lessons learned: a project's lessons (members add them, even once it is closed), the
search across every project the user can see, and the panel of lessons offered on the overview of
a project being planned (the projects app may not import reports, so its overview loads the panel
by URL with htmx, with a plain link as the fallback)."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from projects.exceptions import StaleEdit
from projects.forms import attach_errors
from projects.models import Project, Role
from projects.views.base import READ, READ_WRITE, WRITE, door, not_allowed
from reports.forms import LessonForm, LessonSearchForm
from reports.models import LessonLearned
from reports.selectors import lessons as selectors
from reports.services import lessons as services

PAGE_SIZE = 25
PLANNING_STAGES = (Project.Stage.INITIATING, Project.Stage.PLANNING)


def _can_add(project: Project) -> bool:
    """Members and managers add lessons, on a closed project too (DESIGN §3)."""
    return Role(project.my_role).covers(Role.MEMBER)


def _mark_editable(project: Project, user, lessons: list[LessonLearned]) -> None:
    """Set ``editable`` on each lesson: its author or a manager, while the project is open (the
    rule of ``reports.services.lessons.may_edit``, from the role the door already read)."""
    role = Role(project.my_role)
    for lesson in lessons:
        lesson.editable = (
            not project.is_closed
            and role.covers(Role.MEMBER)
            and (role == Role.MANAGER or lesson.created_by_id == user.pk)
        )


@login_required
def lesson_list(request: HttpRequest, pk: int) -> HttpResponse:
    """A project's lessons learned, newest first; POST adds one (members, even when closed)."""
    project, refused = door(request, pk, READ_WRITE, allow_closed=True)
    if refused:
        return refused
    form = LessonForm(request.POST or None, prefix="lesson")
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            lesson = services.lesson_create(project=project, by=request.user, **fields)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, f"Lesson “{lesson.title}” recorded.")
            return redirect("reports:lessons", pk=project.pk)
    category = request.GET.get("category", "")
    if category not in LessonLearned.Category.values:
        category = ""
    lessons = selectors.lessons_of(project)
    if category:
        lessons = lessons.filter(category=category)
    lessons = list(lessons)
    _mark_editable(project, request.user, lessons)
    return render(
        request,
        "reports/lessons/lesson_list.html",
        {
            "project": project,
            "area": "lessons",
            "lessons": lessons,
            "category": category,
            "categories": LessonLearned.Category.choices,
            "form": form,
            "can_add": _can_add(project),
        },
        status=400 if form.errors else 200,
    )


def _editable_lesson(request: HttpRequest, project: Project, lesson_pk: int) -> LessonLearned:
    """The project's lesson, if the user may change it."""
    lesson = get_object_or_404(selectors.lessons_of(project), pk=lesson_pk)
    _mark_editable(project, request.user, [lesson])
    if not lesson.editable:
        raise PermissionDenied(
            f"Only the lesson's author or a manager of {project.key} can change it."
        )
    return lesson


@login_required
def lesson_edit(request: HttpRequest, pk: int, lesson_pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    lesson = _editable_lesson(request, project, lesson_pk)
    form = LessonForm(request.POST or None, instance=copy.copy(lesson))
    stale = False
    if request.method == "POST" and form.is_valid():
        try:
            lesson = services.lesson_update(
                lesson=lesson,
                by=request.user,
                version=form.cleaned_data["version"],
                **form.changes(),
            )
        except StaleEdit as error:
            stale = True
            form.add_error(None, str(error))
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, f"Lesson “{lesson.title}” saved.")
            return redirect("reports:lessons", pk=project.pk)
    return render(
        request,
        "reports/lessons/lesson_form.html",
        {"project": project, "area": "lessons", "form": form, "lesson": lesson},
        status=409 if stale else 400 if form.errors else 200,
    )


@login_required
def lesson_delete(request: HttpRequest, pk: int, lesson_pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    lesson = _editable_lesson(request, project, lesson_pk)
    version = request.POST.get("version", "")
    try:
        services.lesson_delete(
            lesson=lesson, by=request.user, version=int(version) if version.isdigit() else None
        )
    except StaleEdit as error:
        messages.error(request, str(error))
        return redirect("reports:lesson_edit", pk=project.pk, lesson_pk=lesson.pk)
    messages.success(request, f"Lesson “{lesson.title}” removed.")
    return redirect("reports:lessons", pk=project.pk)


@login_required
def lessons_offered_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """Lessons from the user's earlier projects of the same type: a panel for the overview of a
    project being planned (htmx), or a page of its own."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    lessons, total = selectors.lessons_offered(request.user, project)
    template = "reports/lessons/lessons_offered.html"
    if request.htmx:
        template += "#lessons-offered"
    return render(
        request,
        template,
        {
            "project": project,
            "area": "lessons",
            "offered": lessons,
            "offered_total": total,
            "planning": project.stage in PLANNING_STAGES,
        },
    )


@login_required
def lesson_search(request: HttpRequest) -> HttpResponse:
    """Lessons learned across every project the user can see: words (full-text on PostgreSQL),
    category, project type and tag; htmx swaps the results, the form also works as a plain GET."""
    if refused := not_allowed(request, READ):
        return refused
    form = LessonSearchForm(request.GET or None)
    filters = form.filters()
    page = Paginator(selectors.lessons_search(request.user, **filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    template = "reports/lessons/lesson_search.html"
    if request.htmx and request.htmx.target == "lesson-results":
        template += "#lesson-results"
    return render(
        request,
        template,
        {
            "form": form if form.is_bound else LessonSearchForm(),
            "page": page,
            "lessons": page.object_list,
            "is_filtered": any(filters.values()),
            "query": query.urlencode(),
        },
    )
