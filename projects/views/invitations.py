"""Invitations: the manager's invite and revoke on the members page, and the invitee's link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from projects.forms import InvitationForm, InvitationSignUpForm, attach_errors
from projects.models import Role
from projects.services import (
    invitation_accept,
    invitation_create,
    invitation_for_token,
    invitation_revoke,
    invitation_sign_up,
)
from projects.services.invitations import account_exists_for
from projects.views.base import WRITE, door
from projects.views.project import render_members

# The invitee just proved their address and chose a password: they are signed in directly, as
# allauth's backend would sign them in.
_SIGN_IN_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


@login_required
def invitation_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Invite someone by e-mail address (managers); the members page lists it as pending."""
    project, refused = door(request, pk, WRITE, Role.MANAGER)
    if refused:
        return refused
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = invitation_create(
                project=project,
                by=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request,
                f"Invitation sent to {invitation.email} as {invitation.get_role_display()}; "
                "the link works for 7 days.",
            )
            return redirect("projects:members", pk=project.pk)
    return render_members(request, project, invite_form=form)


@login_required
def invitation_cancel(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    """Revoke a pending invitation (managers): its link stops working."""
    project, refused = door(request, pk, WRITE, Role.MANAGER)
    if refused:
        return refused
    invitation = get_object_or_404(project.invitations, pk=invitation_pk)
    try:
        invitation_revoke(invitation=invitation, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Invitation to {invitation.email} revoked.")
    return redirect("projects:members", pk=project.pk)


@require_http_methods(["GET", "POST"])
def invitation_open(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed link: accept as the signed-in person, sign in first, or create the account
    of an address that has none."""
    try:
        invitation = invitation_for_token(token)
    except ValidationError as error:
        return render(
            request, "projects/invitation.html", {"problem": " ".join(error.messages)}, status=404
        )
    context = {"invitation": invitation, "project": invitation.project}
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                membership = invitation_accept(token=token, user=request.user)
            except ValidationError as error:
                context["problem"] = " ".join(error.messages)
            else:
                messages.success(
                    request,
                    f"Welcome to {membership.project.key}: you are a "
                    f"{membership.get_role_display().lower()}.",
                )
                return redirect("projects:overview", pk=membership.project_id)
        return render(request, "projects/invitation.html", context)
    if account_exists_for(invitation.email):
        if request.method == "POST":
            return redirect_to_login(request.get_full_path())
        context["sign_in"] = True
        return render(request, "projects/invitation.html", context)
    form = InvitationSignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, membership = invitation_sign_up(
                token=token,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            login(request, user, backend=_SIGN_IN_BACKEND)
            messages.success(
                request,
                f"Welcome to Charter and to {membership.project.key}: you are a "
                f"{membership.get_role_display().lower()}.",
            )
            return redirect("projects:overview", pk=membership.project_id)
    context["form"] = form
    return render(request, "projects/invitation.html", context)
