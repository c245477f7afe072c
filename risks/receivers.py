"""The risks app's consumer of the event source (``projects.events``), registered in
``RisksConfig.ready``.

The schedule engine records ``schedule.recomputed`` when a recompute moved the plan's finish
(never when it moved only tasks inside it); the event source hands it, once committed, to every
consumer on the worker. For each project whose finish moved, the forecast refresh is queued,
debounced (one per project per window, and the worker checks again whether the finish really
moved since the latest run: ``risks.services.refresh``). The scheduling code knows nothing of
forecasts. A change of the project's target finish (``project.target_changed``) queues the
same refresh: the latest run measured the old target.
"""

from __future__ import annotations

from collections.abc import Iterable

from projects.models.event import Event
from risks.services.refresh import forecast_refresh_soon

FINISH_MOVED = "schedule.recomputed"
# The project's target finish changed: the chance of meeting it needs a run against the new one.
TARGET_CHANGED = "project.target_changed"


def forecast_consume(events: Iterable[Event]) -> list[int]:
    """Queue a forecast refresh for each project among ``events`` whose plan finish moved (after
    the dispatch commits); returns those projects' ids. Idempotent, as a consumer must be: an
    event handed on again finds the project's window open, or a refresh that finds nothing
    due."""
    moved = sorted(
        {event.project_id for event in events if event.type in (FINISH_MOVED, TARGET_CHANGED)}
    )
    for project_id in moved:
        forecast_refresh_soon(project_id=project_id)
    return moved
