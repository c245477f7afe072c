"""The programme status report: each Monday, every member of a programme with projects gets
its roll-up by e-mail, through the one exactly-once outbox (``projects.mail``).

Each member's copy is their own roll-up (``reports.selectors.programmes.programme_rollup``
with them as the reader): every project's row, but milestones and risks only of the projects
they are a member of. The outbox key names the programme, the ISO week and the person, so a
second run of the week (a retry, two beat processes) sends nothing new.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.template.loader import render_to_string

from projects.mail import mail_queue
from projects.models import OutgoingMail, Programme, ProgrammeMembership
from projects.site import absolute_url
from reports.selectors.programmes import programme_rollup


def report_key(programme: Programme, user_id: int, day: datetime.date) -> str:
    year, week, _ = day.isocalendar()
    return f"programme-report:{programme.pk}:{year}-W{week:02d}:{user_id}"


def programme_report_send(*, programme: Programme, today: datetime.date) -> int:
    """Queue this week's report of ``programme`` for each member with an address; returns how
    many were new. Safe to repeat: the outbox keeps one message per programme, week and person."""
    if not programme.projects.exists():
        return 0
    members = (
        get_user_model()
        .objects.filter(
            is_active=True,
            programme_memberships__programme=programme,
        )
        .exclude(email="")
    )
    url = absolute_url(programme.get_absolute_url())
    queued = 0
    for member in members:
        key = report_key(programme, member.pk, today)
        if OutgoingMail.objects.filter(key=key).exists():
            continue  # this week's copy is kept already (sent or on its way)
        rollup = programme_rollup(programme, member, as_of=today)
        context = {"programme": programme, "rollup": rollup, "url": url, "member": member}
        with transaction.atomic():
            mail_queue(
                key=key,
                to=member.email,
                subject=f"[{programme.key}] Programme status, week of {today:%d %b %Y}",
                text=render_to_string("reports/email/programme_report.txt", context),
                html=render_to_string("reports/email/programme_report.html", context),
            )
        queued += 1
    return queued


def programme_reports_send(*, today: datetime.date) -> int:
    """Every programme's report of the week (beat, Mondays)."""
    programmes = Programme.objects.filter(
        pk__in=ProgrammeMembership.objects.values("programme")
    ).order_by("pk")
    return sum(programme_report_send(programme=p, today=today) for p in programmes)
