"""Background jobs of the projects app: thin, idempotent, calling services or plain queries."""

from smtplib import SMTPException
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from celery import shared_task
from django.conf import settings
from django.utils import timezone
from knox.models import AuthToken

from projects.events import dispatch
from projects.mail import MAX_RETRIES, mail_attempt, retry_delay
from projects.services.invitations import invitation_send
from projects.services.notifications import digests_send


@shared_task
def purge_expired_api_tokens() -> int:
    """Delete API tokens past their expiry (knox keeps them until asked); safe to run twice."""
    deleted, _ = AuthToken.objects.filter(expiry__lt=timezone.now()).delete()
    return deleted


@shared_task
def purge_sign_in_logs() -> int:
    """Delete sign-in and failure logs older than ``SIGN_IN_LOG_DAYS`` and failed attempts too
    old to count (axes keeps both until asked); safe to run twice."""
    days = settings.SIGN_IN_LOG_DAYS
    return (
        AxesProxyHandler.reset_logs(age_days=days)
        + AxesProxyHandler.reset_failure_logs(age_days=days)
        + AxesProxyHandler.get_implementation().clean_expired_user_attempts()
    )


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    max_retries=8,
)
def send_invitation(invitation_id: int, token: str) -> bool:
    """E-mail an invitee their link (once per invitation)."""
    return invitation_send(invitation_id=invitation_id, token=token)


# --- events, notifications, e-mail ---------------------------------------------------------------


@shared_task
def dispatch_event(event_id: int) -> dict[str, Any]:
    """Hand one event to its consumers: notifications, webhooks (idempotent)."""
    return _summary(dispatch([event_id]))


@shared_task
def dispatch_events(event_ids: list[int]) -> dict[str, Any]:
    """Hand many events at once (one recompute's slipped milestones, the sweeper's batch)."""
    return _summary(dispatch(event_ids))


def _summary(results: dict[str, Any]) -> dict[str, Any]:
    return {name: getattr(result, "__dict__", result) for name, result in results.items()}


@shared_task(bind=True, max_retries=MAX_RETRIES)
def send_outgoing_mail(self, mail_id: int) -> str:
    """One try at one kept e-mail; transient failures retry with back-off (projects.mail)."""
    try:
        return mail_attempt(mail_id, final=self.request.retries >= MAX_RETRIES)
    except (SMTPException, OSError) as error:
        raise self.retry(
            exc=error, countdown=retry_delay(self.request.retries).total_seconds()
        ) from error


@shared_task
def send_notification_digests() -> dict[str, int]:
    """Hourly (beat): the daily digest of everyone for whom it is 08:00 where they are."""
    run = digests_send()
    return {"people": run.people, "notifications": run.notifications}
