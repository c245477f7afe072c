"""Celery tasks of closure: the closure report's e-mail and the post-implementation review
reminder. Thin and safe to repeat: the services remember what was sent, under a row lock."""

from __future__ import annotations

import smtplib

from celery import shared_task

from reports.services.closure import closure_report_send, review_remind, reviews_to_remind

RETRY = {
    "autoretry_for": (smtplib.SMTPException, OSError),
    "retry_backoff": 30,
    "retry_backoff_max": 30 * 60,
    "max_retries": 8,
}


@shared_task(**RETRY)
def send_closure_report(closure_id: int) -> list[str]:
    """E-mail a signed-off closure report to the plan's audience, once."""
    return closure_report_send(closure_id=closure_id)


@shared_task(**RETRY)
def remind_post_implementation_reviews() -> list[int]:
    """Daily (beat): remind the managers of every review due today or earlier (in the project's
    time zone) that is neither held nor reminded. The service re-checks under the review's row
    lock, so overlapping runs, or a retry after a failure, send each reminder once."""
    return [review.pk for review in reviews_to_remind() if review_remind(review_id=review.pk)]
