"""One way to show a date, a timestamp and a person on a page.

Dates read "7 Dec 2026" (never ISO: that is for the API and files); timestamps carry their time
zone ("7 Dec 2026, 09:00 CET"), in the project's zone when one is given, else the server's; a
person is their full name, falling back to the username. Values frozen into JSON (closure and
status reports) arrive as ISO strings and are shown the same way.
"""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from django.utils import formats, timezone

DATE_FORMAT = "j M Y"
TIMESTAMP_FORMAT = "j M Y, H:i T"


def _parse(value: Any) -> datetime.date | datetime.datetime | None:
    if isinstance(value, str):
        try:
            return (
                datetime.datetime.fromisoformat(value)
                if "T" in value
                else (datetime.date.fromisoformat(value))
            )
        except ValueError:
            return None
    return value if isinstance(value, datetime.date) else None


def human_date(value: Any) -> str:
    """``date(2026, 12, 7)``, a datetime or ``"2026-12-07"`` → ``"7 Dec 2026"``; anything else
    is returned as it came (``None`` → ``""``) so ``|default:"—"`` still applies."""
    parsed = _parse(value)
    if parsed is None:
        return "" if value is None else value
    if isinstance(parsed, datetime.datetime) and timezone.is_aware(parsed):
        parsed = timezone.localtime(parsed)
    return formats.date_format(parsed, DATE_FORMAT)


def human_timestamp(value: Any, zone: str | None = None) -> str:
    """An aware datetime → ``"7 Dec 2026, 09:00 CET"`` in ``zone`` (an IANA name, e.g. the
    project's time zone) or the server's time zone, always labelled with the zone."""
    parsed = _parse(value)
    if not isinstance(parsed, datetime.datetime):
        return "" if value is None else str(value)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, datetime.UTC)
    try:
        tz = zoneinfo.ZoneInfo(zone) if zone else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = None
    return formats.date_format(timezone.localtime(parsed, tz), TIMESTAMP_FORMAT)


def person_name(user: Any) -> str:
    """A user as pages and pickers name them: the full name, else the username."""
    if user is None:
        return "System"
    return user.get_full_name() or user.get_username()
