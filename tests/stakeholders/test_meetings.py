"""Meetings and their iCalendar invitations, the decision log, action items and "my work"."""

import datetime
import zoneinfo

import icalendar
import pytest
from django.core.exceptions import ValidationError

from projects.exceptions import StaleEdit
from stakeholders import exports, selectors, services
from stakeholders.models import ActionItem, Meeting
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
TODAY = datetime.date(2026, 3, 10)


@pytest.fixture
def berlin_project(project):
    project.time_zone = "Europe/Berlin"
    project.save(update_fields=["time_zone"])
    return project


@pytest.fixture
def steering(berlin_project, manager, member, people):
    """A steering committee on 12 March 2026, 14:00–15:30 Berlin time."""
    return services.meeting_create(
        project=berlin_project,
        by=manager,
        kind=Meeting.Kind.STEERING_COMMITTEE,
        title="Steering committee",
        starts_at=datetime.datetime(2026, 3, 12, 14, 0, tzinfo=BERLIN),
        ends_at=datetime.datetime(2026, 3, 12, 15, 30, tzinfo=BERLIN),
        location="Room 4.01",
        agenda="1. Status\n2. Change requests",
        stakeholders=[people["Sam Sponsor"], people["Cora CISO"]],
        attendees=[manager, member],
    )


def parse(meeting):
    calendar = icalendar.Calendar.from_ical(exports.meeting_ics(meeting))
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_meeting_ics_parses_with_attendees_organiser_and_time_zone(steering):
    """The invitation parses; attendees and organiser are mailto addresses; times are Berlin
    local times with the Europe/Berlin VTIMEZONE included."""
    calendar, event = parse(steering)
    assert calendar["METHOD"] == "REQUEST"
    attendees = sorted(str(a) for a in event.get("ATTENDEE"))
    assert attendees == [
        "mailto:cora@client.example",
        "mailto:maria@example.com",
        "mailto:mo@example.com",
        "mailto:sam@client.example",
    ]
    assert str(event["ORGANIZER"]) == "mailto:maria@example.com"
    assert event["ORGANIZER"].params["CN"] == "Maria Manager"
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert (start.hour, end.hour, end.minute) == (14, 15, 30)
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert start.astimezone(datetime.UTC) == datetime.datetime(
        2026, 3, 12, 13, 0, tzinfo=datetime.UTC
    )
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert event["SUMMARY"].startswith("Steering committee")
    assert event["LOCATION"] == "Room 4.01"


def test_meeting_ics_keeps_uid_and_bumps_sequence_when_the_invitation_changes(steering, manager):
    """Moving a meeting keeps its UID and raises SEQUENCE; writing minutes does not."""
    _, before = parse(steering)
    moved = services.meeting_update(
        meeting=steering,
        by=manager,
        version=steering.version,
        starts_at=datetime.datetime(2026, 3, 13, 9, 0, tzinfo=BERLIN),
        ends_at=datetime.datetime(2026, 3, 13, 10, 0, tzinfo=BERLIN),
    )
    _, after = parse(moved)
    assert str(after["UID"]) == str(before["UID"])
    assert (int(before["SEQUENCE"]), int(after["SEQUENCE"])) == (0, 1)
    minuted = services.meeting_update(
        meeting=moved, by=manager, version=moved.version, minutes="Agreed."
    )
    assert minuted.sequence == 1
    uninvited = services.meeting_update(
        meeting=minuted, by=manager, version=minuted.version, attendees=[manager]
    )
    assert uninvited.sequence == 2
    assert "mailto:mo@example.com" not in [str(a) for a in parse(uninvited)[1].get("ATTENDEE")]


def test_meeting_update_refuses_stale_versions(steering, manager):
    """An edit based on an old version is refused, not silently applied."""
    services.meeting_update(meeting=steering, by=manager, version=steering.version, title="A")
    with pytest.raises(StaleEdit):
        services.meeting_update(meeting=steering, by=manager, version=steering.version, title="B")


def test_meeting_ics_in_utc_project_has_utc_times(project, manager):
    """A project on UTC writes UTC times (no local zone to define)."""
    project.time_zone = "UTC"
    project.save(update_fields=["time_zone"])
    meeting = services.meeting_create(
        project=project,
        by=manager,
        title="Stand-up",
        kind=Meeting.Kind.DAILY_STANDUP,
        starts_at=datetime.datetime(2026, 3, 12, 9, 0, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2026, 3, 12, 9, 15, tzinfo=datetime.UTC),
    )
    _, event = parse(meeting)
    assert event.decoded("DTSTART") == datetime.datetime(2026, 3, 12, 9, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"starts_at": datetime.datetime(2026, 3, 12, 14, 0)}, "starts_at"),  # noqa: DTZ001
        (
            {
                "starts_at": datetime.datetime(2026, 3, 12, 14, 0, tzinfo=BERLIN),
                "ends_at": datetime.datetime(2026, 3, 12, 13, 0, tzinfo=BERLIN),
            },
            "ends_at",
        ),
    ],
)
def test_meeting_create_refuses_naive_times_and_ending_before_starting(
    project, manager, changes, field
):
    """Times need a zone, and a meeting ends after it starts."""
    fields = {
        "starts_at": datetime.datetime(2026, 3, 12, 14, 0, tzinfo=BERLIN),
        "ends_at": datetime.datetime(2026, 3, 12, 15, 0, tzinfo=BERLIN),
        **changes,
    }
    with pytest.raises(ValidationError) as error:
        services.meeting_create(project=project, by=manager, title="M", **fields)
    assert field in error.value.message_dict


def test_meeting_refuses_foreign_attendees(project, manager, people):
    """Attendees are team members and stakeholders of this project only."""
    other = project_with(manager=manager)
    stranger = services.stakeholder_create(project=other, by=manager, name="Stranger")
    when = {
        "starts_at": datetime.datetime(2026, 3, 12, 14, 0, tzinfo=BERLIN),
        "ends_at": datetime.datetime(2026, 3, 12, 15, 0, tzinfo=BERLIN),
    }
    with pytest.raises(ValidationError, match="another project"):
        services.meeting_create(
            project=project, by=manager, title="M", stakeholders=[stranger], **when
        )
    with pytest.raises(ValidationError, match="Not members of .*: ext"):
        services.meeting_create(
            project=project, by=manager, title="M", attendees=[UserFactory(username="ext")], **when
        )


def test_decision_record_links_a_meeting_of_the_same_project_only(steering, manager):
    """A decision can cite its meeting; another project's meeting is refused."""
    decision = services.decision_record(
        project=steering.project,
        by=manager,
        title="Go live in April",
        decided_by="Steering committee",
        date=TODAY,
        rationale="Testing finished.",
        meeting=steering,
    )
    assert list(steering.decisions.all()) == [decision] and decision.recorded_by == manager
    other = project_with(manager=manager)
    with pytest.raises(ValidationError, match="another project"):
        services.decision_record(
            project=other, by=manager, title="X", decided_by="Y", date=TODAY, meeting=steering
        )


def _action(project, by, owner, days, **kwargs):
    return services.action_item_create(
        project=project,
        by=by,
        title=f"Due in {days}",
        owner=owner,
        due_date=TODAY + datetime.timedelta(days=days),
        **kwargs,
    )


def test_action_items_overdue_means_open_and_due_before_today(project, manager, member):
    """Due yesterday and open is overdue; due today, or done, is not."""
    late = _action(project, manager, member, -1)
    _action(project, manager, member, 0)
    done = services.action_item_set_status(
        action=_action(project, manager, member, -5), by=manager, status="done"
    )
    assert list(ActionItem.objects.overdue(TODAY)) == [late]
    assert list(selectors.overdue_actions(project, TODAY)) == [late]
    assert late.is_overdue(TODAY) and not done.is_overdue(TODAY)


def test_action_item_set_status_records_when_it_was_done(project, manager, member):
    """Done actions carry a time; reopening clears it."""
    action = _action(project, manager, member, 3)
    done = services.action_item_set_status(action=action, by=manager, status="done")
    assert done.done_at is not None and done.status == "done"
    reopened = services.action_item_set_status(action=done, by=manager, status="open")
    assert reopened.done_at is None


def test_action_item_owner_must_be_a_member(project, manager):
    """An action's owner is on the team; nobody else can own it."""
    with pytest.raises(ValidationError, match="ext is not a member"):
        _action(project, manager, UserFactory(username="ext"), 1)


def test_my_open_actions_span_my_projects_only(
    project, manager, member, django_assert_max_num_queries
):
    """ "My work" lists the user's open actions in every project they belong to, soonest first,
    and nothing from a project they have left."""
    second = project_with(manager=manager, member=member)
    left = project_with(manager=manager, member=member)
    a = _action(project, manager, member, 2)
    b = _action(second, manager, member, -3)
    _action(left, manager, member, 1)
    _action(project, manager, manager, 1)  # someone else's
    done = _action(second, manager, member, 0)
    services.action_item_set_status(action=done, by=manager, status="done")
    left.memberships.filter(user=member).delete()
    with django_assert_max_num_queries(1):
        rows = [(x.title, x.project.key) for x in selectors.my_open_actions(member)]
    assert rows == [(b.title, second.key), (a.title, project.key)]


def test_meetings_of_lists_with_counts_in_three_queries(
    steering, manager, member, django_assert_max_num_queries
):
    """The meetings list reads attendees and counts without a query per meeting."""
    project = steering.project
    for day in range(1, 6):
        services.meeting_create(
            project=project,
            by=manager,
            title=f"Stand-up {day}",
            starts_at=datetime.datetime(2026, 3, day, 9, 0, tzinfo=BERLIN),
            ends_at=datetime.datetime(2026, 3, day, 9, 15, tzinfo=BERLIN),
            attendees=[manager, member],
        )
    _action(project, manager, member, 1, meeting=steering)
    services.decision_record(
        project=project, by=manager, title="D", decided_by="SC", date=TODAY, meeting=steering
    )
    with django_assert_max_num_queries(3):
        meetings = list(selectors.meetings_of(project))
        summary = [
            (
                m.title,
                m.decision_count,
                m.open_action_count,
                len(m.attendees.all()),
                [x.name for x in m.stakeholders.all()],
                m.organiser,
            )
            for m in meetings
        ]
    assert summary[0] == ("Steering committee", 1, 1, 2, ["Cora CISO", "Sam Sponsor"], manager)
    assert len(meetings) == 6
