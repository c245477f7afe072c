"""Invitations: managers invite people by e-mail address; the link makes them members."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from projects.events import record_event
from projects.models import Invitation, Membership, Project, Role
from projects.models.invitation import INVITATION_LIFETIME, token_digest
from projects.queue import enqueue_on_commit
from projects.services.accounts import email_address_verify
from projects.site import absolute_url

logger = logging.getLogger(__name__)

INVALID_LINK = (
    "This invitation link is not valid: it may have been used already, revoked by the project "
    "manager, or mistyped. Ask the manager to invite you again."
)


def _normalised(email: str) -> str:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid e-mail address."}) from None
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


@transaction.atomic
def invitation_create(
    *, project: Project, by: AbstractBaseUser, email: str, role: str = Role.MEMBER
) -> Invitation:
    """Invite ``email`` to the project with ``role``; the e-mail with the link goes out after
    commit. Inviting an address again replaces its open invitation (a new link, a new week)."""
    email = _normalised(email)
    if role not in Role.values:
        raise ValidationError({"role": f"“{role}” is not a role; use manager, member or viewer."})
    Project.objects.select_for_update().filter(pk=project.pk).first()
    if Membership.objects.filter(project=project, user__email__iexact=email).exists():
        raise ValidationError({"email": f"Someone with {email} is already a member."})
    now = timezone.now()
    Invitation.objects.filter(
        project=project, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    token, digest = Invitation.new_token()
    invitation = Invitation.objects.create(
        project=project,
        email=email,
        role=role,
        token_hash=digest,
        invited_by=by,
        expires_at=now + INVITATION_LIFETIME,
    )
    # The link's token is known only here (the table keeps its digest): it travels with the task.
    enqueue_on_commit("projects.tasks.send_invitation", invitation.pk, token)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: AbstractBaseUser) -> Invitation:
    """Revoke an open invitation: its link stops working. Revoking twice changes nothing."""
    current = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if current.accepted_at:
        raise ValidationError(
            "This invitation was already accepted: remove the member instead if needed."
        )
    if current.revoked_at is None:
        current.revoked_at = timezone.now()
        current.save(update_fields=["revoked_at"])
    return current


def invitation_url(token: str) -> str:
    return absolute_url(reverse("projects:invitation", kwargs={"token": token}))


def invitation_send(*, invitation_id: int, token: str) -> bool:
    """E-mail the link; True when a message went out. Safe to run twice: nothing for a link
    already sent, an invitation no longer pending, or a token that is not this one (replaced)."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("project", "invited_by")
            .filter(pk=invitation_id, token_hash=token_digest(token))
            .first()
        )
        if (
            invitation is None
            or invitation.sent_at
            or invitation.status() != Invitation.Status.PENDING
        ):
            return False
        inviter = invitation.invited_by
        context = {
            "invitation": invitation,
            "project": invitation.project,
            "inviter": (inviter.get_full_name() or inviter.get_username())
            if inviter
            else "A manager",
            "url": invitation_url(token),
        }
        send_mail(
            subject=f"[{invitation.project.key}] You are invited to {invitation.project.name}",
            message=render_to_string("projects/email/invitation.txt", context),
            html_message=render_to_string("projects/email/invitation.html", context),
            from_email=None,
            recipient_list=[invitation.email],
        )
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
    return True


def invitation_for_token(token: str) -> Invitation:
    """The pending invitation of a link, or a ValidationError saying plainly why not."""
    invitation = (
        Invitation.objects.select_related("project", "invited_by")
        .filter(token_hash=token_digest(token))
        .first()
    )
    if invitation is None or invitation.revoked_at:
        raise ValidationError(INVALID_LINK)
    if invitation.accepted_at:
        raise ValidationError("This invitation has already been accepted. Sign in to continue.")
    if invitation.status() == Invitation.Status.EXPIRED:
        raise ValidationError(
            "This invitation expired. Ask the project manager to invite you again."
        )
    return invitation


def account_exists_for(email: str) -> bool:
    return get_user_model()._default_manager.filter(email__iexact=email, is_active=True).exists()


@transaction.atomic
def invitation_accept(*, token: str, user: AbstractBaseUser) -> Membership:
    """Make ``user`` a member as the link says, once. The signed-in account must carry the
    invited address, so a forwarded link cannot add someone else."""
    invitation = invitation_for_token(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    invitation_for_token(token)  # again under the lock: a concurrent accept or revoke wins
    if (user.email or "").strip().lower() != invitation.email.lower():
        raise ValidationError(
            f"This invitation is for {invitation.email}, and you are signed in as "
            f"{user.get_username()}. Sign out and open the link again to use that address."
        )
    membership = Membership.objects.filter(project=invitation.project, user=user).first()
    if membership is None:
        membership = Membership(project=invitation.project, user=user, role=invitation.role)
        membership._history_user = user
        try:
            with transaction.atomic():
                membership.save()
        except IntegrityError:  # joined by another door meanwhile
            membership = Membership.objects.get(project=invitation.project, user=user)
    # The link came to this address: it is proved, as allauth's confirmation link would.
    email_address_verify(user=user, email=invitation.email)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    record_event(
        "invitation.accepted",
        project=invitation.project,
        target=user,
        actor=user,
        data={
            "invited_by": invitation.invited_by_id,
            "url": reverse("projects:members", kwargs={"pk": invitation.project_id}),
        },
    )
    return membership


@transaction.atomic
def invitation_sign_up(
    *, token: str, username: str, password: str, first_name: str = "", last_name: str = ""
) -> tuple[AbstractBaseUser, Membership]:
    """Create the account of an invitee whose address has none, and accept. Raises a
    ValidationError per field for a taken username or a password the validators refuse."""
    invitation = invitation_for_token(token)
    if account_exists_for(invitation.email):
        raise ValidationError(
            {"username": "An account with this e-mail address exists: sign in to accept."}
        )
    User = get_user_model()
    username = username.strip()
    if not username:
        raise ValidationError({"username": "Choose a username."})
    if User._default_manager.filter(username__iexact=username).exists():
        raise ValidationError({"username": "This username is taken; choose another."})
    user = User(
        username=username, email=invitation.email, first_name=first_name, last_name=last_name
    )
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password1": error.messages}) from None
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user, invitation_accept(token=token, user=user)
