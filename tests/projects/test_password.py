"""Forgotten and changed passwords (allauth's pages): the reset link by e-mail (real SMTP), its
limits, and the change page."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from projects.views import password
from tests.factories import UserFactory

RESET = "/accounts/password/reset/"


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


def _link(smtp_server) -> str:
    _, message = smtp_server.messages[-1]
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", text).group(1)


def test_password_reset_by_email_sets_a_new_password(client, db, smtp_server):
    """The link from the e-mail lets the person choose a new password, once."""
    user = UserFactory(username="nina", email="nina@example.com")
    response = client.post(RESET, {"email": "Nina@Example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert len(smtp_server.messages) == 1
    recipients, message = smtp_server.messages[0]
    assert recipients == ["nina@example.com"]
    assert message["Subject"] == "[Charter] Choose a new password"
    form_page = client.get(_link(smtp_server), follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-brand-new-passphrase")
    again = client.get(_link(smtp_server), follow=True).content.decode()
    assert "link was invalid" in again


def test_password_reset_answers_the_same_for_an_unknown_address(client, db, smtp_server):
    """An address without an account gets the same answer and no e-mail goes out."""
    response = client.post(RESET, {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert smtp_server.messages == []


def test_password_reset_sends_at_most_three_links_an_hour_to_one_address(client, db, smtp_server):
    """A fourth request within the hour looks the same but sends nothing."""
    UserFactory(username="nina", email="nina@example.com")
    answers = [client.post(RESET, {"email": "nina@example.com"}) for _ in range(4)]
    assert [a.status_code for a in answers] == [302] * 4
    assert len(smtp_server.messages) == password.RESETS_PER_ADDRESS


def test_password_reset_refuses_a_flood_from_one_network(client, db, smtp_server):
    """Past ten requests an hour from one address the form says to wait (429)."""
    for n in range(password.RESETS_PER_NETWORK):
        assert client.post(RESET, {"email": f"p{n}@example.com"}).status_code == 302
    response = client.post(RESET, {"email": "one-more@example.com"})
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert "Too many reset requests" in response.content.decode()


def test_password_change_needs_the_old_password(client, db, password):
    """A signed-in person changes their password after giving the current one."""
    user = UserFactory(username="nina")
    client.force_login(user)
    url = reverse("password_change")
    wrong = client.post(url, {"oldpassword": "nope", "password1": "x-new-pass-1", "password2": "x"})
    assert wrong.status_code == 200
    response = client.post(
        url,
        {
            "oldpassword": password,
            "password1": "a-brand-new-passphrase",
            "password2": "a-brand-new-passphrase",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-brand-new-passphrase")


def test_login_page_links_to_the_reset(client, db):
    """A forgotten password is not a dead end: the login page links to the reset."""
    assert RESET in client.get(reverse("login")).content.decode()
