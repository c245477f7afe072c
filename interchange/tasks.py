"""Background jobs of the interchange app: thin and safe to run twice."""

from celery import shared_task
from django.utils import timezone

from interchange import printing, services, webhooks


@shared_task
def import_prepare(import_id: int) -> str:
    """Parse an uploaded plan and store its preview; an import already prepared is left as
    it is."""
    return services.import_prepare(import_id=import_id).status


@shared_task
def gantt_pdf_render(token: str, project_id: int, user_id: int, params: dict) -> None:
    """Print a large plan's Gantt for the person waiting on the page (``printing``)."""
    printing.gantt_job_render(token=token, project_id=project_id, user_id=user_id, params=params)


@shared_task
def deliver_webhook(delivery_id: int) -> str:
    """One try at one webhook delivery; a retry is queued by the attempt itself, with its
    back-off, so the claim (not Celery's retry count) decides what is sent."""
    return webhooks.webhook_delivery_attempt(delivery_id)


@shared_task
def requeue_webhook_deliveries() -> int:
    """Every minute (beat): deliveries whose task was lost, or whose worker died mid-send, go
    back in the queue (the sweeper in reports cannot import this top-floor app)."""
    return webhooks.webhook_deliveries_requeue_stuck(now=timezone.now())
