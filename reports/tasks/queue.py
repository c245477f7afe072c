"""The sweeper: work that waited too long for a worker goes back in the queue.

Every minute (beat, ``requeue-waiting-work``), so that nothing a broker outage or a dead worker
left behind waits for the hourly or nightly jobs: tasks the broker refused when their write
committed (kept by ``projects.queue``: status report deliveries, forecast runs, KPI refreshes,
closure and approval e-mails), status report deliveries and e-mails whose message was lost or
whose worker died mid-send, and events whose notifications were never fanned out. Every one of
them is safe to run twice: a delivery's claim, a forecast run's status, the closure report's
"e-mailed" mark, the snapshot's upsert and a notification's unique pair make a second copy
harmless, so the sweeper errs on the side of queueing.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from projects.events import events_requeue_undispatched
from projects.mail import mail_requeue_stuck
from projects.queue import unsent_tasks_resend
from reports.services.delivery import deliveries_requeue_stuck


@shared_task
def requeue_waiting_work() -> dict[str, Any]:
    """Every minute (beat): send again what the broker refused, then requeue stuck
    deliveries. Returns how many of each, for the logs."""
    resent = unsent_tasks_resend()
    now = timezone.now()
    return {
        "resent": resent,
        "deliveries": deliveries_requeue_stuck(now=now),
        "mails": mail_requeue_stuck(now=now),
        "events": events_requeue_undispatched(now=now),
    }
