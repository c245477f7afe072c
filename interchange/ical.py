"""Calendar feeds written as iCalendar (RFC 5545): plain events in, the ``.ics`` bytes out.

No Django here: the selectors turn tasks, milestones, meetings, gates and actions into
``FeedEvent``s (with their absolute links), and this module only writes them, so what a calendar
program receives can be checked by parsing the bytes back with ``icalendar``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

import icalendar

PRODID = "-//Charter//Calendar feed//EN"
# How often calendar programs should fetch the feed again: Outlook reads X-PUBLISHED-TTL,
# Apple Calendar REFRESH-INTERVAL (RFC 7986); Google decides for itself (hours).
REFRESH = datetime.timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """One calendar entry. ``start``/``end`` are dates for an all-day entry (``end`` exclusive,
    as iCalendar wants it: a task shown Mon–Fri ends on Saturday) or aware datetimes for a
    timed one (written in their own time zone, with its VTIMEZONE)."""

    uid: str
    summary: str
    start: datetime.date | datetime.datetime
    end: datetime.date | datetime.datetime
    stamp: datetime.datetime
    url: str = ""
    description: str = ""
    location: str = ""
    category: str = ""

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime.datetime)


def all_day(first: datetime.date, last: datetime.date) -> tuple[datetime.date, datetime.date]:
    """``(DTSTART, DTEND)`` of an all-day entry shown from ``first`` to ``last`` inclusive."""
    return first, last + datetime.timedelta(days=1)


def calendar_ics(*, name: str, description: str, events: Iterable[FeedEvent]) -> bytes:
    """A published calendar (no METHOD: a subscription, not an invitation) of ``events``."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-caldesc", description)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH))
    for item in events:
        calendar.add_component(_event(item))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _event(item: FeedEvent) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", item.uid)
    # Without METHOD, DTSTAMP is when the entry was last changed in Charter, not the time of the
    # fetch: the same plan gives the same bytes, so the feed's ETag holds between fetches.
    event.add("dtstamp", item.stamp.astimezone(datetime.UTC))
    event.add("dtstart", item.start)
    event.add("dtend", item.end)
    event.add("summary", item.summary)
    if item.description:
        event.add("description", item.description)
    if item.location:
        event.add("location", item.location)
    if item.url:
        event.add("url", item.url)
    if item.category:
        event.add("categories", [item.category])
    # A three-week task must not mark its owner busy for three weeks in free/busy lookups.
    event.add("transp", "TRANSPARENT" if item.all_day else "OPAQUE")
    return event
