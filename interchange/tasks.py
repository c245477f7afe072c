"""Background jobs of the interchange app: thin and safe to run twice."""

from celery import shared_task

from interchange import printing, services


@shared_task
def import_prepare(import_id: int) -> str:
    """Parse an uploaded plan and store its preview; an import already prepared is left as
    it is."""
    return services.import_prepare(import_id=import_id).status


@shared_task
def gantt_pdf_render(token: str, project_id: int, user_id: int, params: dict) -> None:
    """Print a large plan's Gantt for the person waiting on the page (``printing``)."""
    printing.gantt_job_render(token=token, project_id=project_id, user_id=user_id, params=params)
