"""Background jobs of the risks app: thin and safe to run twice."""

from celery import shared_task

from projects import clock
from projects.queue import enqueue
from risks import services
from risks.services import programme_forecast


@shared_task
def run_forecast(run_id: int) -> str | None:
    """Compute a queued Monte Carlo forecast run. A finished run is left as it is; one left
    running by a worker that died is redelivered (acks_late) and computed again."""
    run = services.forecast_run_compute(run_id=run_id)
    return None if run is None else run.status


@shared_task
def refresh_forecast(project_id: int, reason: str = services.Reason.SCHEDULE) -> int | None:
    """Queue a new forecast run of the project if it is due (after a change that moved its
    finish, or at night); returns the run's id, or None when none was due."""
    run = services.forecast_refresh(project_id=project_id, reason=reason)
    return None if run is None else run.pk


@shared_task
def refresh_stale_forecasts() -> int:
    """Nightly (beat): queue a refresh of every project whose forecast is over a day old,
    measured another finish or target, or does not exist yet; each refresh checks again."""
    ids = services.projects_due_a_forecast(now=clock.now())
    for pk in ids:
        enqueue(services.REFRESH_TASK, pk, reason=services.Reason.NIGHTLY)
    return len(ids)


@shared_task
def forecast_linked_projects(group: list[int], key: str) -> None:
    """Simulate projects that wait for each other together (a programme's finish) and keep the
    result in the cache under ``key``."""
    programme_forecast.forecast_linked_projects(group, key)
