"""Background jobs of the budgets app: thin and safe to run twice."""

from celery import shared_task

from budgets.services import levelling_jobs
from budgets.services.timesheets import timesheet_reminders_record


@shared_task
def record_timesheet_reminders() -> int:
    """Hourly (beat): remind each person whose last week's timesheet is not submitted, once it
    is Monday 09:00 in their time zone; once per person and week."""
    return timesheet_reminders_record()


@shared_task
def apply_levelling(
    token: str, project_id: int, user_id: int, allow_past_float: bool, fingerprint: str
) -> None:
    """Level a project as its manager previewed it, for the page that polls (DESIGN §6)."""
    levelling_jobs.levelling_job_run(
        token=token,
        project_id=project_id,
        user_id=user_id,
        allow_past_float=allow_past_float,
        fingerprint=fingerprint,
    )


@shared_task
def apply_portfolio_levelling(
    token: str,
    user_id: int,
    project_ids: list[int] | None,
    allow_past_float: bool,
    fingerprint: str,
) -> None:
    """Level the projects a manager chose together, for the page that polls (DESIGN §6)."""
    levelling_jobs.portfolio_job_run(
        token=token,
        user_id=user_id,
        project_ids=project_ids,
        allow_past_float=allow_past_float,
        fingerprint=fingerprint,
    )
