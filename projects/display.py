"""One way to show a date, a timestamp and a person on a page.

Dates read "7 Dec 2026" (never ISO: that is for the API and files) unless the person chose
another ``DateFormat`` on their profile; timestamps carry their time zone ("7 Dec 2026, 09:00
CET"), in the project's zone when one is given, else the server's; a person is their full name,
falling back to the username. Values frozen into JSON (closure and status reports) arrive as ISO
strings and are shown the same way.

The person's format is activated for one request the way Django activates their time zone
(``projects.timezones`` middleware, from the session): ``human_date`` and ``human_timestamp``
read it, so every ``|human_date`` and ``|timestamp`` on a page follows it without the page
passing it along. E-mails and exports never call these two: they name their own format, so a
reader of one never gets the format of whoever triggered it.
"""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from asgiref.local import Local
from django.db import models
from django.utils import formats, timezone

DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i T"
TIMESTAMP_FORMAT = f"{DATE_FORMAT}, {TIME_FORMAT}"


class DateFormat(models.TextChoices):
    """The date formats a person may choose (Django ``date`` format strings)."""

    DAY_MONTH_NAME = "j M Y", "7 Dec 2026"
    DAY_MONTH_YEAR = "d/m/Y", "07/12/2026 (day/month/year)"
    MONTH_DAY_YEAR = "m/d/Y", "12/07/2026 (month/day/year)"
    ISO = "Y-m-d", "2026-12-07 (year-month-day)"


# Per request (per thread, per asyncio task), like ``django.utils.timezone``'s active zone.
_active = Local()


def activate_date_format(value: str) -> None:
    """Show dates in ``value`` until ``deactivate_date_format()``; an unknown one is ignored."""
    if value in DateFormat.values:
        _active.value = value
    else:
        deactivate_date_format()


def deactivate_date_format() -> None:
    if hasattr(_active, "value"):
        del _active.value


def active_date_format() -> str:
    return getattr(_active, "value", DATE_FORMAT)


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


def human_date(value: Any, *, weekday: bool = False, short: bool = False) -> str:
    """``date(2026, 12, 7)``, a datetime or ``"2026-12-07"`` → ``"7 Dec 2026"`` in the active
    format (``weekday``: ``"Mon 7 Dec 2026"``; ``short``, for dense tables: ``"7 Dec 26"``, but
    year-month-day keeps its four digits); anything else is returned as it came (``None`` →
    ``""``) so ``|default:"—"`` still applies."""
    parsed = _parse(value)
    if parsed is None:
        return "" if value is None else value
    if isinstance(parsed, datetime.datetime) and timezone.is_aware(parsed):
        parsed = timezone.localtime(parsed)
    date_format = active_date_format()
    if short and date_format != DateFormat.ISO:
        date_format = date_format.replace("Y", "y")
    return formats.date_format(parsed, f"D {date_format}" if weekday else date_format)


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
    return formats.date_format(
        timezone.localtime(parsed, tz), f"{active_date_format()}, {TIME_FORMAT}"
    )


def person_name(user: Any) -> str:
    """A user as pages and pickers name them: the full name, else the username."""
    if user is None:
        return "System"
    return user.get_full_name() or user.get_username()
