"""Background jobs of the interchange app: thin and safe to run twice."""

from celery import shared_task

from interchange import services


@shared_task
def import_prepare(import_id: int) -> str:
    """Parse an uploaded plan and store its preview; an import already prepared is left as
    it is."""
    return services.import_prepare(import_id=import_id).status
