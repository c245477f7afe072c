"""Sign-in lockout (projects/lockout.py, django-axes): the login page (allauth's, whose field is
``login``) and the API's token sign-in refuse further tries after too many failures, say when to
retry, and let people in again once the cool-off has passed; admins see the lockouts.

Each test signs in from addresses of its own, so the API's sign-in throttle (per address, in the
cache) never counts another test's tries. Time moves by moving the stored attempt times back:
axes reads the real clock, not Charter's frozen one.
"""

import datetime
import io
import logging
import uuid

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from projects.tasks import purge_sign_in_logs
from tests.factories import UserFactory

TOKENS = "/api/v1/auth/tokens/"
LOGIN = "/accounts/login/"
WRONG = "not the password"


def address() -> str:
    """A client address no other test uses."""
    return "10.{}.{}.{}".format(*uuid.uuid4().bytes[:3])


def page_sign_in(client, username: str, password: str, remote_addr: str):
    return client.post(LOGIN, {"login": username, "password": password}, REMOTE_ADDR=remote_addr)


def api_sign_in(username: str, password: str, remote_addr: str):
    return APIClient().post(
        TOKENS, {"username": username, "password": password}, format="json", REMOTE_ADDR=remote_addr
    )


def fail_times(client, username: str, times: int, remote_addr: str) -> list:
    return [page_sign_in(client, username, WRONG, remote_addr) for _ in range(times)]


def time_passes(delta: datetime.timedelta) -> None:
    """Move every stored attempt and failure log ``delta`` into the past."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - delta)
    AccessFailureLog.objects.update(attempt_time=F("attempt_time") - delta)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_lockout_page_refuses_the_sixth_try_even_with_the_right_password(client, manager, password):
    """Four wrong passwords are plain form errors; the fifth locks the account from this address
    with 429, Retry-After and the message; the right password is then refused too."""
    here = address()
    for response in fail_times(client, "maria", 4, here):
        assert response.status_code == 200
        assert "and/or password you specified are not correct" in response.content.decode()

    fifth = page_sign_in(client, "maria", WRONG, here)
    assert fifth.status_code == 429
    assert "Too many failed sign-ins. Try again in 5 minutes." in fifth.content.decode()
    assert fifth["Retry-After"] == "300"

    sixth = page_sign_in(client, "maria", password, here)
    assert sixth.status_code == 429
    assert "Too many failed sign-ins. Try again in 5 minutes." in sixth.content.decode()
    assert 'name="login"' in sixth.content.decode()  # the form is still there, to retry
    assert not signed_in(client)


def test_lockout_page_lets_the_right_password_in_after_the_cool_off(client, manager, password):
    """Once the cool-off has passed, the right password signs in."""
    here = address()
    fail_times(client, "maria", 5, here)
    time_passes(datetime.timedelta(minutes=4))
    still = page_sign_in(client, "maria", password, here)
    assert still.status_code == 429
    assert "Try again in 1 minute." in still.content.decode()

    time_passes(datetime.timedelta(minutes=1, seconds=1))
    response = page_sign_in(client, "maria", password, here)
    assert response.status_code == 302
    assert response.url == reverse("reports:dashboard")
    assert signed_in(client)


def test_lockout_cool_off_doubles_with_each_lockout(client, manager, password):
    """A second lockout of the same account within a day lasts 10 minutes, a third 20."""
    here = address()
    fail_times(client, "maria", 5, here)
    time_passes(datetime.timedelta(minutes=5, seconds=1))
    second = fail_times(client, "maria", 5, here)[-1]
    assert second.status_code == 429
    assert "Try again in 10 minutes." in second.content.decode()
    assert second["Retry-After"] == "600"

    time_passes(datetime.timedelta(minutes=9))
    assert page_sign_in(client, "maria", password, here).status_code == 429
    time_passes(datetime.timedelta(minutes=1, seconds=1))
    third = fail_times(client, "maria", 5, here)[-1]
    assert "Try again in 20 minutes." in third.content.decode()


def test_lockout_tries_while_locked_out_do_not_lengthen_it(client, manager, password):
    """Retrying during the lockout is refused but not counted: the wait does not grow."""
    here = address()
    fail_times(client, "maria", 5, here)
    time_passes(datetime.timedelta(minutes=3))
    retry = page_sign_in(client, "maria", WRONG, here)
    assert "Try again in 2 minutes." in retry.content.decode()
    time_passes(datetime.timedelta(minutes=2, seconds=1))
    assert page_sign_in(client, "maria", password, here).status_code == 302


def test_lockout_api_token_sign_in_is_locked_with_the_page(client, manager, password):
    """Failures on the page lock the API's token sign-in for the same account and address:
    429 JSON with a detail that says when to retry, and Retry-After."""
    here = address()
    fail_times(client, "maria", 5, here)
    response = api_sign_in("maria", password, here)
    assert response.status_code == 429
    assert response.json() == {"detail": "Too many failed sign-ins. Try again in 5 minutes."}
    assert 240 < int(response["Retry-After"]) <= 300  # the seconds left of the page's lockout


def test_lockout_api_token_sign_in_locks_after_five_failures(manager, password):
    """The API counts its own failures the same way: the fifth wrong password is refused with
    429, and then the right one too; the page is locked for that account as well."""
    here = address()
    for _ in range(4):
        assert api_sign_in("maria", WRONG, here).status_code == 400
    assert api_sign_in("maria", WRONG, here).status_code == 429
    assert api_sign_in("maria", password, here).status_code == 429
    assert page_sign_in(Client(), "maria", password, here).status_code == 429


def test_lockout_api_token_sign_in_is_logged_without_a_session(manager, password):
    """A token sign-in is in the sign-in log, opens no session and sets no session cookie, and
    forgets that account's earlier failures from that address."""
    here = address()
    for _ in range(4):
        api_sign_in("maria", WRONG, here)
    response = api_sign_in("maria", password, here)
    assert response.status_code == 201
    assert "sessionid" not in response.cookies
    assert AccessLog.objects.filter(username="maria", ip_address=here, session_hash="").exists()
    assert not AccessAttempt.objects.filter(username="maria").exists()

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    revoked = client.delete(f"{TOKENS}current/", REMOTE_ADDR=here)
    assert revoked.status_code == 204
    assert "sessionid" not in revoked.cookies


def test_lockout_leaves_other_addresses_and_other_accounts_open(client, manager, member, password):
    """Five failures lock that account from that address only: the owner signs in from
    elsewhere, and a colleague signs in from the same address."""
    here = address()
    fail_times(client, "maria", 5, here)
    assert page_sign_in(client, "maria", password, here).status_code == 429

    assert page_sign_in(client, "maria", password, address()).status_code == 302
    client.logout()
    assert page_sign_in(client, "mo", password, here).status_code == 302


def test_lockout_counts_username_and_email_as_one_account(client, manager):
    """ "maria", "MARIA" and her e-mail address are tries on one account."""
    here = address()
    fail_times(client, "maria", 2, here)
    fail_times(client, "MARIA", 1, here)
    last = fail_times(client, "maria@example.com", 2, here)[-1]
    assert last.status_code == 429


def test_lockout_spraying_from_one_address_locks_the_address(client, manager, password):
    """Twenty failures on twenty accounts from one address lock that address for everyone;
    other addresses are not affected."""
    here = address()
    for n in range(20):
        page_sign_in(client, f"guess{n}", WRONG, here)
    response = page_sign_in(client, "maria", password, here)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert page_sign_in(client, "maria", password, address()).status_code == 302


def test_lockout_guessing_from_many_addresses_locks_the_account(client, manager, member, password):
    """Twenty failures on one account from twenty addresses (four each, under the per-address
    limit) lock the account everywhere; other accounts are not affected."""
    for _ in range(5):
        fail_times(client, "maria", 4, address())
    assert page_sign_in(client, "maria", password, address()).status_code == 429
    assert page_sign_in(client, "mo", password, address()).status_code == 302


def test_lockout_success_forgets_the_failures(client, manager, password):
    """A successful sign-in clears that account's failures from that address: four failures,
    a sign-in, and four more failures still leave the right password working."""
    here = address()
    fail_times(client, "maria", 4, here)
    assert page_sign_in(client, "maria", password, here).status_code == 302
    client.logout()
    assert not AccessAttempt.objects.filter(username="maria").exists()
    fail_times(client, "maria", 4, here)
    assert page_sign_in(client, "maria", password, here).status_code == 302


def test_lockout_is_logged(client, manager, caplog):
    """Each failure and the lockout are logged as warnings naming the account and address."""
    here = address()
    with caplog.at_level(logging.WARNING, logger="axes"):
        fail_times(client, "maria", 5, here)
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("axes")]
    assert any("login failure" in m and "maria" in m and here in m for m in messages)
    assert any("Locking out" in m and "maria" in m for m in messages)


def test_lockout_admin_lists_the_lockout_and_the_sign_ins(client, manager, password):
    """A superuser sees the locked-out attempts, the failure log and the sign-ins in the admin,
    and can delete the attempt to unlock the account."""
    here = address()
    fail_times(client, "maria", 5, here)
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    page_sign_in(client, "root", password, address())
    assert AccessLog.objects.filter(username="root").exists()

    attempts = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert attempts.status_code == 200
    page = attempts.content.decode()
    assert "maria" in page and here in page
    failures = client.get(reverse("admin:axes_accessfailurelog_changelist"))
    assert failures.status_code == 200 and "maria" in failures.content.decode()
    sign_ins = client.get(reverse("admin:axes_accesslog_changelist"))
    assert sign_ins.status_code == 200 and "root" in sign_ins.content.decode()

    attempt = AccessAttempt.objects.get(username="maria")
    delete = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    client.logout()
    assert page_sign_in(client, "maria", password, here).status_code == 302
    assert admin.is_superuser


def test_lockout_reset_command_unlocks_the_account(client, manager, password):
    """`manage.py axes_reset_username maria` lifts her lockout, whatever name she was tried by."""
    here = address()
    fail_times(client, "MARIA@example.com", 5, here)
    assert page_sign_in(client, "maria", password, here).status_code == 429
    call_command("axes_reset_username", "maria", stdout=io.StringIO())
    assert page_sign_in(client, "maria", password, here).status_code == 302


def test_lockout_nightly_purge_keeps_recent_logs(client, manager, password):
    """The nightly purge deletes sign-in and failure logs past SIGN_IN_LOG_DAYS and attempts
    past the longest cool-off; recent ones stay."""
    fail_times(client, "mo", 1, address())
    fail_times(client, "maria", 2, address())
    page_sign_in(client, "maria", password, address())
    long_ago = F("attempt_time") - datetime.timedelta(days=91)
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username="maria").update(attempt_time=long_ago)

    purged = purge_sign_in_logs()
    assert purged == 2 + 1 + 1  # maria's failure logs, her sign-in and her attempt
    assert list(AccessFailureLog.objects.values_list("username", flat=True)) == ["mo"]
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["mo"]
    assert not AccessLog.objects.exists()
    assert purge_sign_in_logs() == 0


def test_lockout_client_address_behind_trusted_proxies(client, manager, password, settings):
    """Behind TRUSTED_PROXIES proxies the address is the one the outermost proxy saw: what a
    client writes at the left of X-Forwarded-For does not give it a new address per try."""
    settings.TRUSTED_PROXIES = 1
    attacker = address()
    for n in range(5):
        response = client.post(
            LOGIN,
            {"login": "maria", "password": WRONG},
            REMOTE_ADDR="192.0.2.10",  # the proxy
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, {attacker}",
        )
    assert response.status_code == 429
    assert AccessAttempt.objects.get().ip_address == attacker
    elsewhere = client.post(
        LOGIN,
        {"login": "maria", "password": password},
        REMOTE_ADDR="192.0.2.10",
        HTTP_X_FORWARDED_FOR=address(),
    )
    assert elsewhere.status_code == 302


@pytest.mark.parametrize("login_with", ["client_login", "force_login"])
def test_lockout_test_client_sign_ins_still_work(client, manager, password, login_with):
    """The suite's client.login() (which passes no request of its own) and force_login()
    sign in with the lockout's backend first."""
    if login_with == "client_login":
        assert client.login(username="maria", password=password)
    else:
        client.force_login(manager)
    assert client.get(reverse("reports:dashboard")).status_code == 200
