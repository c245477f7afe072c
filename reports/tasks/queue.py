"""The sweeper: work that waited too long for a worker goes back in the queue.

Every minute (beat, ``requeue-waiting-work``), so that nothing a broker outage or a dead worker
left behind waits for the hourly or nightly jobs: tasks the broker refused when their write
committed (kept by ``projects.queue``: status report deliveries, forecast runs, KPI refreshes,
closure and approval e-mails), and status report deliveries whose message was lost or whose
worker died mid-send. Every one of them is safe to run twice: a delivery's claim, a forecast
run's status, the closure report's "e-mailed" mark and the snapshot's upsert make a second copy
harmless, so the sweeper errs on the side of queueing.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from projects.queue import unsent_tasks_resend
from reports.services.delivery import deliveries_requeue_stuck


@shared_task
def requeue_waiting_work() -> dict[str, Any]:
    """Every minute (beat): send again what the broker refused, then requeue stuck
    deliveries. Returns how many of each, for the logs."""
    resent = unsent_tasks_resend()
    return {"resent": resent, "deliveries": deliveries_requeue_stuck(now=timezone.now())}
