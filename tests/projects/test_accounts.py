"""Accounts (django-allauth with Charter's adapter, projects/auth.py): sign-in by username or
e-mail, closed sign-up, verified e-mail changes, sessions, the sign-in log, two-factor
authentication on the page and on the API's token sign-in, and MFA_REQUIRED.

Two-factor codes are computed here with RFC 6238 (``totp_code``), from the secret the setup
page keeps in the session; allauth checks them against the real clock.
"""

import base64
import hashlib
import hmac
import importlib
import re
import struct
import time
import uuid

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from allauth.usersessions.models import UserSession
from django.apps import apps
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from projects.api.auth import TWO_FACTOR_CODE_MISSING
from projects.auth import TWO_FACTOR_REQUIRED_MESSAGE
from tests.factories import UserFactory

LOGIN = "/accounts/login/"
TOKENS = "/api/v1/auth/tokens/"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    """Used-code markers and rate limits live in the cache; one code step either side of now
    is accepted, so a test that crosses a 30-second boundary still passes."""
    settings.MFA_TOTP_TOLERANCE = 1
    cache.clear()
    yield
    cache.clear()


def totp_code(secret: str, step: int = 0) -> str:
    """The RFC 6238 code (SHA-1, 30 s, 6 digits) of ``secret`` now, or ``step`` periods off."""
    counter = int(time.time()) // 30 + step
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def address() -> str:
    return "10.{}.{}.{}".format(*uuid.uuid4().bytes[:3])


def sign_in(client, login: str, password: str, **extra):
    return client.post(LOGIN, {"login": login, "password": password}, **extra)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def with_two_factor(user) -> list[str]:
    """Turn on TOTP (``TOTP_SECRET``) and recovery codes for ``user``; the unused codes."""
    TOTP.activate(user, TOTP_SECRET)
    return RecoveryCodes.activate(user).get_unused_codes()


# --- signing in ----------------------------------------------------------------------------------


def test_accounts_sign_in_by_username_in_any_case(client, manager, password):
    """The login page takes the username, whatever its case, and lands on the dashboard."""
    response = sign_in(client, "MARIA", password)
    assert response.status_code == 302 and response.url == reverse("reports:dashboard")
    assert signed_in(client)


def test_accounts_sign_in_by_email(client, manager, password):
    """The login page takes the account's e-mail address too."""
    response = sign_in(client, "Maria@Example.com", password)
    assert response.status_code == 302
    assert signed_in(client)


def test_accounts_wrong_password_is_refused_with_a_message(client, manager):
    """A wrong password keeps the form, says so and signs nobody in."""
    response = sign_in(client, "maria", "not it", REMOTE_ADDR=address())
    assert response.status_code == 200
    assert "password you specified are not correct" in response.content.decode()
    assert not signed_in(client)


def test_accounts_login_page_is_charters(client, db):
    """The login page has Charter's layout, its field names and the reset link."""
    page = client.get(reverse("login")).content.decode()
    assert "Log in to Charter" in page and 'name="login"' in page
    assert reverse("password_reset") in page
    assert 'class="auth-page"' in page


def test_accounts_signup_is_closed(client, db):
    """Nobody signs themselves up: accounts come from invitations and the admin."""
    response = client.post(
        reverse("account_signup"),
        {
            "username": "eve",
            "email": "eve@example.com",
            "password1": "a-long-passphrase-1",
            "password2": "a-long-passphrase-1",
        },
    )
    assert "Sign Up Closed" in response.content.decode()
    assert not EmailAddress.objects.filter(email="eve@example.com").exists()


def test_accounts_old_names_and_paths_still_work(client_for, manager):
    """The URL names Charter used before allauth resolve to allauth's pages, and the old
    change-password address redirects."""
    assert reverse("password_change") == reverse("account_change_password")
    assert reverse("password_reset") == reverse("account_reset_password")
    assert reverse("login") == reverse("account_login")
    assert reverse("logout") == reverse("account_logout")
    response = client_for(manager).get("/accounts/password/")
    assert response.status_code == 301 and response.url == reverse("password_change")


def test_accounts_migration_verifies_existing_addresses(db):
    """Accounts from before allauth get their address as a verified primary one (the older of
    two accounts sharing an address gets it verified, the other confirms by link)."""
    first = UserFactory(username="ann", email="ann@example.com", verified_email=False)
    twin = UserFactory(username="ann2", email="Ann@example.com", verified_email=False)
    UserFactory(username="noaddress", email="", verified_email=False)
    migration = importlib.import_module("projects.migrations.0010_verified_email_addresses")
    migration.verify_existing_addresses(apps, None)
    assert EmailAddress.objects.get(user=first).verified
    twin_address = EmailAddress.objects.get(user=twin)
    assert twin_address.primary and not twin_address.verified
    assert EmailAddress.objects.count() == 2


# --- e-mail addresses ----------------------------------------------------------------------------


def test_accounts_new_email_address_needs_verification(client_for, manager):
    """An added address is unverified and cannot become primary until its link is followed;
    then it can, and the account's address changes."""
    client = client_for(manager)
    client.post(reverse("account_email"), {"action_add": "", "email": "maria@new.example"})
    added = EmailAddress.objects.get(email="maria@new.example")
    assert not added.verified
    assert mail.outbox[-1].to == ["maria@new.example"]

    client.post(reverse("account_email"), {"action_primary": "", "email": "maria@new.example"})
    manager.refresh_from_db()
    assert manager.email == "maria@example.com"

    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body)
    client.post(link.group(1))
    added.refresh_from_db()
    assert added.verified
    client.post(reverse("account_email"), {"action_primary": "", "email": "maria@new.example"})
    manager.refresh_from_db()
    assert manager.email == "maria@new.example"


# --- sessions and the sign-in log ----------------------------------------------------------------


def test_accounts_sessions_page_signs_out_the_other_sessions(manager, password):
    """Signed in from two browsers, the person sees both sessions and ends the other one."""
    from tests.conftest import SignInClient

    laptop, phone = SignInClient(), SignInClient()
    assert sign_in(laptop, "maria", password, HTTP_USER_AGENT="Laptop/1.0").status_code == 302
    assert sign_in(phone, "maria", password, HTTP_USER_AGENT="Phone/2.0").status_code == 302
    page = laptop.get(reverse("usersessions_list")).content.decode()
    assert "Laptop/1.0" in page and "Phone/2.0" in page
    assert UserSession.objects.filter(user=manager).count() == 2

    laptop.post(reverse("usersessions_list"))
    assert laptop.get(reverse("projects:portfolio")).status_code == 200
    assert phone.get(reverse("projects:portfolio")).status_code == 302
    assert UserSession.objects.filter(user=manager).count() == 1


def test_accounts_sign_in_log_shows_failures_and_sign_ins(
    client, manager, password, django_assert_max_num_queries
):
    """The sign-in log lists a wrong password and the sign-in after it, newest first, with
    address and browser; another person's tries are not in it."""
    here = address()
    sign_in(client, "maria", "wrong", REMOTE_ADDR=here, HTTP_USER_AGENT="Guesser/1")
    sign_in(client, "mo", "wrong", REMOTE_ADDR=here)
    sign_in(client, "maria", password, REMOTE_ADDR=here, HTTP_USER_AGENT="Browser/2")
    with django_assert_max_num_queries(12):
        page = client.get(reverse("projects:account_security")).content.decode()
    assert page.index("Signed in") < page.index("Wrong password")
    assert page.count("Wrong password") == 1
    assert here in page and "Guesser/1" in page and "Browser/2" in page


def test_accounts_sign_in_log_needs_a_sign_in(client, db):
    """Anonymous visitors are sent to the login page."""
    response = client.get(reverse("projects:account_security"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# --- two-factor authentication -------------------------------------------------------------------


def test_accounts_totp_setup_then_sign_in_asks_for_the_code(client, manager, password):
    """After setting up an authenticator, signing in asks for its code: a wrong code is
    refused, the right one signs in; recovery codes were made alongside."""
    assert sign_in(client, "maria", password).status_code == 302
    asked = client.get(reverse("mfa_activate_totp"))
    assert asked.url.startswith(reverse("account_reauthenticate"))  # the password again, first
    client.post(asked.url, {"password": password})
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=manager, type="totp").exists()
    assert Authenticator.objects.filter(user=manager, type="recovery_codes").exists()

    client.post(reverse("logout"))
    response = sign_in(client, "maria", password)
    assert response.status_code == 302 and response.url == reverse("mfa_authenticate")
    assert not signed_in(client)
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and not signed_in(client)
    right = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret, step=1)})
    assert right.status_code == 302 and signed_in(client)


def test_accounts_recovery_code_signs_in_once(client, manager, password):
    """A recovery code stands in for the authenticator once; used again it is refused."""
    codes = with_two_factor(manager)
    sign_in(client, "maria", password)
    assert client.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
    assert signed_in(client)
    client.post(reverse("logout"))
    sign_in(client, "maria", password)
    again = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert again.status_code == 200 and not signed_in(client)


def test_accounts_mfa_required_for_managers_sends_them_to_setup(
    settings, client_for, manager, member, project
):
    """With MFA_REQUIRED=managers, a manager without two-factor is sent to set it up (told
    why), from pages and htmx requests alike; account pages stay open; a member is not."""
    settings.MFA_REQUIRED = "managers"
    client = client_for(manager)
    response = client.get(reverse("projects:portfolio"), follow=True)
    assert response.redirect_chain[0] == (reverse("mfa_activate_totp"), 302)
    assert TWO_FACTOR_REQUIRED_MESSAGE["managers"] in response.content.decode()
    htmx = client.get(reverse("projects:portfolio"), HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"] == reverse("mfa_activate_totp")
    assert client.get(reverse("usersessions_list")).status_code == 200

    assert client_for(member).get(reverse("projects:portfolio")).status_code == 200


def test_accounts_mfa_required_lets_people_with_two_factor_through(
    settings, client_for, manager, project
):
    """A manager who has set up two-factor goes on as usual; MFA_REQUIRED=everyone asks
    everyone else."""
    settings.MFA_REQUIRED = "everyone"
    with_two_factor(manager)
    assert client_for(manager).get(reverse("projects:portfolio")).status_code == 200
    plain = UserFactory(username="pia")
    response = client_for(plain).get(reverse("projects:portfolio"))
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")


def test_accounts_api_token_needs_the_two_factor_code(manager, password):
    """The API's token sign-in of an account with two-factor needs a valid code (400 saying so
    without one or with a wrong one); a recovery code works once."""
    codes = with_two_factor(manager)

    def ask(**extra):
        body = {"username": "maria", "password": password, **extra}
        return APIClient().post(TOKENS, body, format="json", REMOTE_ADDR=address())

    missing = ask()
    assert missing.status_code == 400
    assert missing.json()["code"] == [TWO_FACTOR_CODE_MISSING]
    assert ask(code="123456").status_code == 400
    assert ask(code=totp_code(TOTP_SECRET)).status_code == 201
    assert ask(code=codes[1]).status_code == 201
    assert ask(code=codes[1]).status_code == 400


def test_accounts_api_token_without_two_factor_needs_no_code(manager, password):
    """An account without two-factor signs in with username and password alone."""
    response = APIClient().post(
        TOKENS, {"username": "maria", "password": password}, format="json", REMOTE_ADDR=address()
    )
    assert response.status_code == 201


def test_accounts_api_token_refused_until_required_two_factor_is_set_up(
    manager, password, settings
):
    """MFA_REQUIRED is no weaker on the API: a manager who must use two-factor and has not set
    it up gets no token by password alone (400 saying what to do); once set up, the code works."""
    settings.MFA_REQUIRED = "managers"
    from tests.factories import project_with

    project_with(manager=manager)
    body = {"username": "maria", "password": password}
    refused = APIClient().post(TOKENS, body, format="json", REMOTE_ADDR=address())
    assert refused.status_code == 400
    assert "set up an authenticator app" in refused.json()["code"][0]
    with_two_factor(manager)
    body["code"] = totp_code(TOTP_SECRET)
    assert APIClient().post(TOKENS, body, format="json", REMOTE_ADDR=address()).status_code == 201


def test_accounts_api_schema_documents_the_code(api_for, manager):
    """The OpenAPI schema lists ``code`` on the token sign-in."""
    schema = api_for(manager).get("/api/schema/?format=json").json()
    body = schema["components"]["schemas"]["TokenCreateRequest"]["properties"]
    assert "code" in body and "two-factor" in body["code"]["description"]


def test_accounts_required_two_factor_cannot_be_removed(settings, client, manager, password):
    """Where two-factor is required, the authenticator app cannot be removed; elsewhere it
    can."""
    with_two_factor(manager)
    settings.MFA_REQUIRED = "everyone"
    sign_in(client, "maria", password)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(TOTP_SECRET)})
    client.post(reverse("account_reauthenticate"), {"password": password})
    client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=manager, type="totp").exists()
    settings.MFA_REQUIRED = "none"
    client.post(reverse("mfa_deactivate_totp"))
    assert not Authenticator.objects.filter(user=manager, type="totp").exists()


def test_accounts_unverified_address_gets_a_link_at_sign_in(client, db, password):
    """An account made in the admin (its address not yet verified) is sent a confirmation link
    at its first sign-in instead of being let in; following it lets the next sign-in through."""
    UserFactory(username="ada", email="ada@example.com", verified_email=False)
    response = sign_in(client, "ada", password)
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert not signed_in(client)
    assert mail.outbox[-1].to == ["ada@example.com"]
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body)
    client.post(link.group(1))
    assert sign_in(client, "ada", password).status_code == 302
    assert signed_in(client)
