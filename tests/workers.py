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
