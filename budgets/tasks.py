"""Background jobs of the budgets app: thin and safe to run twice."""

from celery import shared_task

from budgets.services.timesheets import timesheet_reminders_record


@shared_task
def record_timesheet_reminders() -> int:
    """Hourly (beat): remind each person whose last week's timesheet is not submitted, once it
    is Monday 09:00 in their time zone; once per person and week."""
    return timesheet_reminders_record()
