"""API tokens (knox) at /api/v1/auth/tokens/ and the current user at /api/v1/me/."""

import datetime
import uuid

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.factories import UserFactory

TOKENS = "/api/v1/auth/tokens/"


def fresh_address() -> str:
    """A client address of its own, so the sign-in throttle of other tests never counts here."""
    return "10.{}.{}.{}".format(*uuid.uuid4().bytes[:3])


def sign_in(username: str, password: str, address: str | None = None):
    return APIClient().post(
        TOKENS,
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address or fresh_address(),
    )


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.mark.parametrize("login", ["maria", "MARIA@example.com"], ids=["username", "email"])
def test_auth_tokens_create_with_username_or_email(manager, project, password, login):
    """A username or e-mail address with the password gets a token that opens the API."""
    response = sign_in(login, password)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == {"token", "expiry", "user"}
    assert body["user"] == {
        "id": manager.pk,
        "username": "maria",
        "email": "maria@example.com",
        "full_name": "Maria Manager",
    }
    expiry = datetime.datetime.fromisoformat(body["expiry"])
    assert timezone.now() + datetime.timedelta(days=89) < expiry
    assert expiry < timezone.now() + datetime.timedelta(days=91)

    projects = with_token(body["token"]).get("/api/v1/projects/")
    assert projects.status_code == 200
    assert [row["key"] for row in projects.json()["results"]] == [project.key]


def test_auth_tokens_create_refuses_a_wrong_password(manager):
    """A wrong password is a 400 that says the sign-in failed, and no token is made."""
    response = sign_in("maria", "not the password")
    assert response.status_code == 400
    assert "Unable to sign in" in response.json()["non_field_errors"][0]
    assert not AuthToken.objects.filter(user=manager).exists()


def test_auth_tokens_create_refuses_an_inactive_user(db, password):
    """A deactivated account gets no token."""
    UserFactory(username="gone", is_active=False)
    assert sign_in("gone", password).status_code == 400


def test_auth_tokens_create_requires_both_fields(db):
    """username and password are both required, each with its own message."""
    response = APIClient().post(TOKENS, {}, format="json", REMOTE_ADDR=fresh_address())
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_auth_tokens_create_stops_at_the_per_user_limit(manager, password, settings):
    """Past the per-user limit of live tokens, a new one is refused with 403 and advice."""
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}
    address = fresh_address()
    assert sign_in("maria", password, address).status_code == 201
    assert sign_in("maria", password, address).status_code == 201
    response = sign_in("maria", password, address)
    assert response.status_code == 403
    assert "Revoke one" in response.json()["detail"]
    assert AuthToken.objects.filter(user=manager).count() == 2


def test_auth_tokens_list_shows_mine_without_secrets(manager, password, member):
    """The list has my live tokens' key prefixes and dates, marks the current one, no secret."""
    first = sign_in("maria", password).json()["token"]
    second = sign_in("maria", password).json()["token"]
    sign_in("mo", password)
    response = with_token(second).get(TOKENS)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 2
    assert all(set(row) == {"token_key", "created", "expiry", "current"} for row in rows)
    assert {row["token_key"] for row in rows} == {first[:15], second[:15]}
    assert [row["current"] for row in rows] == [True, False]  # newest first
    assert first not in response.content.decode()
    assert second not in response.content.decode()


def test_auth_tokens_list_query_count(manager, password, django_assert_max_num_queries):
    """Listing tokens costs a handful of queries, however many tokens."""
    tokens = [sign_in("maria", password).json()["token"] for _ in range(5)]
    client = with_token(tokens[0])
    with django_assert_max_num_queries(4):
        assert client.get(TOKENS).status_code == 200


def test_auth_tokens_revoke_current(manager, password):
    """Revoking the current token makes it fail (401) from then on; others keep working."""
    token = sign_in("maria", password).json()["token"]
    other = sign_in("maria", password).json()["token"]
    client = with_token(token)
    assert client.delete(f"{TOKENS}current/").status_code == 204
    assert client.get("/api/v1/projects/").status_code == 401
    assert with_token(other).get("/api/v1/projects/").status_code == 200


def test_auth_tokens_revoke_current_needs_a_token(api_for, manager):
    """With a session rather than a token there is no current token: 400 says so."""
    response = api_for(manager).delete(f"{TOKENS}current/")
    assert response.status_code == 400
    assert "not made with an API token" in response.json()["detail"]


def test_auth_tokens_revoke_one_by_key(manager, member, password):
    """I revoke one of my tokens by its key; another user's key is 404 to me."""
    mine = sign_in("maria", password).json()["token"]
    spare = sign_in("maria", password).json()["token"]
    theirs = sign_in("mo", password).json()["token"]
    client = with_token(mine)
    assert client.delete(f"{TOKENS}{theirs[:15]}/").status_code == 404
    assert with_token(theirs).get("/api/v1/me/").status_code == 200
    assert client.delete(f"{TOKENS}{spare[:15]}/").status_code == 204
    assert with_token(spare).get("/api/v1/me/").status_code == 401
    assert client.get("/api/v1/me/").status_code == 200


def test_auth_tokens_revoke_all(manager, member, password):
    """Revoking all my tokens signs every one of them out, and nobody else's."""
    mine = [sign_in("maria", password).json()["token"] for _ in range(3)]
    theirs = sign_in("mo", password).json()["token"]
    assert with_token(mine[0]).delete(f"{TOKENS}all/").status_code == 204
    for token in mine:
        assert with_token(token).get("/api/v1/me/").status_code == 401
    assert with_token(theirs).get("/api/v1/me/").status_code == 200
    assert not AuthToken.objects.filter(user=manager).exists()


def test_auth_tokens_expired_token_is_rejected(manager, password):
    """A token past its expiry answers 401."""
    token = sign_in("maria", password).json()["token"]
    AuthToken.objects.filter(user=manager).update(
        expiry=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = with_token(token).get("/api/v1/projects/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_auth_tokens_garbage_token_is_rejected(db):
    """A made-up token answers 401."""
    assert with_token("0" * 64).get("/api/v1/projects/").status_code == 401


def test_auth_tokens_management_needs_authentication(db):
    """Listing and revoking tokens without credentials is 401."""
    client = APIClient()
    assert client.get(TOKENS).status_code == 401
    assert client.delete(f"{TOKENS}all/").status_code == 401
    assert client.delete(f"{TOKENS}current/").status_code == 401


def test_auth_tokens_sign_in_is_throttled(manager, password, settings):
    """Past the login rate, more attempts from the same address get 429, right or wrong."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "login": "3/minute",
        },
    }
    address = fresh_address()
    assert sign_in("maria", "wrong", address).status_code == 400
    assert sign_in("maria", "wrong", address).status_code == 400
    assert sign_in("maria", password, address).status_code == 201
    response = sign_in("maria", password, address)
    assert response.status_code == 429
    assert "throttled" in response.json()["detail"]
    assert sign_in("maria", password).status_code == 201  # another address is not held back


def test_me_returns_the_current_user(manager, password):
    """/me/ tells a token or session holder who they are."""
    token = sign_in("maria", password).json()["token"]
    response = with_token(token).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json() == {
        "id": manager.pk,
        "username": "maria",
        "email": "maria@example.com",
        "full_name": "Maria Manager",
    }
    assert APIClient().get("/api/v1/me/").status_code == 401
