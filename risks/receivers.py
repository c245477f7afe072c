"""Receivers of the risks app, connected in ``RisksConfig.ready``.

The schedule engine writes dates in bulk (no ``post_save``) and announces it with
``scheduling.signals.schedule_recomputed``; a recompute that moved any task may have moved the
finish, so the project's forecast refresh is queued (debounced, and the worker checks whether
the finish really moved: ``risks.services.refresh``).
"""

from __future__ import annotations

from typing import Any

from projects.models import Project
from risks.services.refresh import forecast_refresh_soon
from scheduling import signals as schedule_signals


def schedule_moved(sender: Any, *, project: Project, changed: int = 0, **kwargs: Any) -> None:
    """Tasks moved: the finish may have; a recompute that moved none cannot have moved it."""
    if changed:
        forecast_refresh_soon(project_id=project.pk)


schedule_signals.schedule_recomputed.connect(schedule_moved, dispatch_uid="risks.forecast.schedule")
