"""Calendar feeds: a person's iCalendar subscription and a project's milestones and gates, read
with a secret token instead of a session; the page and the API that make, reset and revoke it."""

import datetime
import zoneinfo

import icalendar
import pytest
from django.urls import reverse

from interchange import services
from interchange.models import CalendarFeed
from projects import services as project_services
from projects.models import Membership
from scheduling import services as scheduling_services
from stakeholders import services as stakeholder_services
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 1, 5)  # the factories' project start


@pytest.fixture(autouse=True)
def _clock(settings):
    """Feeds leave out what ended over a year before today; the plans here are in early 2026,
    so today is pinned near them (a run with ``--clock-shift-days`` would otherwise drop them)."""
    settings.CHARTER_NOW = datetime.datetime(2026, 2, 1, 12, tzinfo=datetime.UTC)


def _url(token: str, project=None) -> str:
    if project is None:
        return reverse("interchange:calendar_feed", args=[token])
    return reverse("interchange:project_calendar_feed", args=[token, project.pk])


def _events(response) -> dict[str, icalendar.Event]:
    """The feed's events by UID (checking it is a calendar first)."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def _task(project, by, name, **fields):
    return scheduling_services.task_create(project=project, by=by, name=name, **fields)


def _meeting(project, by, title, starts_at):
    return stakeholder_services.meeting_create(
        project=project,
        by=by,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=1),
        location="Room 4",
    )


def _action(project, by, owner, title, due_date):
    return stakeholder_services.action_item_create(
        project=project, by=by, title=title, owner=owner, due_date=due_date
    )


def test_person_feed_carries_my_tasks_milestones_meetings_and_actions(
    client, project, manager, member
):
    """My tasks are all-day events from start to finish (DTEND the day after), milestones and
    meetings of my projects are there (meetings at their time in the project's zone), and my
    open action items on their due day; other people's tasks and actions are not."""
    project.time_zone = "America/New_York"
    project.save()
    build = _task(project, manager, "Build", duration=5, owner=member)
    _task(project, manager, "Review", duration=3, owner=manager)
    launch = _task(project, manager, "Launch", duration=0)
    zone = zoneinfo.ZoneInfo("America/New_York")
    meeting = _meeting(
        project, manager, "Steering", datetime.datetime(2026, 1, 7, 9, 30, tzinfo=zone)
    )
    mine = _action(project, manager, member, "Send the test plan", datetime.date(2026, 1, 8))
    _action(project, manager, manager, "Book the room", datetime.date(2026, 1, 8))
    done = _action(project, manager, member, "Old one", datetime.date(2026, 1, 2))
    stakeholder_services.action_item_set_status(action=done, by=member, status="done")
    _feed, token = services.calendar_feed_create(user=member)

    events = _events(client.get(_url(token)))

    assert set(events) == {
        f"task-{build.pk}@charter",
        f"task-{launch.pk}@charter",
        f"meeting-{meeting.pk}@charter",
        f"action-{mine.pk}@charter",
    }
    task = events[f"task-{build.pk}@charter"]
    assert task.decoded("dtstart") == MONDAY
    assert task.decoded("dtend") == datetime.date(2026, 1, 10)  # shown Mon 5 – Fri 9
    assert str(task["summary"]) == f"{project.key} · Build"
    assert str(task["url"]).endswith(reverse("scheduling:task_detail", args=[project.pk, build.pk]))
    assert str(task["transp"]) == "TRANSPARENT"
    assert "0% complete" in str(task["description"])
    milestone = events[f"task-{launch.pk}@charter"]
    assert milestone.decoded("dtstart") == MONDAY
    assert milestone.decoded("dtend") == MONDAY + datetime.timedelta(days=1)
    assert str(milestone["summary"]) == f"{project.key} · ◆ Launch"
    steering = events[f"meeting-{meeting.pk}@charter"]
    starts = steering.decoded("dtstart")
    assert starts == datetime.datetime(2026, 1, 7, 9, 30, tzinfo=zone)
    assert str(starts.tzinfo) == "America/New_York"
    assert steering["dtstart"].params["TZID"] == "America/New_York"
    assert str(steering["location"]) == "Room 4"
    action = events[f"action-{mine.pk}@charter"]
    assert action.decoded("dtstart") == datetime.date(2026, 1, 8)
    assert action.decoded("dtend") == datetime.date(2026, 1, 9)
    assert "Send the test plan" in str(action["summary"])


def test_person_feed_headers_cache_and_answer_304_when_unchanged(client, project, member):
    """The feed is private to caches, not indexed, and a repeat fetch with its ETag gets 304."""
    _feed, token = services.calendar_feed_create(user=member)
    response = client.get(_url(token))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "max-age=900" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"
    again = client.get(_url(token), headers={"if-none-match": response["ETag"]})
    assert again.status_code == 304


def test_person_feed_revoked_or_reset_token_gives_404(client, project, member):
    """A revoked token is 404; a reset stops the old token and the new one works."""
    _feed, old = services.calendar_feed_create(user=member)
    assert client.get(_url(old)).status_code == 200
    _feed, new = services.calendar_feed_create(user=member)
    assert client.get(_url(old)).status_code == 404
    assert client.get(_url(new)).status_code == 200
    assert CalendarFeed.objects.filter(user=member).count() == 2
    assert services.calendar_feed_revoke(user=member) is True
    assert client.get(_url(new)).status_code == 404
    assert client.get(_url(new, project)).status_code == 404
    assert services.calendar_feed_revoke(user=member) is False


def test_person_feed_unknown_or_malformed_token_gives_404_without_a_query(
    client, django_assert_num_queries
):
    """A token of the wrong shape is refused before the database is asked."""
    with django_assert_num_queries(0):
        assert client.get(_url("not-a-token")).status_code == 404
    assert client.get(_url(CalendarFeed.new_token())).status_code == 404


def test_person_feed_of_an_inactive_user_gives_404(client, project, member):
    """A deactivated account's feed stops."""
    _feed, token = services.calendar_feed_create(user=member)
    member.is_active = False
    member.save()
    assert client.get(_url(token)).status_code == 404


def test_person_feed_leaves_out_projects_i_am_not_in(client, project, manager, outsider):
    """The outsider's feed has their own project's milestone and none of ``project``'s; the
    project feed of ``project`` is 404 for them; a task they own there does not leak either."""
    own = outsider.memberships.get().project
    theirs = _task(own, outsider, "Their milestone", duration=0)
    _task(project, manager, "Our milestone", duration=0)
    _feed, token = services.calendar_feed_create(user=outsider)

    events = _events(client.get(_url(token)))
    assert set(events) == {f"task-{theirs.pk}@charter"}
    assert client.get(_url(token, project)).status_code == 404
    assert client.get(_url(token, own)).status_code == 200


def test_person_feed_removed_member_loses_the_project(client, project, manager, member):
    """Membership is read at each fetch: once removed, the project leaves both feeds."""
    task = _task(project, manager, "Build", duration=2, owner=member)
    _feed, token = services.calendar_feed_create(user=member)
    assert f"task-{task.pk}@charter" in _events(client.get(_url(token)))
    assert client.get(_url(token, project)).status_code == 200

    membership = Membership.objects.get(project=project, user=member)
    project_services.membership_remove(membership=membership, by=manager)

    assert _events(client.get(_url(token))) == {}
    assert client.get(_url(token, project)).status_code == 404


def test_person_feed_another_users_token_never_shows_my_items(client, project, manager, member):
    """The viewer's token, in the same project, shows the milestone but not my task or action."""
    mine = _task(project, manager, "Build", duration=2, owner=member)
    milestone = _task(project, manager, "Launch", duration=0)
    action = _action(project, manager, member, "Mine", datetime.date(2026, 1, 8))
    viewer = project.memberships.get(role="viewer").user
    _feed, token = services.calendar_feed_create(user=viewer)
    events = _events(client.get(_url(token)))
    assert f"task-{milestone.pk}@charter" in events
    assert f"task-{mine.pk}@charter" not in events
    assert f"action-{action.pk}@charter" not in events


def test_person_feed_of_a_superuser_carries_only_their_memberships(client, project, manager):
    """A superuser sees every project, but their calendar carries only the ones they are in."""
    boss = UserFactory(is_superuser=True, is_staff=True)
    _task(project, manager, "Launch", duration=0)
    _feed, token = services.calendar_feed_create(user=boss)
    assert _events(client.get(_url(token))) == {}
    assert client.get(_url(token, project)).status_code == 404


def test_person_feed_leaves_out_entries_ended_over_a_year_ago(client, settings, member):
    """History is bounded: a milestone 13 months back is not in the feed, one 11 months back is."""
    settings.CHARTER_NOW = datetime.datetime(2027, 2, 1, 12, tzinfo=datetime.UTC)
    project = project_with(manager=member)
    old = _task(project, member, "Old", duration=0)  # 5 Jan 2026
    recent = _task(project, member, "Recent", duration=0, constraint_date=datetime.date(2026, 3, 2))
    _feed, token = services.calendar_feed_create(user=member)
    events = _events(client.get(_url(token)))
    assert f"task-{recent.pk}@charter" in events
    assert f"task-{old.pk}@charter" not in events


def test_person_feed_query_count_is_flat(client, django_assert_max_num_queries, member):
    """One project or six, a few tasks or many: the same handful of queries."""
    _feed, token = services.calendar_feed_create(user=member)

    def add_project(tasks: int) -> None:
        project = project_with(manager=member)
        for n in range(tasks):
            _task(project, member, f"T{n}", duration=n % 3, owner=member)
        start = datetime.datetime(2026, 1, 6, 9, tzinfo=datetime.UTC)
        _meeting(project, member, "Stand-up", start)
        _action(project, member, member, "Do", datetime.date(2026, 1, 9))

    add_project(2)
    with django_assert_max_num_queries(5) as small:
        assert len(_events(client.get(_url(token)))) == 4
    for _ in range(5):
        add_project(6)
    with django_assert_max_num_queries(5) as large:
        assert len(_events(client.get(_url(token)))) == 4 + 5 * 8
    # The feed, its tasks (with milestones), meetings and action items; the first fetch also
    # notes when the feed was used.
    assert len(small.captured_queries) == 5
    assert len(large.captured_queries) == 4


def test_project_feed_carries_milestones_and_gates(
    client, project, manager, member, django_assert_max_num_queries
):
    """Milestones, each phase's planned gate and the gate decisions, all-day, no plain tasks;
    in a fixed number of queries."""
    launch = _task(project, manager, "Launch", duration=0)
    _task(project, manager, "Build", duration=4, owner=member)
    phase = scheduling_services.phase_create(
        project=project, by=manager, name="Design", planned_finish=datetime.date(2026, 2, 27)
    )
    review = scheduling_services.gate_review_record(
        phase=phase, by=manager, decision="go", date=datetime.date(2026, 3, 2)
    )
    _feed, token = services.calendar_feed_create(user=member)

    # The feed, the project, its milestones, phases and gate reviews, and the "used" note.
    with django_assert_max_num_queries(6):
        events = _events(client.get(_url(token, project)))

    assert set(events) == {
        f"task-{launch.pk}@charter",
        f"gate-{phase.pk}@charter",
        f"gate-review-{review.pk}@charter",
    }
    gate = events[f"gate-{phase.pk}@charter"]
    assert gate.decoded("dtstart") == datetime.date(2026, 2, 27)
    assert gate.decoded("dtend") == datetime.date(2026, 2, 28)
    assert str(gate["summary"]) == f"{project.key} · Gate: end of Design (planned)"
    decision = events[f"gate-review-{review.pk}@charter"]
    assert decision.decoded("dtstart") == datetime.date(2026, 3, 2)
    assert "Go" in str(decision["summary"])
    assert str(decision["url"]).endswith(
        reverse("scheduling:phase_detail", args=[project.pk, phase.pk])
    )


def test_calendar_feed_page_create_reset_and_revoke(client_for, project, member):
    """The page flow as plain form posts: create shows the address once, reset gives a new one
    and stops the old, revoke stops it; the user menu links the page."""
    client = client_for(member)
    page = client.get(reverse("interchange:calendar_feed_page"))
    assert page.status_code == 200
    assert "You have no calendar feed." in page.content.decode()
    assert reverse("interchange:calendar_feed_page") in page.content.decode()  # the user menu

    created = client.post(reverse("interchange:calendar_feed_create"))
    assert created.status_code == 200
    first = created.context["url"]
    assert first.startswith("http://testserver/feeds/") and first.endswith("/calendar.ics")
    assert f'value="{first}"' in created.content.decode()
    assert created.context["webcal_url"] == "webcal://" + first.split("://", 1)[1]
    ((listed, project_url),) = created.context["project_feeds"]
    assert listed == project and project_url.endswith(f"/projects/{project.pk}/calendar.ics")
    assert client.get(first).status_code == 200
    # Shown once: the page afterwards says the feed is active, without the address.
    again = client.get(reverse("interchange:calendar_feed_page")).content.decode()
    assert "active" in again and first not in again

    reset = client.post(reverse("interchange:calendar_feed_create"))
    second = reset.context["url"]
    assert second != first
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200

    revoked = client.post(reverse("interchange:calendar_feed_revoke"))
    assert revoked.status_code == 302
    assert revoked["Location"] == reverse("interchange:calendar_feed_page")
    assert client.get(second).status_code == 404
    page = client.get(reverse("interchange:calendar_feed_page")).content.decode()
    assert "You have no calendar feed." in page


def test_calendar_feed_page_needs_sign_in_and_post(client, client_for, member):
    """Signed out, the page redirects to sign in; the create and revoke URLs refuse GET."""
    response = client.get(reverse("interchange:calendar_feed_page"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client = client_for(member)
    assert client.get(reverse("interchange:calendar_feed_create")).status_code == 405
    assert client.get(reverse("interchange:calendar_feed_revoke")).status_code == 405
    assert not CalendarFeed.objects.exists()


def test_calendar_feed_api_get_post_delete(api_for, api_client, project, member, manager):
    """POST makes (or resets) my feed and answers its address once; GET says when it was made;
    DELETE revokes it; no feed is a 404; signed out is refused."""
    url = reverse("api:calendar-feed")
    client = api_for(member)
    assert client.get(url).status_code == 404
    assert client.delete(url).status_code == 404

    created = client.post(url)
    assert created.status_code == 201
    body = created.json()
    assert body["url"].startswith("http://testserver/feeds/")
    assert body["project_url"].endswith("/projects/{project_id}/calendar.ics")
    feed_url = body["url"]
    assert client.get(feed_url.removeprefix("http://testserver")).status_code == 200

    shown = client.get(url).json()
    assert shown["url"] is None and shown["created_at"] == body["created_at"]
    assert shown["last_used_at"] is not None

    # Another person's feed is theirs alone: the manager has none.
    assert api_for(manager).get(url).status_code == 404
    assert api_for(member).delete(url).status_code == 204
    assert api_for(member).get(url).status_code == 404
    assert api_client.get(feed_url.removeprefix("http://testserver")).status_code == 404
    api_client.force_authenticate(None)
    assert api_client.get(url).status_code in (401, 403)
