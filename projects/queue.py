"""Handing work to Celery after the commit, by the task's registered name.

A service asks for background work with ``enqueue_on_commit("risks.tasks.run_forecast", run.pk)``.
Naming the task instead of importing it keeps services free of their app's ``tasks`` module
(which imports the services: the cycle that function-local imports used to dodge), and any app
can ask for any task without importing upward.

Publishing happens once the transaction has committed and never raises into the request that
made the work: the write is done, and an unreachable broker must not turn it into an error page.
The producer's retries are short (``CELERY_TASK_PUBLISH_RETRY_POLICY`` and the connect timeouts
in settings: about 2 s in all, where Celery's defaults spent ~20 s in the result backend). A
publish that fails is logged and kept as an ``UnsentTask``; the beat sweeper
(``reports.tasks.queue.requeue_waiting_work``, every minute) hands it to the broker again once it
answers. Every queued task is safe to repeat, so a copy that did arrive as well is harmless.

The embedded default has no broker (``task_always_eager``): the registered task runs in-process
at the commit, as ``delay`` would run it (``send_task`` would ignore eager mode), with its errors
propagating as the settings say.
"""

from __future__ import annotations

import hashlib
import json
import logging
from functools import partial
from typing import Any

from celery import current_app
from celery.app.task import Task
from django.db import transaction
from django.utils import timezone

from projects.models import UnsentTask

logger = logging.getLogger(__name__)

# How many kept tasks one sweep sends again (the rest wait for the next sweep).
RESEND_BATCH = 500


def enqueue_on_commit(
    task_name: str, *args: Any, countdown: float | None = None, **kwargs: Any
) -> None:
    """Queue ``task_name(*args, **kwargs)`` once the current transaction commits (at once
    outside one); nothing is queued if it rolls back. ``countdown`` is Celery's delay in
    seconds before a worker runs it, not an argument of the task."""
    transaction.on_commit(partial(enqueue, task_name, *args, countdown=countdown, **kwargs))


def enqueue(task_name: str, *args: Any, countdown: float | None = None, **kwargs: Any) -> bool:
    """Queue ``task_name(*args, **kwargs)`` now. True when the broker took it (or it ran
    in-process); False when publishing failed: then it is logged and kept for the sweeper."""
    app = current_app
    if app.conf.task_always_eager:
        registered_task(task_name).apply_async(args, kwargs, countdown=countdown)
        return True
    try:
        _publish(task_name, args, kwargs, countdown=countdown)
    except Exception as error:  # whatever the transport raises: the work must not be lost
        logger.warning(
            "Could not queue %s%s: %s. Kept; it is sent again when the broker answers.",
            task_name,
            args,
            error,
        )
        _keep(task_name, list(args), kwargs, error)
        return False
    return True


def registered_task(task_name: str) -> Task:
    """The task registered under ``task_name``, importing the apps' task modules if this
    process has not yet (a web process imports them only when it needs one)."""
    app = current_app
    if task_name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[task_name]


def unsent_tasks_resend(*, limit: int = RESEND_BATCH) -> int:
    """Hand the kept tasks to the broker again, oldest first; returns how many it took. A row is
    deleted once its task is published; one that fails again stays for the next sweep. Rows
    another sweep holds are skipped, so overlapping sweeps do not send one twice."""
    sent = 0
    with transaction.atomic():
        rows = list(UnsentTask.objects.select_for_update(skip_locked=True)[:limit])
        for row in rows:
            try:
                _publish(row.name, row.args, row.kwargs)
            except Exception as error:
                UnsentTask.objects.filter(pk=row.pk).update(
                    failures=row.failures + 1,
                    last_failed_at=timezone.now(),
                    last_error=_describe(error),
                )
                logger.warning("Could not queue kept task %s again: %s", row, error)
                break  # the broker is still away: the others wait for the next sweep too
            row.delete()
            sent += 1
    if sent:
        logger.info("Queued %s kept task(s) again.", sent)
    return sent


def _publish(
    task_name: str, args: Any, kwargs: dict[str, Any], *, countdown: float | None = None
) -> None:
    # ``ignore_result``: nothing reads these results, and subscribing to them is what made a
    # publish to an unreachable Redis wait ~20 s (the result backend's own retries).
    current_app.send_task(
        task_name, args=tuple(args), kwargs=kwargs, countdown=countdown, ignore_result=True
    )


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def _keep(task_name: str, args: list[Any], kwargs: dict[str, Any], error: BaseException) -> None:
    """Remember a task that could not be published; the same call kept twice is one row."""
    key = hashlib.sha256(
        json.dumps([task_name, args, kwargs], sort_keys=True, default=str).encode()
    ).hexdigest()
    now = timezone.now()
    try:
        with transaction.atomic():
            row, created = UnsentTask.objects.select_for_update().get_or_create(
                key=key,
                defaults={
                    "name": task_name,
                    "args": args,
                    "kwargs": kwargs,
                    "first_failed_at": now,
                    "last_failed_at": now,
                    "last_error": _describe(error),
                },
            )
            if not created:
                row.failures += 1
                row.last_failed_at = now
                row.last_error = _describe(error)
                row.save(update_fields=["failures", "last_failed_at", "last_error"])
    except Exception:  # the database is away as well: nothing more can be done here
        logger.exception("Could not keep %s%s for a later try; it is lost.", task_name, args)
