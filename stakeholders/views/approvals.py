"""Approvals: the project's list (managers ask from it), one approval's page (the link in the
approver's e-mail, where only they can decide), and each user's "my work"."""

from __future__ import annotations

import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from projects import clock
from projects.approval_subjects import approval_subjects
from projects.forms import attach_errors
from projects.models import ChangeRequest, Deliverable, Project, Role
from projects.views.base import READ, READ_WRITE, WRITE, can, door, error_text, not_allowed
from stakeholders import selectors, services
from stakeholders.forms import ApprovalDecisionForm, ApprovalRequestForm
from stakeholders.models import Approval
from stakeholders.services.common import display_name


def _subjects(project: Project) -> tuple[list[tuple[str, str]], dict[str, object]]:
    """What can be sent for approval now: submitted deliverables and change requests, the
    stages (gates) and the project's closure; as choices and by choice value."""
    found: dict[str, object] = {}
    choices: list[tuple[str, str]] = []
    for deliverable in Deliverable.objects.filter(
        project=project, status=Deliverable.Status.SUBMITTED
    ).order_by("name"):
        found[f"deliverable-{deliverable.pk}"] = deliverable
    for change in ChangeRequest.objects.filter(
        project=project, status=ChangeRequest.Status.SUBMITTED
    ).order_by("id"):
        found[f"change_request-{change.pk}"] = change
    # What apps beside stakeholders register (scheduling's stage gates), never imported here.
    registered = approval_subjects()
    for subject_type in registered:
        for subject in subject_type.candidates(project):
            found[f"{subject_type.prefix}-{subject.pk}"] = subject
    if not project.is_closed:
        found["project"] = project
    labels = {
        Deliverable: "Deliverable acceptance",
        ChangeRequest: "Change request",
        **{subject_type.model: subject_type.title for subject_type in registered},
        Project: "Project closure",
    }
    for value, subject in found.items():
        label = services.subject_label(subject)
        choices.append((value, f"{labels[type(subject)]}: {label[0].upper()}{label[1:]}"))
    return choices, found


@login_required
def approval_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The project's approvals, pending first; managers ask for one here (POST)."""
    project, refused = door(request, pk, READ_WRITE, need=Role.MANAGER)
    if refused:
        return refused
    form = None
    found: dict[str, object] = {}
    if can(project, Role.MANAGER):
        choices, found = _subjects(project)
        form = ApprovalRequestForm(request.POST or None, project=project, subjects=choices)
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            approval = services.approval_request(
                project=project,
                by=request.user,
                subject=found[form.cleaned_data["subject"]],
                approver=form.cleaned_data["approver"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request,
                f"{display_name(approval.approver)} was asked to approve "
                f"{services.subject_label(approval.subject)} and e-mailed a link.",
            )
            return redirect("stakeholders:approvals", pk=project.pk)
    decision = request.GET.get("decision", "")
    if decision not in Approval.Decision.values:
        decision = ""
    approvals = list(selectors.approvals_of(project, decision=decision))
    approvals.sort(key=lambda a: not a.is_pending)  # pending first, each group newest first
    for approval in approvals:
        approval.subject_text = services.subject_label(approval.subject)
    return render(
        request,
        "stakeholders/approval_list.html",
        {
            "project": project,
            "area": "approvals",
            "approvals": approvals,
            "pending_count": sum(1 for a in approvals if a.is_pending),
            "decision": decision,
            "decisions": Approval.Decision.choices,
            "form": form,
            "can_manage": can(project, Role.MANAGER),
        },
    )


@login_required
def approval_detail(request: HttpRequest, pk: int, approval_pk: int) -> HttpResponse:
    """One approval (the e-mail's link). Its approver decides here, once; for anyone else the
    page is read-only and a POST is refused (403)."""
    project, refused = door(request, pk, READ_WRITE, need=Role.VIEWER)
    if refused:
        return refused
    approval = selectors.get_approval(project, approval_pk)
    if request.method == "POST" and project.is_closed:  # the approver may be a viewer
        raise PermissionDenied(f"{project.key} is closed and read-only.")
    if request.method == "POST" and approval.approver_id != request.user.pk:
        raise PermissionDenied(
            f"Only {display_name(approval.approver)} can decide this approval; "
            "it is addressed to them."
        )
    form = ApprovalDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            approval = services.approval_decide(
                approval=approval,
                by=request.user,  # the service refuses anyone but the approver (403)
                decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request,
                f"You {approval.get_decision_display().lower()} "
                f"{services.subject_label(approval.subject)}.",
            )
            return redirect("stakeholders:approval", pk=project.pk, approval_pk=approval.pk)
    history = list(selectors.approvals_for_subject(approval.subject))
    return render(
        request,
        "stakeholders/approval_detail.html",
        {
            "project": project,
            "area": "approvals",
            "approval": approval,
            "subject_text": services.subject_label(approval.subject),
            "subject_url": services.subject_url(approval.subject),
            "outcome": services.approval_outcome(approval),
            "is_approver": approval.approver_id == request.user.pk,
            "form": form,
            "history": [a for a in history if a.pk != approval.pk],
            "can_withdraw": approval.is_pending
            and not project.is_closed
            and (approval.requested_by_id == request.user.pk or can(project, Role.MANAGER)),
        },
    )


@login_required
def approval_withdraw(request: HttpRequest, pk: int, approval_pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    approval = selectors.get_approval(project, approval_pk)
    try:
        services.approval_withdraw(approval=approval, by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, "The approval request was withdrawn.")
    return redirect("stakeholders:approval", pk=project.pk, approval_pk=approval.pk)


# --- my work --------------------------------------------------------------------------------------


@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    """The user's open actions (overdue first) and the approvals waiting for them, across every
    project they are in."""
    if refused := not_allowed(request, READ):
        return refused
    actions = list(selectors.my_open_actions(request.user))
    today_by_zone: dict[str, object] = {}
    for action in actions:
        zone = action.project.time_zone
        if zone not in today_by_zone:
            today_by_zone[zone] = clock.today(zoneinfo.ZoneInfo(zone))
        action.overdue = action.is_overdue(today_by_zone[zone])
        action.days_late = (today_by_zone[zone] - action.due_date).days
    approvals = list(selectors.approvals_waiting_for(request.user))
    for approval in approvals:
        approval.subject_text = services.subject_label(approval.subject)
    overdue = [a for a in actions if a.overdue]
    return render(
        request,
        "stakeholders/my_work.html",
        {
            "overdue": overdue,
            "open_actions": [a for a in actions if not a.overdue],
            "approvals": approvals,
            "action_count": len(actions),
        },
    )
