"""Notifications: the fan-out of one recompute that slips milestones in a 200-member project, and
the daily digest for 10,000 people.

Runs Django in-process on a throw-away test database of the configured engine (PostgreSQL when
``DATABASE_URL`` says so: the goals are PostgreSQL's). Each step is timed with its query count;
the baseline, measured in the same run, is the floor of the same work: one plain INSERT of the
rows the step writes (notifications for the fan-out, e-mails for the digest), so the ratio says
what deciding who hears what, and rendering the messages, cost on top of writing them.

Fan-out: one edit lengthens the task 20 milestones wait for; the recompute records 20
``milestone.slipped`` events (and the finish move), and ``fan_out`` tells 200 members of each
(4,000 notifications; 20 members want milestones by e-mail at once: 400 e-mails rendered and
kept). Digest: 10,000 people with three undigested notifications each, all at 08:00 in their
zone. Goals (issue #15): fan-out < 1 s; digest of 10,000 < 60 s; query counts independent of the
number of notifications.
"""

from __future__ import annotations

import datetime
import os
import time

from bench import _django

MEMBERS = 200
MILESTONES = 20
EMAIL_MEMBERS = 20
DIGEST_PEOPLE = 10_000
PER_PERSON = 3
GOALS_S = {"fan-out": 1.0, "digest": 60.0}


def _setup_django() -> None:
    # As deployed, queued work (the fan-out itself, the e-mails) runs on a worker: publish it to
    # a broker nobody consumes here, and call the fan-out directly to time it.
    os.environ["REDIS_URL"] = ""
    os.environ.setdefault("KPI_REFRESH_DEBOUNCE", "30")
    _django.setup()
    from config.celery import app

    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"


def _timed(name: str, call, timings: dict) -> object:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = call()
        timings[name] = (time.perf_counter() - started, len(queries))
    return result


def _people(count: int, prefix: str) -> list:
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    user_model.objects.bulk_create(
        [
            user_model(username=f"{prefix}{n}", email=f"{prefix}{n}@example.com")
            for n in range(count)
        ],
        batch_size=2000,
    )
    return list(user_model.objects.filter(username__startswith=prefix).order_by("pk"))


def _fan_out(timings: dict) -> tuple[int, int]:
    from projects.models import Event, Membership, Notification, NotificationPreference, Role
    from projects.services import notifications
    from scheduling import services as schedule_services
    from tests.factories import ProjectFactory

    project = ProjectFactory(key="FAN")
    people = _people(MEMBERS, "fan")
    manager = people[0]
    Membership.objects.bulk_create(
        [
            Membership(project=project, user=person, role=Role.MANAGER if i == 0 else Role.MEMBER)
            for i, person in enumerate(people)
        ]
    )
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(user=person, reason="milestone", channel="email")
            for person in people[1 : EMAIL_MEMBERS + 1]
        ]
    )
    build = schedule_services.task_create(project=project, by=manager, name="Build", duration=5)
    for n in range(MILESTONES):
        schedule_services.task_create(
            project=project,
            by=manager,
            name=f"Gate {n + 1}",
            duration=0,
            predecessors=f"{build.ref}FS+{n}",
        )
    Event.objects.all().delete()
    _timed(
        "slipping edit",
        lambda: schedule_services.task_update(task=build, by=manager, version=None, duration=9),
        timings,
    )
    events = list(Event.objects.values_list("pk", flat=True))
    run = _timed("fan-out", lambda: notifications.fan_out(events), timings)
    rows = [
        Notification(recipient_id=person.pk, event_id=event, reason="milestone")
        for event in events
        for person in people
    ]
    Notification.objects.all().delete()
    _timed(
        "fan-out baseline",
        lambda: Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000),
        timings,
    )
    return run.notifications, run.emails


def _digest(timings: dict) -> tuple[int, int]:
    from projects.models import Event, Membership, Notification, OutgoingMail, Role
    from projects.services import notifications
    from tests.factories import ProjectFactory

    Notification.objects.update(digested_at=datetime.datetime.now(datetime.UTC))  # the fan-out's
    project = ProjectFactory(key="DIG")
    people = _people(DIGEST_PEOPLE, "dig")
    Membership.objects.bulk_create(
        [Membership(project=project, user=person, role=Role.MEMBER) for person in people],
        batch_size=2000,
    )
    events = Event.objects.bulk_create(
        [
            Event(
                type="milestone.slipped",
                project=project,
                object_label=f"Milestone 'Gate {n}'",
                data={"to": "2026-12-24", "url": f"/projects/{project.pk}/"},
            )
            for n in range(PER_PERSON)
        ]
    )
    Notification.objects.bulk_create(
        [
            Notification(recipient=person, event=event, reason="milestone")
            for person in people
            for event in events
        ],
        batch_size=5000,
    )
    eight = datetime.datetime(2026, 12, 7, 8, 0, tzinfo=datetime.UTC)  # the site's zone is UTC
    run = _timed("digest", lambda: notifications.digests_send(now=eight), timings)
    kept = list(OutgoingMail.objects.all())
    OutgoingMail.objects.all().delete()
    for mail in kept:
        mail.pk = None
    _timed(
        "digest baseline",
        lambda: OutgoingMail.objects.bulk_create(kept, batch_size=2000),
        timings,
    )
    return run.people, run.notifications


def run() -> bool:
    _setup_django()
    from django.conf import settings

    settings.TIME_ZONE = "UTC"
    passed = True
    with _django.throwaway_database():
        timings: dict[str, tuple[float, int]] = {}
        told, emails = _fan_out(timings)
        people, digested = _digest(timings)
    print(
        f"fan-out: {MILESTONES} slipped milestones x {MEMBERS} members: {told:,} notifications, "
        f"{emails} e-mails"
    )
    print(f"digest: {people:,} people, {digested:,} notifications")
    for name in ("slipping edit", "fan-out", "fan-out baseline", "digest", "digest baseline"):
        seconds, queries = timings[name]
        print(f"  {name:<17} {seconds * 1000:9.0f} ms  {queries:5} queries")
    for name, goal in GOALS_S.items():
        seconds, queries = timings[name]
        base, _ = timings[f"{name} baseline"]
        ok = seconds < goal
        passed = passed and ok
        print(
            f"{name}: {seconds:.2f} s ({seconds / base:.1f}x the plain INSERT), {queries} queries;"
            f" goal < {goal:.0f} s: {'met' if ok else 'NOT met'}"
        )
    return passed
