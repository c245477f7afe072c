"""Charter keeps answering when Redis is gone, and the API's errors are JSON, never a crash page.

The Redis-down tests point the cache at a real port where nothing listens (no mock): every
cache call meets a refused connection, as it does when Redis is down.
"""

import logging
import socket
import time
import uuid

import pytest
import redis  # noqa: F401 (imported up front: its first import takes a second, not a request)
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from projects.api import auth as auth_api
from tests.factories import UserFactory

TOKENS = "/api/v1/auth/tokens/"


def _dead_port() -> int:
    """A loopback port that nothing listens on (bound, read, released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def dead_redis(settings):
    """The full stack's cache, pointed where no Redis answers."""
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: the embedded default's cache is local memory.")
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": f"redis://127.0.0.1:{_dead_port()}/0",
        }
    }
    return settings


# --- Redis down ---------------------------------------------------------------------------------


def test_resilience_token_sign_in_answers_with_redis_down(dead_redis, manager, password):
    """Signing in for an API token works with Redis down: the sign-in throttle fails open."""
    response = APIClient().post(
        TOKENS, {"username": manager.username, "password": password}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["token"]


def test_resilience_api_list_answers_quickly_with_redis_down(dead_redis, api_for, project, caplog):
    """A list endpoint answers 200 in well under a second with Redis down, and the cache
    failure is logged as a warning with a running count."""
    client = api_for(project.memberships.get(role="manager").user)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        response = client.get("/api/v1/projects/")
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.content
    assert [row["key"] for row in response.json()["results"]] == [project.key]
    assert elapsed < 1.0
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "cache" in r.name]
    assert warnings, "the cache failure must be logged"
    assert "failed open" in warnings[0].getMessage()


@pytest.fixture
def silent_redis(settings):
    """The full stack's cache, pointed at a port that accepts connections and never answers
    (a hung or overloaded Redis): only the socket timeouts end the wait."""
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: the embedded default's cache is local memory.")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)  # the kernel completes the handshakes; nothing ever reads or replies
        settings.CACHES = {
            "default": {
                **settings.CACHES["default"],
                "LOCATION": f"redis://127.0.0.1:{server.getsockname()[1]}/0",
            }
        }
        yield settings


def test_resilience_api_answers_within_a_second_when_redis_hangs(silent_redis, api_for, project):
    """A Redis that never answers costs a request one short read timeout, not redis-py's 5 s per
    call: after the first failure the cache is not tried again for a few seconds."""
    client = api_for(project.memberships.get(role="manager").user)
    client.get("/healthz/")  # loads the URLs (once per process), which takes a while
    timings, statuses = [], []
    for url in ("/api/v1/projects/", f"/api/v1/projects/{project.pk}/", "/api/v1/me/"):
        started = time.monotonic()
        statuses.append(client.get(url).status_code)
        timings.append(time.monotonic() - started)
    assert statuses == [200, 200, 200]
    assert timings[0] < 1.0, timings  # one 0.5 s read timeout
    assert max(timings[1:]) < 0.25, timings  # then Redis is left alone for a few seconds


def test_resilience_throttle_allows_requests_when_the_cache_fails(dead_redis, manager, password):
    """With the throttle's counters unreadable, sign-in attempts beyond the rate still answer
    (fail open): a broken cache never locks everyone out."""
    dead_redis.REST_FRAMEWORK = {
        **dead_redis.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **dead_redis.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "login": "1/minute",
        },
    }
    throttle = auth_api.LoginRateThrottle()
    assert throttle.get_rate() == "1/minute"
    statuses = [
        APIClient()
        .post(TOKENS, {"username": manager.username, "password": password}, format="json")
        .status_code
        for _ in range(3)
    ]
    assert statuses == [201, 201, 201]


def test_resilience_pages_and_sign_in_answer_with_redis_down(dead_redis, client, manager, password):
    """The sign-in page, signing in with the form and the dashboard all answer with Redis down
    (sessions live in the database, not the cache)."""
    assert dead_redis.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert client.get(reverse("login")).status_code == 200
    response = client.post(
        reverse("login"), {"login": manager.username, "password": password}, follow=True
    )
    assert response.status_code == 200
    assert response.context["user"] == manager
    assert client.get(reverse("reports:dashboard")).status_code == 200


def test_resilience_sign_in_lockout_holds_with_redis_down(dead_redis, client, manager, password):
    """The sign-in lockout counts in the database: with Redis down, wrong passwords still lock
    the account (429 on the page and the API, never a 500), and another account signs in."""
    here = "10.99.{}.{}".format(*uuid.uuid4().bytes[:2])
    statuses = [
        client.post(
            reverse("login"), {"login": manager.username, "password": "wrong"}, REMOTE_ADDR=here
        ).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    response = APIClient().post(
        TOKENS,
        {"username": manager.username, "password": password},
        format="json",
        REMOTE_ADDR=here,
    )
    assert response.status_code == 429
    assert "Try again in 5 minutes" in response.json()["detail"]
    other = UserFactory(username="ola")
    response = client.post(
        reverse("login"), {"login": other.username, "password": password}, REMOTE_ADDR=here
    )
    assert response.status_code == 302


def test_resilience_every_cache_call_is_a_miss_with_redis_down(dead_redis):
    """Each cache operation behaves as a miss instead of raising: get gives the default, add
    reports it stored (so debounced work is still queued), writes and deletes do nothing."""
    assert cache.get("k", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("k", 1, timeout=5) is True
    assert cache.set("k", 1) is None
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.has_key("k") is False
    assert cache.delete("k") is False
    assert cache.touch("k") is False
    assert cache.get_or_set("k", lambda: "computed") == "computed"


# --- the API's error shape ----------------------------------------------------------------------


@pytest.mark.parametrize("body", ["[" * 1000, '{"a":' * 1000, "[" * 100_000])
def test_resilience_deeply_nested_json_is_a_400(manager, password, body):
    """A deeply nested JSON body answers 400 with a JSON message, not a 500 RecursionError."""
    response = APIClient().post(TOKENS, body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "nested" in response.json()["detail"]


def test_resilience_nested_json_to_a_project_endpoint_is_a_400(api_for, project):
    """The same holds for a project-scoped write (the check is the parser's, for every view)."""
    client = api_for(project.memberships.get(role="manager").user)
    response = client.patch(
        f"/api/v1/projects/{project.pk}/", "[" * 5000, content_type="application/json"
    )
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_resilience_moderately_nested_json_still_parses(api_for, project):
    """Nesting a real client sends (a few levels) is read as before."""
    client = api_for(project.memberships.get(role="manager").user)
    response = client.patch(
        f"/api/v1/projects/{project.pk}/",
        {"name": "Renamed", "version": project.version},
        format="json",
    )
    assert response.status_code == 200, response.content


def test_resilience_api_500_is_json_with_an_error_id(api_for, manager, monkeypatch, caplog):
    """An unexpected error in an API view answers 500 as JSON {"detail", "error_id"}, and the
    error id is logged with the traceback, so a user's report leads to it."""

    def broken(self, request):
        raise RuntimeError("the database said something secret")

    monkeypatch.setattr(auth_api.MeView, "get", broken)
    client = api_for(manager)
    client.raise_request_exception = False
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/v1/me/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "error_id"}
    assert "secret" not in body["detail"]
    logged = [r for r in caplog.records if body["error_id"] in r.getMessage()]
    assert logged and logged[0].exc_info and logged[0].exc_info[0] is RuntimeError


def test_resilience_api_500_outside_a_view_is_json_too(client, monkeypatch, caplog):
    """An error raised before the API view runs (in a middleware) still answers JSON with an
    error id under /api/, while a page keeps Django's HTML error page."""
    from django.contrib.messages.middleware import MessageMiddleware

    def broken(self, request):
        raise RuntimeError("middleware failure")

    monkeypatch.setattr(MessageMiddleware, "process_request", broken)
    client.raise_request_exception = False
    with caplog.at_level(logging.ERROR):
        api = client.get("/api/v1/me/")
        page = client.get(reverse("login"))
    assert api.status_code == 500
    assert api["Content-Type"] == "application/json"
    error_id = api.json()["error_id"]
    assert any(error_id in r.getMessage() and r.exc_info for r in caplog.records)
    assert page.status_code == 500
    assert page["Content-Type"].startswith("text/html")
