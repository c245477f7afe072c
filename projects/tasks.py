"""Background jobs of the projects app: thin, idempotent, calling services or plain queries."""

from smtplib import SMTPException

from axes.handlers.proxy import AxesProxyHandler
from celery import shared_task
from django.conf import settings
from django.utils import timezone
from knox.models import AuthToken

from projects.services.invitations import invitation_send


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
