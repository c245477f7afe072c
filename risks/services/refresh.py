"""Keeping each project's forecast current without anyone asking for it.

When
----
* After a schedule change that moves the finish. The event source's ``schedule.recomputed``
  (recorded by the engine only when the plan's finish moved) reaches the ``forecast`` consumer
  (``risks.receivers``) on the worker, which asks ``forecast_refresh_soon``; after the dispatch
  commits, the first change opens the project's window (``REFRESH_DELAY``, five minutes:
  ``cache.add``, atomic in Redis, so one process wins) and queues ``risks.tasks.refresh_forecast``
  to run when it closes. Changes inside the window ride on it: the worker reads the plan as it
  is then. A burst of edits costs one run.
* Nightly (beat, ``refresh-stale-forecasts``): every project that is not closed and has tasks,
  whose latest run is older than ``MAX_AGE``, or that has none yet.

Whether
-------
The worker decides (``forecast_refresh``), so that a change that moved no date costs a check,
not a run. A project's forecast is re-run when the plan's finish or the target finish differs
from what its latest run measured (the run's ``plan_finish`` and ``target_finish``) — and, at
night, when that run is older than ``MAX_AGE`` (progress, actuals and the register move the
forecast without moving the plan's finish). Nothing is queued while a run is queued or running:
a queued run reads the plan when it starts. After a change, only a project that has a forecast
is re-run; its first forecast is a person's or the night's.

How
---
Cheap and steady: ``AUTO_ITERATIONS`` (5,000, the iterations of issue 17's nightly benchmark:
the chance's standard error stays under 0.71 percentage points), the project's id as the seed
(the same plan gives the same chance every night, so the dashboard never flickers between
Amber and Green on noise), and the distribution and default uncertainty of the latest run; a
first run is triangular, with the project's default uncertainty when no task with work left has
a three-point estimate (what the forecast page offers then). Automatic runs have no
``requested_by``.

The embedded default runs tasks in-process, where a countdown cannot wait: the refresh runs at
the commit of the first change of a window, and later changes in it wait for the next window.
"""

from __future__ import annotations

import datetime
import logging
from functools import partial

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery

from projects import clock
from projects.models import Project
from projects.queue import enqueue, enqueue_on_commit
from projects.services.common import lock_project
from risks import selectors
from risks.models import ForecastRun
from risks.services.forecast import _checked_request, _numbered_run
from scheduling.models import Task

logger = logging.getLogger(__name__)

REFRESH_TASK = "risks.tasks.refresh_forecast"
RUN_TASK = "risks.tasks.run_forecast"
#: Seconds from the first change of a window to the refresh that reads it.
REFRESH_DELAY = 5 * 60
#: A forecast this old is run again at night: a day, less the time a night's queue may take,
#: so that a run finished at 03:40 after last night's beat is due again at tonight's.
MAX_AGE = datetime.timedelta(hours=20)
AUTO_ITERATIONS = 5_000
PENDING = (ForecastRun.Status.QUEUED, ForecastRun.Status.RUNNING)


class Reason:
    SCHEDULE = "schedule"  # a change moved (perhaps) the plan's finish
    NIGHTLY = "nightly"


def refresh_key(project_id: int) -> str:
    """The cache key that holds a project's refresh window while a refresh is queued."""
    return f"forecast-refresh:{project_id}"


def forecast_refresh_soon(*, project_id: int) -> None:
    """Queue a refresh of the project's forecast for the end of its window, once the current
    transaction commits (nothing for a change that rolls back). Several changes in one
    transaction, or in one window, queue one refresh."""
    transaction.on_commit(partial(_queue_refresh, project_id), robust=True)


def _queue_refresh(project_id: int) -> None:
    if _window_opens(project_id):
        enqueue(REFRESH_TASK, project_id, countdown=REFRESH_DELAY)


def _window_opens(project_id: int) -> bool:
    """Open the project's window; False when one is open. A cache that cannot answer opens it:
    a refresh too many costs a check, one lost costs a stale forecast until the night."""
    try:
        return cache.add(refresh_key(project_id), True, timeout=REFRESH_DELAY)
    except Exception:
        logger.warning("Forecast refresh of project %s: the cache is unreachable.", project_id)
        return True


def _with_forecast_state(projects: QuerySet[Project]) -> QuerySet[Project]:
    """The projects with what decides whether their forecast is due (one query): the plan's
    finish now, whether a run is pending, and the latest done run's age and measures."""
    latest = ForecastRun.objects.filter(
        project=OuterRef("pk"), status=ForecastRun.Status.DONE
    ).order_by("-created_at", "-id")
    finish = Task.objects.filter(project=OuterRef("pk"), finish_date__isnull=False).order_by(
        F("finish_date").desc()
    )
    return projects.annotate(
        current_finish=Subquery(finish.values("finish_date")[:1]),
        forecast_pending=Exists(
            ForecastRun.objects.filter(project=OuterRef("pk"), status__in=PENDING)
        ),
        forecast_at=Subquery(latest.values("finished_at")[:1]),
        forecast_target=Subquery(latest.values("target_finish")[:1]),
        forecast_plan=Subquery(latest.values("plan_finish")[:1]),
    )


def _due(project: Project, reason: str, now: datetime.datetime) -> bool:
    """Whether the project (annotated by ``_with_forecast_state``) needs a new run."""
    if project.current_finish is None or project.forecast_pending:
        return False  # nothing scheduled to forecast, or a run that will read the plan
    if project.forecast_at is None:
        return reason == Reason.NIGHTLY
    if (
        project.forecast_plan != project.current_finish
        or project.forecast_target != project.target_finish
    ):
        return True
    return reason == Reason.NIGHTLY and project.forecast_at < now - MAX_AGE


def projects_due_a_forecast(*, now: datetime.datetime) -> list[int]:
    """Ids of the projects (not closed) whose forecast the night should run again (one
    query)."""
    projects = _with_forecast_state(Project.objects.active().only("pk", "target_finish"))
    return [p.pk for p in projects.order_by("pk") if _due(p, Reason.NIGHTLY, now)]


def settings_of(project: Project) -> tuple[str, bool]:
    """Distribution and whether to apply the default uncertainty: the latest run's, or for a
    first run triangular, with the default uncertainty when no task has an estimate."""
    latest = (
        ForecastRun.objects.filter(project=project)
        .order_by("-created_at", "-id")
        .values("distribution", "default_optimistic_percent")
        .first()
    )
    if latest is not None:
        return latest["distribution"], latest["default_optimistic_percent"] is not None
    coverage = selectors.estimate_coverage(project)
    return ForecastRun.Distribution.TRIANGULAR, bool(coverage["open"]) and not coverage["estimated"]


def forecast_refresh(
    *, project_id: int, reason: str = Reason.SCHEDULE, now: datetime.datetime | None = None
) -> ForecastRun | None:
    """Queue a new run of the project's forecast if it is due (see the module docstring);
    the run is computed by ``risks.tasks.run_forecast`` after the commit. Returns the run, or
    None when none was due, a run is pending, or the plan cannot be simulated (logged: the
    forecast page says why when a person runs it). Safe to repeat: a second call finds the
    first's run pending."""
    now = now or clock.now()
    project = _with_forecast_state(Project.objects.active().filter(pk=project_id)).first()
    if project is None or not _due(project, reason, now):
        return None
    distribution, default_uncertainty = settings_of(project)
    seed = project.pk
    with transaction.atomic():
        try:
            uncertainty = _checked_request(
                project=project,
                iterations=AUTO_ITERATIONS,
                seed=seed,
                distribution=distribution,
                default_uncertainty=default_uncertainty,
            )
        except ValidationError as error:
            logger.info("Forecast of %s not refreshed: %s", project.key, "; ".join(error.messages))
            return None
        lock_project(project)
        # Under the lock: a refresh or a person that queued a run meanwhile has committed it.
        if ForecastRun.objects.filter(project=project, status__in=PENDING).exists():
            return None
        run = _numbered_run(
            project=project,
            by=None,
            iterations=AUTO_ITERATIONS,
            seed=seed,
            distribution=distribution,
            uncertainty=uncertainty,
        )
        enqueue_on_commit(RUN_TASK, run.pk)
    return run
