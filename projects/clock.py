"""Charter's one clock: what "now" and "today" are for every business rule.

Schedules, earned value, overdue work, the weekly report's week and the demo data all depend on
the date. They read it here, never from ``timezone.now()``/``localdate()`` directly, so that one
setting can fix it: ``CHARTER_NOW`` (an ISO 8601 instant, also read from the environment)
freezes the clock for the test suite, a reproducible demo or a "what did this look like on
…" check. Unset, the clock is the system's. Record timestamps (``created_at``, history rows,
SMTP attempts) stay on the real clock: they say when something happened, not what day the
plan thinks it is.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

from django.conf import settings
from django.utils import timezone


@lru_cache(maxsize=8)
def _parse(value: str) -> datetime.datetime:
    instant = datetime.datetime.fromisoformat(value)
    if timezone.is_naive(instant):
        raise ValueError(f"CHARTER_NOW must carry a UTC offset, such as {value}+00:00.")
    return instant.astimezone(datetime.UTC)


def now() -> datetime.datetime:
    """The current instant, aware: the frozen ``CHARTER_NOW`` when set, else the system's."""
    fixed = getattr(settings, "CHARTER_NOW", None)
    if not fixed:
        return timezone.now()
    if isinstance(fixed, datetime.datetime):
        return fixed
    return _parse(fixed)


def today(zone: datetime.tzinfo | None = None) -> datetime.date:
    """Today's date in ``zone`` (the site's time zone when not given)."""
    return timezone.localtime(now(), zone).date()
