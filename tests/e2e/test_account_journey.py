"""Browser journeys of the account pages (django-allauth in Charter's look): a forgotten
password reset by the link from the e-mail (real SMTP), and two-factor authentication set up,
then asked for at the next sign-in."""

import base64
import hashlib
import hmac
import re
import struct
import time

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.e2e


def totp_code(secret: str, step: int = 0) -> str:
    """The RFC 6238 code (SHA-1, 30 s, 6 digits) of ``secret`` now, or ``step`` periods off."""
    counter = int(time.time()) // 30 + step
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


@pytest.fixture
def maria(transactional_db, settings):
    settings.MFA_TOTP_TOLERANCE = 1
    cache.clear()
    user = UserFactory(username="maria", email="maria@example.com", first_name="Maria")
    project_with(manager=user)
    return user


def _log_in(page: Page, login: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_password_reset_journey(browser_tab: Page, maria, smtp_server, settings, snap):
    """Forgotten password → e-mail → link → new password → signed in with it."""
    page = browser_tab
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.get_by_role("heading", name="Forgotten password")).to_be_visible()
    page.get_by_label("Email").fill("maria@example.com")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_text("We have sent you an email")).to_be_visible()
    snap(page, "password-reset-sent")

    assert len(smtp_server.messages) == 1
    recipients, message = smtp_server.messages[0]
    assert recipients == ["maria@example.com"]
    assert message["Subject"] == "[Charter] Choose a new password"
    text = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", text).group(0)

    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.locator("#id_password1").fill("a-brand-new-passphrase")
    page.locator("#id_password2").fill("a-brand-new-passphrase")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_text("Your password is now changed.")).to_be_visible()

    _log_in(page, "maria@example.com", "a-brand-new-passphrase")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Portfolio")).to_be_visible()


def test_two_factor_journey(browser_tab: Page, maria, password, snap):
    """Set up an authenticator app (password again first), see the recovery codes, sign out;
    the next sign-in asks for the code, refuses a wrong one and lets the right one in."""
    page = browser_tab
    _log_in(page, "maria", password)
    page.goto("/accounts/2fa/")
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    page.goto("/accounts/2fa/totp/activate/")
    # Setting up asks for the password again.
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    snap(page, "two-factor-recovery-codes")

    page.goto("/accounts/logout/")
    page.get_by_role("button", name="Sign Out").click()
    _log_in(page, "maria", password)
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text("Incorrect code")).to_be_visible()
    page.get_by_label("Code").fill(totp_code(secret, step=1))
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Portfolio")).to_be_visible()
    page.goto("/account/security/")
    expect(page.locator("table.data")).to_contain_text("Signed in")
