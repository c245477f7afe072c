"""Invitations: a manager invites by e-mail; the one-time link makes the invitee a member."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from projects import services
from projects.models import Invitation, Membership, Role
from tests.factories import UserFactory


def invite(project, manager, email="nina@example.com", role=Role.MEMBER):
    return services.invitation_create(project=project, by=manager, email=email, role=role)


@pytest.fixture
def mailed(smtp_server, settings, eager_tasks, django_capture_on_commit_callbacks):
    """Invite through a real SMTP server; returns (invitation, the link's path, message)."""
    settings.SITE_URL = "https://charter.example.org"

    def send(project, manager, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            invitation = invite(project, manager, **kwargs)
        recipients, message = smtp_server.messages[-1]
        text = message.get_body(preferencelist=("plain",)).get_content()
        link = re.search(r"https://charter\.example\.org(/invitations/[^/\s]+/)", text)
        return invitation, link.group(1), message

    return send


# --- service ---------------------------------------------------------------------------------


def test_invitation_create_emails_a_one_time_link_over_smtp(project, manager, mailed, smtp_server):
    """The invitee gets a text and HTML e-mail with the link, once, after the commit."""
    invitation, path, message = mailed(project, manager, email="Nina@Example.COM")
    assert message["To"] == "Nina@example.com"
    assert message["Subject"] == f"[{project.key}] You are invited to {project.name}"
    html = message.get_body(preferencelist=("html",)).get_content()
    assert f'href="https://charter.example.org{path}"' in html
    token = path.split("/")[2]
    assert token not in invitation.token_hash  # only a digest is stored
    assert services.invitation_send(invitation_id=invitation.pk, token=token) is False
    assert len(smtp_server.messages) == 1
    assert invitation.status() == Invitation.Status.PENDING
    lifetime = invitation.expires_at - invitation.created_at
    assert abs(lifetime - datetime.timedelta(days=7)) < datetime.timedelta(seconds=5)


def test_invitation_create_refuses_members_bad_addresses_and_roles(project, manager, member):
    """An existing member, a malformed address or an unknown role is refused with a message."""
    with pytest.raises(ValidationError, match="already a member"):
        invite(project, manager, email=member.email.upper())
    with pytest.raises(ValidationError, match="valid e-mail"):
        invite(project, manager, email="not-an-address")
    with pytest.raises(ValidationError, match="not a role"):
        invite(project, manager, role="boss")
    assert not Invitation.objects.exists()


def test_inviting_again_replaces_the_open_invitation(project, manager, mailed):
    """A second invitation to the same address revokes the first link."""
    first, first_path, _ = mailed(project, manager)
    second, second_path, _ = mailed(project, manager, role=Role.VIEWER)
    first.refresh_from_db()
    assert first.status() == Invitation.Status.REVOKED
    assert second.status() == Invitation.Status.PENDING
    with pytest.raises(ValidationError, match="not valid"):
        services.invitation_for_token(first_path.split("/")[2])


def test_invitation_accept_adds_the_membership_once(project, manager, mailed):
    """The account with the invited address joins with the role; the link then stops working."""
    nina = UserFactory(username="nina", email="nina@example.com")
    _, path, _ = mailed(project, manager, role=Role.VIEWER)
    token = path.split("/")[2]
    membership = services.invitation_accept(token=token, user=nina)
    assert (membership.user, membership.role) == (nina, Role.VIEWER)
    with pytest.raises(ValidationError, match="already been accepted"):
        services.invitation_accept(token=token, user=nina)
    assert Membership.objects.filter(project=project, user=nina).count() == 1


def test_invitation_accept_refuses_another_account(project, manager, mailed):
    """A forwarded link does not let a different account join."""
    other = UserFactory(username="eve", email="eve@example.com")
    _, path, _ = mailed(project, manager)
    with pytest.raises(ValidationError, match="is for nina@example.com"):
        services.invitation_accept(token=path.split("/")[2], user=other)
    assert not Membership.objects.filter(project=project, user=other).exists()


def test_expired_and_revoked_links_do_not_work(project, manager, mailed):
    """After seven days, or once revoked, the link answers with why and adds nobody."""
    nina = UserFactory(username="nina", email="nina@example.com")
    invitation, path, _ = mailed(project, manager)
    token = path.split("/")[2]
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    with pytest.raises(ValidationError, match="expired"):
        services.invitation_accept(token=token, user=nina)
    invitation, path, _ = mailed(project, manager)
    services.invitation_revoke(invitation=invitation, by=manager)
    with pytest.raises(ValidationError, match="not valid"):
        services.invitation_accept(token=path.split("/")[2], user=nina)
    assert not Membership.objects.filter(user=nina).exists()


# --- the link's page ---------------------------------------------------------------------------


def test_invitation_page_creates_the_account_and_signs_in(client, project, manager, mailed):
    """Someone new opens the link, chooses a username and password, and lands in the project."""
    _, path, _ = mailed(project, manager)
    page = client.get(path)
    assert page.status_code == 200
    assert "Create my account and join" in page.content.decode()
    response = client.post(
        path,
        {
            "username": "nina",
            "first_name": "Nina",
            "last_name": "New",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:overview", args=[project.pk])
    membership = Membership.objects.get(project=project, user__username="nina")
    assert membership.user.email == "nina@example.com" and membership.role == Role.MEMBER
    assert client.get(response["Location"]).status_code == 200  # signed in, a member


def test_invitation_page_refuses_a_weak_or_mismatched_password(client, project, manager, mailed):
    """The password validators and the repeat apply; nothing is created."""
    _, path, _ = mailed(project, manager)
    weak = client.post(
        path, {"username": "nina", "password1": "123", "password2": "123"}
    ).content.decode()
    assert "too short" in weak
    differ = client.post(
        path, {"username": "nina", "password1": "a-long-passphrase", "password2": "other-one"}
    ).content.decode()
    assert "The two passwords differ." in differ
    assert not Membership.objects.filter(user__username="nina").exists()


def test_invitation_page_asks_an_existing_account_to_sign_in(client, project, manager, mailed):
    """An address with an account signs in first, then accepts with one button."""
    nina = UserFactory(username="nina", email="nina@example.com")
    _, path, _ = mailed(project, manager)
    page = client.get(path).content.decode()
    assert "Sign in to accept" in page and "Create my account" not in page
    client.force_login(nina)
    assert client.post(path).status_code == 302
    assert Membership.objects.filter(project=project, user=nina).exists()


def test_invitation_page_for_a_bad_link_is_a_404_with_a_reason(client, db):
    """A made-up or used link says so, and reveals no project."""
    response = client.get(reverse("projects:invitation", args=["made-up"]))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_members_page_invites_lists_and_revokes(client_for, project, manager, mailed):
    """A manager sends an invitation from the members page, sees it pending and revokes it."""
    client = client_for(manager)
    response = client.post(
        reverse("projects:invite", args=[project.pk]),
        {"email": "nina@example.com", "role": Role.VIEWER},
    )
    assert response.status_code == 302
    page = client.get(reverse("projects:members", args=[project.pk])).content.decode()
    assert "nina@example.com" in page and "Pending" in page
    invitation = Invitation.objects.get()
    client.post(reverse("projects:invitation_revoke", args=[project.pk, invitation.pk]))
    page = client.get(reverse("projects:members", args=[project.pk])).content.decode()
    assert f'id="invitation-{invitation.pk}"' not in page


def test_members_page_invite_shows_errors_next_to_the_field(client_for, project, manager, member):
    """Inviting a member again is refused next to the e-mail input."""
    response = client_for(manager).post(
        reverse("projects:invite", args=[project.pk]), {"email": member.email, "role": "member"}
    )
    assert response.status_code == 200
    assert "already a member" in response.content.decode()


def test_only_managers_invite(client_for, api_for, project, member):
    """A member cannot invite, on the page (403/404) or the API (403)."""
    page = client_for(member).post(
        reverse("projects:invite", args=[project.pk]), {"email": "x@example.com"}
    )
    assert page.status_code in (403, 404)
    api = api_for(member).post(
        f"/api/v1/projects/{project.pk}/invitations/", {"email": "x@example.com"}
    )
    assert api.status_code == 403
    assert not Invitation.objects.exists()


# --- API -----------------------------------------------------------------------------------------


def test_invitations_api_create_list_and_revoke(
    api_for, project, manager, viewer, django_assert_max_num_queries
):
    """POST invites (201, no token in the answer), members list them, DELETE revokes."""
    client = api_for(manager)
    url = f"/api/v1/projects/{project.pk}/invitations/"
    response = client.post(url, {"email": "nina@example.com", "role": "viewer"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["email"], body["role"], body["status"]) == (
        "nina@example.com",
        "viewer",
        "pending",
    )
    assert not any("token" in key for key in body)
    for n in range(5):
        client.post(url, {"email": f"p{n}@example.com"})
    with django_assert_max_num_queries(3):
        listed = api_for(viewer).get(url)
    assert listed.json()["count"] == 6
    client = api_for(manager)
    deleted = client.delete(f"{url}{body['id']}/")
    assert deleted.status_code == 204, deleted.json()
    assert client.get(f"{url}{body['id']}/").json()["status"] == "revoked"
    bad = client.post(url, {"email": "nope"})
    assert bad.status_code == 400 and "email" in bad.json()
