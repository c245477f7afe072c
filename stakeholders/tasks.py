"""Background jobs of the stakeholders app: thin and safe to run twice."""

from smtplib import SMTPException

from celery import shared_task

from stakeholders import services


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    max_retries=8,
)
def send_approval_request(approval_id: int) -> bool:
    """E-mail an approver the link to what they are asked to approve (once per request)."""
    return services.approval_notify(approval_id=approval_id)


@shared_task
def record_action_item_due_reminders() -> int:
    """Daily (beat): tell owners of their open action items due tomorrow or overdue."""
    return services.action_item_due_reminders_record()
