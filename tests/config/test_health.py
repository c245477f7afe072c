"""/healthz/ says the process answers; /readyz/ checks the database, cache, broker and worker."""

import socket
import time

import pytest
from django.core.cache import cache

from config import health
from config.celery import app as celery_app

pytestmark = pytest.mark.django_db


def _dead_port() -> int:
    """A loopback port that nothing listens on (bound, read, released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def full_stack(settings):
    """The suite's real Redis behind the cache and the broker (REDIS_URL)."""
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: the embedded default has no cache server or broker.")
    return settings


def test_health_liveness_answers_ok_without_the_database(client, django_assert_num_queries):
    """/healthz/ answers 200 "ok" to anyone, touching no database."""
    with django_assert_num_queries(0):
        response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_health_readiness_with_everything_up(full_stack, client, worker_queue):
    """With PostgreSQL, Redis and a worker running, /readyz/ answers 200 and every check is ok,
    the worker's once it has run the heartbeat."""
    cache.delete(health.HEARTBEAT_KEY)
    before = client.get("/readyz/")
    assert before.status_code == 200, before.content  # the worker is reported, not required
    assert before.json()["checks"]["worker"]["ok"] is False
    assert "no worker heartbeat" in before.json()["checks"]["worker"]["detail"]

    health.heartbeat.apply_async(queue=worker_queue)
    deadline = time.monotonic() + 20
    while cache.get(health.HEARTBEAT_KEY) is None and time.monotonic() < deadline:
        time.sleep(0.1)

    response = client.get("/readyz/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failed"] == []
    assert list(body["checks"]) == ["database", "cache", "broker", "worker"]
    assert all(check["ok"] for check in body["checks"].values()), body
    assert body["checks"]["cache"]["detail"] == "redis answered"
    assert "ago" in body["checks"]["worker"]["detail"]


def test_health_readiness_is_503_naming_a_dead_cache(full_stack, client):
    """With Redis gone from behind the cache, /readyz/ answers 503 naming the cache, and the
    password in the cache's URL appears nowhere in the body."""
    full_stack.CACHES = {
        "default": {
            **full_stack.CACHES["default"],
            "LOCATION": f"redis://:s3cret-pass@127.0.0.1:{_dead_port()}/0",
        }
    }
    response = client.get("/readyz/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["failed"] == ["cache"]
    assert body["checks"]["cache"]["ok"] is False
    assert "ConnectionError" in body["checks"]["cache"]["detail"]
    assert body["checks"]["database"]["ok"] is True
    assert "unreachable" in body["checks"]["worker"]["detail"]
    assert b"s3cret" not in response.content


def test_health_readiness_is_503_naming_a_dead_broker(full_stack, client, monkeypatch):
    """With the broker unreachable, /readyz/ answers 503 naming the broker, in well under a
    second, without the broker's password."""
    monkeypatch.setattr(
        celery_app.conf, "broker_url", f"redis://:s3cret-pass@127.0.0.1:{_dead_port()}/0"
    )
    started = time.monotonic()
    response = client.get("/readyz/")
    assert time.monotonic() - started < 1.0
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]
    assert b"s3cret" not in response.content


def test_health_readiness_reports_a_stale_worker_heartbeat(full_stack, client):
    """A heartbeat older than five minutes makes the worker check fail with its age, while the
    web stays ready (200)."""
    cache.set(health.HEARTBEAT_KEY, time.time() - 600)
    response = client.get("/readyz/")
    assert response.status_code == 200
    worker = response.json()["checks"]["worker"]
    assert worker["ok"] is False
    assert worker["required"] is False
    assert "600 s ago" in worker["detail"] or "601 s ago" in worker["detail"]


def test_health_readiness_on_the_embedded_default(client, eager_tasks, settings):
    """Without a broker (tasks in-process, local-memory cache) every check passes and the broker
    and worker say they are not configured."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    response = client.get("/readyz/")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert checks["cache"]["detail"] == "LocMemCache answered"
    for name in ("broker", "worker"):
        assert checks[name]["ok"] is True
        assert checks[name]["detail"].startswith("not configured")
