"""The issue log pages: the log filtered by status, logging an issue and editing one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect

from projects.comments import with_comment_counts
from projects.exceptions import StaleEdit
from projects.forms import attach_errors
from projects.views.base import READ_WRITE, can, door
from risks import selectors, services
from risks.forms import (
    IssueEditForm,
    IssueForm,
)
from risks.models import Issue
from risks.views.base import _page

# --- issues ---------------------------------------------------------------------------------------


@login_required
def issues(request: HttpRequest, pk: int) -> HttpResponse:
    """The issue log; POST logs a new issue."""
    project, refused = door(request, pk, READ_WRITE)
    if refused:
        return refused
    form = None
    if request.method == "POST":
        form = IssueForm(request.POST, project=project, prefix="new")
        if form.is_valid():
            try:
                issue = services.issue_create(project=project, by=request.user, **form.values())
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, f"{issue.reference} logged.")
                return redirect("risks:issues", pk=project.pk)
    if form is None and can(project):
        form = IssueForm(project=project, prefix="new")
    status = request.GET.get("status", "")
    rows = list(
        with_comment_counts(
            selectors.issues_of(
                project,
                unresolved=True if status == "unresolved" else None,
                status=status if status in Issue.Status.values else None,
            )
        )
    )
    return _page(
        request,
        "risks/issue_list.html",
        project,
        area="risk_issues",
        issues=rows,
        add_form=form,
        add_open=request.method == "POST",
        status=status,
        statuses=Issue.Status.choices,
    )


@login_required
def issue_edit(request: HttpRequest, pk: int, issue_pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    issue = get_object_or_404(Issue.objects.select_related("risk"), project=project, pk=issue_pk)
    if request.method == "POST":
        form = IssueEditForm(request.POST, project=project)
        if form.is_valid():
            try:
                issue = services.issue_update(
                    issue=issue,
                    by=request.user,
                    version=form.cleaned_data.get("version"),
                    **form.values(),
                )
            except StaleEdit as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, f"{issue.reference} saved.")
                return redirect("risks:issues", pk=project.pk)
    else:
        names = ["title", "description", "priority", "owner", "due_date", "status", "resolution"]
        initial = {name: getattr(issue, name) for name in names}
        form = IssueEditForm(initial={**initial, "version": issue.version}, project=project)
    return _page(
        request, "risks/issue_form.html", project, area="risk_issues", form=form, issue=issue
    )
