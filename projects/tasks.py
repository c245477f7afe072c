"""Background jobs of the projects app: thin, idempotent, calling services or plain queries."""

from celery import shared_task
from django.utils import timezone
from knox.models import AuthToken


@shared_task
def purge_expired_api_tokens() -> int:
    """Delete API tokens past their expiry (knox keeps them until asked); safe to run twice."""
    deleted, _ = AuthToken.objects.filter(expiry__lt=timezone.now()).delete()
    return deleted
