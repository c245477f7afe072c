"""The risks app's consumer of the event source (``projects.events``), registered in
``RisksConfig.ready``.

The schedule engine records ``schedule.recomputed`` when a recompute moved the plan's finish
(never when it moved only tasks inside it); the event source hands it, once committed, to every
consumer on the worker. For each project whose finish moved, the forecast refresh is queued,
debounced (one per project per window, and the worker checks again whether the finish really
moved since the latest run: ``risks.services.refresh``). The scheduling code knows nothing of
forecasts.
"""

from __future__ import annotations

from collections.abc import Iterable

from projects.models.event import Event
from risks.services.refresh import forecast_refresh_soon

FINISH_MOVED = "schedule.recomputed"


def forecast_consume(events: Iterable[Event]) -> list[int]:
    """Queue a forecast refresh for each project among ``events`` whose plan finish moved (after
    the dispatch commits); returns those projects' ids. Idempotent, as a consumer must be: an
    event handed on again finds the project's window open, or a refresh that finds nothing
    due."""
    moved = sorted({event.project_id for event in events if event.type == FINISH_MOVED})
    for project_id in moved:
        forecast_refresh_soon(project_id=project_id)
    return moved
