"""Background jobs of the risks app: thin and safe to run twice."""

from celery import shared_task

from risks import services


@shared_task
def run_forecast(run_id: int) -> str | None:
    """Compute a queued Monte Carlo forecast run. A finished run is left as it is; one left
    running by a worker that died is redelivered (acks_late) and computed again."""
    run = services.forecast_run_compute(run_id=run_id)
    return None if run is None else run.status
