"""Single sign-on against a real OpenID Connect provider: django-oidc-provider running in its own
Django process on loopback (tests/sso/provider.py). The browser's part (the provider's sign-in
form, its redirects) is played by ``requests``; Charter's part by Django's test client, which
exchanges the code with the provider over HTTP as in production."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from config.sso import socialaccount_providers
from projects.models import Membership, Role
from projects.services.project import membership_add
from tests.factories import UserFactory, project_with
from tests.sso.provider import IdentityProvider

CALLBACK = "http://testserver/accounts/oidc/sso/login/callback/"
IDP_PASSWORD = "idp-Secret-42"  # noqa: S105 (the test provider's people)

PEOPLE = [
    # Has a Charter account with the same, verified address: the sign-in links to it.
    {
        "username": "ana.idp",
        "email": "ana@example.com",
        "first_name": "Ana",
        "last_name": "Lima",
        "groups": ["charter-pmo"],
    },
    # New to Charter: an account is made for her.
    {
        "username": "nora",
        "email": "nora@example.com",
        "first_name": "Nora",
        "last_name": "Berg",
        "groups": ["engineering", "everyone"],
    },
    # The provider does not vouch for this address (email_verified false): never linked.
    {
        "username": "mallory",
        "email": "victim@example.com",
        "first_name": "Mal",
        "last_name": "Unverified",
        "groups": ["charter-pmo"],
    },
]


@pytest.fixture(scope="module")
def idp():
    people = [{**person, "password": IDP_PASSWORD} for person in PEOPLE]
    with IdentityProvider(redirect_uris=[CALLBACK], people=people) as provider:
        yield provider


@pytest.fixture
def sso(settings, idp):
    settings.OIDC_SERVER_URL = idp.url
    settings.OIDC_PROVIDER_NAME = "Test IdP"
    settings.OIDC_SSO_ONLY = False
    settings.OIDC_BREAK_GLASS_USERS = []
    settings.OIDC_GROUP_ROLES = {"charter-pmo": "manager", "engineering": "member"}
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(
        server_url=idp.url,
        client_id=idp.client_id,
        client_secret=idp.client_secret,
        name="Test IdP",
        scopes=["openid", "profile", "email", "groups"],
    )
    return idp


def sign_in_through(client, idp, username: str) -> requests.Response:
    """Start the sign-in on Charter, sign in at the provider as ``username``, come back, and
    return Charter's answer to the callback."""
    start = client.post("/accounts/oidc/sso/login/")
    assert start.status_code == 302, start.content[:500]
    authorize = start["Location"]
    assert authorize.startswith(idp.url + "/authorize"), authorize
    browser = requests.Session()
    page = browser.get(authorize, timeout=10)  # → the provider's own sign-in page
    assert "Test identity provider" in page.text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    next_url = re.search(r'name="next" value="([^"]+)"', page.text).group(1).replace("&amp;", "&")
    answer = browser.post(
        page.url,
        data={
            "csrfmiddlewaretoken": token,
            "username": username,
            "password": IDP_PASSWORD,
            "next": next_url,
        },
        headers={"Referer": page.url},
        allow_redirects=False,
        timeout=10,
    )
    # The provider sends the browser on to its authorize endpoint, which sends it back to
    # Charter with a code.
    while answer.status_code == 302 and not answer.headers["Location"].startswith(CALLBACK):
        answer = browser.get(
            urljoin(answer.url, answer.headers["Location"]), allow_redirects=False, timeout=10
        )
    back = answer.headers["Location"]
    assert back.startswith(CALLBACK), back
    parts = urlsplit(back)
    return client.get(f"{parts.path}?{parts.query}")


def signed_in_user(client):
    user_id = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=user_id) if user_id else None


@pytest.mark.django_db
def test_first_sign_in_links_the_account_with_the_verified_address(client, sso):
    ana = UserFactory(username="ana", email="ana@example.com")

    answer = sign_in_through(client, sso, "ana.idp")

    assert answer.status_code == 302
    assert signed_in_user(client) == ana
    assert SocialAccount.objects.get(user=ana).provider == "sso"
    # The next sign-in finds her by the link, not by the address.
    client.logout()
    sign_in_through(client, sso, "ana.idp")
    assert signed_in_user(client) == ana
    assert User.objects.filter(email__iexact="ana@example.com").count() == 1


@pytest.mark.django_db
def test_first_sign_in_without_an_account_creates_one(client, sso):
    answer = sign_in_through(client, sso, "nora")

    assert answer.status_code == 302, answer.content[:1000]
    nora = signed_in_user(client)
    assert nora is not None
    assert (nora.first_name, nora.last_name, nora.email) == ("Nora", "Berg", "nora@example.com")
    assert EmailAddress.objects.get(user=nora).verified
    # Signed in, she sees Charter (no project yet), not the sign-in page.
    assert client.get("/projects/").status_code == 200


@pytest.mark.django_db
def test_an_unverified_address_never_opens_the_account_that_has_it(client, sso):
    victim = UserFactory(username="victim", email="victim@example.com")

    sign_in_through(client, sso, "mallory")

    assert signed_in_user(client) != victim
    assert not SocialAccount.objects.filter(user=victim).exists()
    victim.refresh_from_db()
    assert victim.has_usable_password()


@pytest.mark.django_db
def test_groups_give_the_default_role_of_a_new_membership(client, sso):
    manager = UserFactory(username="maria")
    project = project_with(manager=manager)
    sign_in_through(client, sso, "nora")
    nora = signed_in_user(client)
    client.logout()
    ana = UserFactory(username="ana", email="ana@example.com")
    sign_in_through(client, sso, "ana.idp")

    membership_add(project=project, by=manager, user=nora)
    membership_add(project=project, by=manager, user=ana)
    plain = UserFactory(username="pat")
    membership_add(project=project, by=manager, user=plain)
    # A role named by the manager wins over the default.
    viewer = membership_add(project=project, by=manager, user=UserFactory(), role=Role.VIEWER)

    roles = dict(Membership.objects.filter(project=project).values_list("user__username", "role"))
    assert roles[nora.username] == Role.MEMBER  # engineering → member
    assert roles["ana"] == Role.MANAGER  # charter-pmo → manager
    assert roles["pat"] == Role.MEMBER  # never signed in through the provider
    assert viewer.role == Role.VIEWER


@pytest.mark.django_db
def test_sso_only_turns_passwords_off_but_for_break_glass(client, sso, settings, password):
    settings.OIDC_SSO_ONLY = True
    settings.OIDC_BREAK_GLASS_USERS = ["root"]
    UserFactory(username="pat", email="pat@example.com")
    root = UserFactory(username="root", email="root@example.com", is_staff=True)

    page = client.get("/accounts/login/")
    assert b"Sign in with Test IdP" in page.content

    refused = client.post("/accounts/login/", {"login": "pat", "password": password})
    assert signed_in_user(client) is None
    assert refused.status_code == 200

    api = client.post(
        "/api/v1/auth/tokens/",
        {"username": "pat", "password": password},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert "Password sign-in is off: sign in with Test IdP" in str(api.json())
    assert (
        client.post(
            "/api/v1/auth/tokens/",
            {"username": "root", "password": password},
            content_type="application/json",
        ).status_code
        == 201
    )

    client.post("/accounts/login/", {"login": "root@example.com", "password": password})
    assert signed_in_user(client) == root

    # And the provider still signs people in.
    client.logout()
    sign_in_through(client, sso, "nora")
    assert signed_in_user(client).email == "nora@example.com"
