"""Celery tasks of weekly status reports: the hourly due finder and each delivery (the minute
sweeper that requeues lost deliveries is ``reports.tasks.queue``).

Both are thin and safe to run twice: the work, and the claim that makes a repeat harmless, is in
``reports.services.delivery``.
"""

from __future__ import annotations

import datetime
import smtplib
from dataclasses import asdict
from typing import Any

from celery import shared_task

from reports.services import delivery as services


@shared_task(
    bind=True,
    # A worker that dies mid-send leaves the message on the broker to be delivered again; the
    # delivery's claim decides whether that second run sends anything.
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=services.RETRY_BACKOFF,
    retry_backoff_max=services.RETRY_BACKOFF_MAX,
    # No jitter: the archive's "next attempt at" is then when the retry really runs.
    retry_jitter=False,
    max_retries=services.MAX_RETRIES,
)
def deliver_status_report(self, delivery_id: int) -> str:
    """E-mail one recipient their copy of a status report (one attempt; retried with back-off
    on SMTP and network errors, marked failed after the last retry)."""
    retries = self.request.retries or 0
    return services.delivery_attempt(
        delivery_id,
        final=retries >= self.max_retries,
        retry_in=services.retry_delay(retries),
    )


@shared_task
def send_due_status_reports(now: str | None = None) -> dict[str, Any]:
    """Hourly (beat): send the weekly status report of every project whose weekday and hour
    have come in its time zone. ``now`` (ISO 8601, with an offset) replays a given moment."""
    moment = datetime.datetime.fromisoformat(now) if now else None
    return asdict(services.status_reports_send_due(now=moment))
