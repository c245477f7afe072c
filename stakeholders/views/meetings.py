"""Meetings (with their iCalendar invitation), the decision log and action items."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from projects import clock
from projects.comments import with_comment_counts
from projects.models import Role
from projects.views.base import READ, READ_WRITE, WRITE, can, door, error_text
from projects.views.editing import form_page, form_write
from stakeholders import selectors, services
from stakeholders.exports import meeting_ics
from stakeholders.forms import ActionItemForm, ActionStatusForm, DecisionLogForm, MeetingForm
from stakeholders.models import ActionItem, Decision, Meeting

# --- meetings -------------------------------------------------------------------------------------


@login_required
def meeting_list(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    meetings = list(selectors.meetings_of(project))
    now = clock.now()
    return render(
        request,
        "stakeholders/meeting_list.html",
        {
            "project": project,
            "area": "meetings",
            "upcoming": sorted(
                (m for m in meetings if m.ends_at >= now), key=lambda m: m.starts_at
            ),
            "past": [m for m in meetings if m.ends_at < now],
            "zone": project.time_zone,
            "can_edit": can(project),
        },
    )


@login_required
def meeting_new(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    # Times are typed and shown in the project's time zone.
    with timezone.override(project.zone):
        form = MeetingForm(
            request.POST or None, project=project, initial={"organiser": request.user}
        )
        if request.method == "POST" and form.is_valid():
            fields = form.creation()
            fields["organiser"] = fields.get("organiser") or request.user
            create = services.meeting_create
            if meeting := form_write(form, create, project=project, by=request.user, **fields):
                messages.success(request, f"“{meeting.title}” scheduled.")
                return redirect("stakeholders:meeting", pk=project.pk, meeting_pk=meeting.pk)
        return form_page(
            request, "stakeholders/meeting_form.html", project, "meetings", form, meeting=None
        )


@login_required
def meeting_edit(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    meeting = get_object_or_404(Meeting.objects.filter(project=project), pk=meeting_pk)
    with timezone.override(project.zone):
        form = MeetingForm(
            request.POST or None,
            instance=copy.copy(meeting),
            project=project,
            initial={
                "stakeholders": list(meeting.stakeholders.all()),
                "attendees": list(meeting.attendees.all()),
            },
        )
        if request.method == "POST" and form.is_valid():
            update = services.meeting_update
            if saved := form_write(form, update, meeting=meeting, by=request.user, **form.edit()):
                messages.success(request, f"“{saved.title}” saved.")
                return redirect("stakeholders:meeting", pk=project.pk, meeting_pk=saved.pk)
        return form_page(
            request, "stakeholders/meeting_form.html", project, "meetings", form, meeting=meeting
        )


@login_required
def meeting_detail(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    """One meeting: when, who, agenda and minutes, its decisions and actions (members add them
    here), and its calendar invitation."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    meeting = get_object_or_404(selectors.meetings_of(project), pk=meeting_pk)
    today = project.today()
    actions = list(
        ActionItem.objects.filter(meeting=meeting)
        .select_related("owner")
        .order_by("status", "due_date", "id")
    )
    for action in actions:
        action.overdue = action.is_overdue(today)
    return render(
        request,
        "stakeholders/meeting_detail.html",
        {
            "project": project,
            "area": "meetings",
            "meeting": meeting,
            "decisions": list(Decision.objects.filter(meeting=meeting).order_by("-date", "-id")),
            "actions": actions,
            "decision_form": DecisionLogForm(
                project=project,
                prefix="decision",
                initial={"meeting": meeting, "date": timezone.localdate(meeting.starts_at)},
            ),
            "action_form": ActionItemForm(
                project=project, prefix="action", initial={"meeting": meeting}
            ),
            "zone": project.time_zone,
            "can_edit": can(project),
        },
    )


@login_required
def meeting_invitation(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    """The meeting as an .ics file for Outlook, Google or Apple calendars."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    meeting = get_object_or_404(
        Meeting.objects.filter(project=project)
        .select_related("project", "organiser")
        .prefetch_related("attendees", "stakeholders"),
        pk=meeting_pk,
    )
    response = HttpResponse(meeting_ics(meeting), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{project.key}-meeting-{meeting.pk}.ics"'
    )
    return response


# --- decision log ---------------------------------------------------------------------------------


def _back(request: HttpRequest, fallback: str) -> str:
    """Where a form posted from another page (a meeting) returns to."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return fallback


@login_required
def decision_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The decision log; POST records a decision."""
    project, refused = door(request, pk, READ_WRITE)
    if refused:
        return refused
    form = DecisionLogForm(
        request.POST or None,
        project=project,
        prefix="decision",
        initial={"date": project.today()},
    )
    if request.method == "POST" and form.is_valid():
        if decision := form_write(
            form, services.decision_record, project=project, by=request.user, **form.creation()
        ):
            messages.success(request, f"Decision recorded: “{decision.title}”.")
            return redirect(_back(request, request.path))
    return render(
        request,
        "stakeholders/decision_list.html",
        {
            "project": project,
            "area": "decisions",
            "decisions": list(with_comment_counts(selectors.decisions_of(project))),
            "form": form,
            "can_edit": can(project),
        },
    )


@login_required
def decision_edit(request: HttpRequest, pk: int, decision_pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    decision = get_object_or_404(Decision.objects.filter(project=project), pk=decision_pk)
    form = DecisionLogForm(request.POST or None, instance=copy.copy(decision), project=project)
    if request.method == "POST" and form.is_valid():
        update = services.decision_update
        if saved := form_write(form, update, decision=decision, by=request.user, **form.edit()):
            messages.success(request, f"Decision “{saved.title}” saved.")
            return redirect("stakeholders:decisions", pk=project.pk)
    template = "stakeholders/decision_form.html"
    return form_page(request, template, project, "decisions", form, decision=decision)


# --- action items ---------------------------------------------------------------------------------


@login_required
def action_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Action items, open first; POST adds one. ``?status=open|done`` filters."""
    project, refused = door(request, pk, READ_WRITE)
    if refused:
        return refused
    form = ActionItemForm(request.POST or None, project=project, prefix="action")
    if request.method == "POST" and form.is_valid():
        create = services.action_item_create
        if action := form_write(form, create, project=project, by=request.user, **form.creation()):
            messages.success(request, f"Action “{action.title}” added.")
            return redirect(_back(request, request.path))
    status = request.GET.get("status", "")
    if status not in ActionItem.Status.values:
        status = ""
    today = project.today()
    actions = list(with_comment_counts(selectors.action_items_of(project, status=status)))
    for action in actions:
        action.overdue = action.is_overdue(today)
    return render(
        request,
        "stakeholders/action_list.html",
        {
            "project": project,
            "area": "actions",
            "actions": actions,
            "overdue_count": sum(1 for a in actions if a.overdue),
            "status": status,
            "statuses": ActionItem.Status.choices,
            "form": form,
            "can_edit": can(project),
        },
    )


@login_required
def action_edit(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    action = get_object_or_404(ActionItem.objects.filter(project=project), pk=action_pk)
    form = ActionItemForm(request.POST or None, instance=copy.copy(action), project=project)
    if request.method == "POST" and form.is_valid():
        update = services.action_item_update
        if saved := form_write(form, update, action=action, by=request.user, **form.edit()):
            messages.success(request, f"Action “{saved.title}” saved.")
            return redirect("stakeholders:actions", pk=project.pk)
    template = "stakeholders/action_form.html"
    return form_page(request, template, project, "actions", form, action=action)


@login_required
def action_status(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    """Mark an action done or open again: members, and the action's owner whatever their role
    (a viewer who took an action in a steering meeting closes it from "my work")."""
    project, refused = door(request, pk, WRITE, need=Role.VIEWER)
    if refused:
        return refused
    action = get_object_or_404(ActionItem.objects.filter(project=project), pk=action_pk)
    if project.is_closed:
        raise PermissionDenied(f"{project.key} is closed and read-only.")
    if not can(project) and action.owner_id != request.user.pk:
        raise PermissionDenied("Only members and the action's owner can change its status.")
    form = ActionStatusForm(request.POST)
    if form.is_valid():
        try:
            action = services.action_item_set_status(
                action=action, by=request.user, status=form.cleaned_data["status"]
            )
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            word = "done" if action.status == ActionItem.Status.DONE else "open again"
            messages.success(request, f"“{action.title}” is {word}.")
    return redirect(_back(request, reverse("stakeholders:actions", args=[project.pk])))
