"""Health endpoints for the compose file, load balancers and monitors; neither needs a login.

``/healthz/`` (liveness) answers 200 "ok" as long as the process serves requests: it touches
no database, cache or broker, so a restart is never triggered by a dependency's outage.

``/readyz/`` (readiness) checks what a request needs and says what it found, as JSON::

    {"status": "ok", "checks": {"database": {"ok": true, "required": true,
     "detail": "postgresql answered", "ms": 2}, "cache": {...}, "broker": {...}, "worker": {...}}}

503 when a required check fails: the database, the cache and the broker. The worker check is
reported but not required: a worker that stopped delays e-mail and KPI refreshes, while the
web keeps serving; a load balancer that took every web process out of rotation for it would
turn a late e-mail into an outage. Workers prove they are alive by running ``heartbeat``, which
beat queues every minute (``CELERY_BEAT_SCHEDULE``) and which writes the time into the cache, so
a fresh heartbeat means beat, the broker and a worker all move work, not only that a worker
process exists. On the embedded default (no broker; tasks run in-process) the broker and
worker checks say so and pass.

Details never carry a secret: errors are reduced to their type and message, with any
credentials in a URL masked.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from celery import shared_task
from django.core.cache import caches
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app

HEARTBEAT_KEY = "health:worker-heartbeat"
HEARTBEAT_EVERY = 60  # seconds, beat's schedule for ``heartbeat``
HEARTBEAT_STALE_AFTER = 5 * 60  # seconds: a busy worker may reach the heartbeat late
_EAGER = "not configured: tasks run in-process (eager), no broker or worker needed"


class CheckFailed(Exception):
    """A check's own verdict, with a reason fit for the response."""


@shared_task(name="config.health.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Record that a worker ran a task now (wall time: what the readiness check compares)."""
    caches["default"].set(HEARTBEAT_KEY, time.time(), timeout=HEARTBEAT_STALE_AFTER * 4)


def _reason(error: BaseException) -> str:
    """An error as ``Type: message``, credentials in URLs masked, one short line."""
    message = re.sub(r"(\w+://)[^/@\s]*@", r"\1***@", str(error))
    message = " ".join(message.split())
    text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return text if len(text) <= 200 else text[:199] + "…"


def _eager() -> bool:
    return bool(app.conf.task_always_eager)


def check_database() -> str:
    connection = connections["default"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return f"{connection.vendor} answered"


def check_cache() -> str:
    cache = caches["default"]
    ping = getattr(cache, "ping", None)
    if ping is not None:  # the full stack's Redis (config/cache.py): fails open elsewhere
        ping()
        return "redis answered"
    # Another backend (local memory on the embedded default): a round trip.
    cache.set("health:probe", "ok", timeout=10)
    if cache.get("health:probe") != "ok":
        raise CheckFailed("a value written to the cache could not be read back")
    return f"{type(cache).__name__} answered"


def check_broker() -> str:
    if _eager():
        return _EAGER
    with app.connection_for_write() as connection:
        # No retries: the question is whether the broker answers now. The connect timeout is
        # the broker's own (CELERY_BROKER_CONNECTION_TIMEOUT / transport options).
        connection.ensure_connection(max_retries=0)
        return f"{connection.transport_cls} answered"


def check_worker() -> str:
    if _eager():
        return _EAGER
    cache = caches["default"]
    ping = getattr(cache, "ping", None)
    try:
        if ping is not None:
            ping()  # a fail-open cache would answer "no heartbeat" when it is only unreachable
    except Exception as error:
        raise CheckFailed(
            "unknown: workers' heartbeats are kept in the cache, which is unreachable"
        ) from error
    beat = cache.get(HEARTBEAT_KEY)
    if beat is None:
        raise CheckFailed(
            "no worker heartbeat recorded: is a worker and beat running? "
            f"(beat queues one every {HEARTBEAT_EVERY} s)"
        )
    age = max(0, round(time.time() - float(beat)))
    if age > HEARTBEAT_STALE_AFTER:
        raise CheckFailed(f"last worker heartbeat {age} s ago (more than {HEARTBEAT_STALE_AFTER})")
    return f"a worker ran the heartbeat {age} s ago"


# name, check, required
CHECKS: list[tuple[str, Callable[[], str], bool]] = [
    ("database", check_database, True),
    ("cache", check_cache, True),
    ("broker", check_broker, True),
    ("worker", check_worker, False),
]


def run_checks() -> tuple[bool, dict[str, dict]]:
    """Every check's verdict, and whether all the required ones passed."""
    results: dict[str, dict] = {}
    ready = True
    for name, check, required in CHECKS:
        started = time.monotonic()
        try:
            detail, ok = check(), True
        except CheckFailed as failure:
            detail, ok = str(failure), False
        except Exception as error:  # a check reports any failure; it never raises
            detail, ok = _reason(error), False
        results[name] = {
            "ok": ok,
            "required": required,
            "detail": detail,
            "ms": round((time.monotonic() - started) * 1000),
        }
        ready = ready and (ok or not required)
    return ready, results


@never_cache
@require_GET
def liveness(request: HttpRequest) -> HttpResponse:
    """``/healthz/``: the process answers. Nothing else is touched."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
@require_GET
def readiness(request: HttpRequest) -> JsonResponse:
    """``/readyz/``: database, cache, broker (required) and worker (reported); 503 if not ready."""
    ready, checks = run_checks()
    failed = [name for name, result in checks.items() if not result["ok"] and result["required"]]
    body = {"status": "ok" if ready else "fail", "failed": failed, "checks": checks}
    return JsonResponse(body, status=200 if ready else 503)
