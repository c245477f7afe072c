"""Helpers for tests that run a real Celery worker (see ``worker_queue`` in conftest)."""

import contextlib


@contextlib.contextmanager
def tasks_routed_to(queue: str, pattern: str):
    """Route the tasks matching ``pattern`` (e.g. ``"reports.tasks.status.*"``) to ``queue``
    (a ``worker_queue``) while the block runs, so this test's worker is the one that runs them."""
    from config.celery import app as celery_app

    previous = celery_app.conf.task_routes
    celery_app.conf.task_routes = {pattern: {"queue": queue}}
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)  # the cached router holds the old routes
    try:
        yield queue
    finally:
        celery_app.conf.task_routes = previous
        celery_app.amqp.flush_routes()
        celery_app.amqp.__dict__.pop("router", None)


@contextlib.contextmanager
def broker_unreachable():
    """Point the Celery app's broker and result backend at a loopback port where nothing
    listens (as a web process sees a Redis that is down), with tasks not run in-process; the
    app's own settings, connections and eagerness come back when the block ends."""
    import socket

    from config.celery import app as celery_app

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
    conf = celery_app.conf
    previous = (conf.broker_url, conf.result_backend, conf.task_always_eager)
    conf.broker_url, conf.result_backend, conf.task_always_eager = dead, dead, False
    _drop_connections(celery_app)
    try:
        yield dead
    finally:
        conf.broker_url, conf.result_backend, conf.task_always_eager = previous
        _drop_connections(celery_app)


def _drop_connections(celery_app) -> None:
    """Forget the producer pool and this thread's result backend, so the next publish connects
    to whatever the configuration names now."""
    celery_app._pool = None  # not closed: kombu's pool registry may hand it out again
    celery_app.amqp._producer_pool = None
    celery_app._local.__dict__.pop("backend", None)
