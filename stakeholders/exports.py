"""Files for other tools: the RACI matrix as CSV, a meeting as an iCalendar invitation."""

from __future__ import annotations

import csv
import datetime
import io

import icalendar
from django.utils import timezone

from projects.models import Project
from projects.site import site_url
from projects.spreadsheets import csv_safe
from stakeholders.models import Meeting
from stakeholders.selectors import raci_matrix


def raci_csv(project: Project) -> str:
    """The RACI matrix as CSV: one line per row (work packages, then deliverables), one column
    per stakeholder and team member, cells R/A/C/I or empty."""
    matrix = raci_matrix(project)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Type", "Code", "Row", *(csv_safe(c["name"]) for c in matrix["columns"])])
    for row in matrix["rows"]:
        is_wp = row["kind"] == "work_package"
        writer.writerow(
            [
                "Work package" if is_wp else "Deliverable",
                csv_safe(row["row"].code if is_wp else ""),
                csv_safe(row["row"].name),
                *row["cells"],
            ]
        )
    return out.getvalue()


def _mailto(email: str) -> str:
    return f"mailto:{email}"


def _product_domain() -> str:
    site = site_url()
    return site.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "charter"


def meeting_ics(meeting: Meeting) -> bytes:
    """The meeting as an iCalendar invitation (RFC 5545, METHOD:REQUEST).

    Times are written in the project's time zone with its VTIMEZONE, so Outlook and Google
    show the same local time; UID is the meeting's for life and SEQUENCE its revision, so a
    re-sent invitation updates the one already in the calendar."""
    project = meeting.project
    tz = project.zone
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Charter//Project meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "REQUEST")

    event = icalendar.Event()
    event.add("uid", f"{meeting.uid}@{_product_domain()}")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now().astimezone(datetime.UTC))
    event.add("created", meeting.created_at.astimezone(datetime.UTC))
    event.add("last-modified", meeting.updated_at.astimezone(datetime.UTC))
    event.add("dtstart", meeting.starts_at.astimezone(tz))
    event.add("dtend", meeting.ends_at.astimezone(tz))
    event.add("summary", f"{meeting.title} · {project.key}")
    if meeting.location:
        event.add("location", meeting.location)
    description = f"{meeting.get_kind_display()} of {project.key} · {project.name}"
    if meeting.agenda:
        description += f"\n\nAgenda:\n{meeting.agenda}"
    event.add("description", description)
    event.add("status", "CONFIRMED")
    event.add("categories", [meeting.get_kind_display()])

    organiser = meeting.organiser
    if organiser is not None and organiser.email:
        event.add(
            "organizer",
            icalendar.vCalAddress(_mailto(organiser.email)),
            parameters={"CN": organiser.get_full_name() or organiser.get_username()},
        )
    seen: set[str] = set()
    people = [(u.get_full_name() or u.get_username(), u.email) for u in meeting.attendees.all()]
    people += [(s.name, s.email) for s in meeting.stakeholders.all()]
    for name, email in people:
        if not email or email.lower() in seen:
            continue
        seen.add(email.lower())
        event.add(
            "attendee",
            icalendar.vCalAddress(_mailto(email)),
            parameters={
                "CN": name,
                "ROLE": "REQ-PARTICIPANT",
                "PARTSTAT": "NEEDS-ACTION",
                "RSVP": "TRUE",
                "CUTYPE": "INDIVIDUAL",
            },
        )
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
