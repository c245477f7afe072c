"""The hourly finder of due weekly status reports: each project's weekday and hour in its own
time zone, daylight-saving changes, and once per reporting week."""

import datetime
import logging
from collections import defaultdict

import pytest
from celery.schedules import crontab
from django.conf import settings

from config.celery import app
from projects.models import Project, Role
from reports.models import StatusReport
from reports.services.delivery import is_report_due, projects_due, status_reports_send_due
from reports.services.status import status_report_build, status_report_update_summary
from reports.tasks.status import send_due_status_reports
from stakeholders import services as stakeholder_services
from stakeholders.models import CommunicationPlanItem
from tests.factories import MembershipFactory, ProjectFactory

UTC = datetime.UTC
FRIDAY, SUNDAY = Project.Weekday.FRIDAY, Project.Weekday.SUNDAY


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def hourly(start: datetime.datetime, end: datetime.datetime):
    """The finder's run times (at :05 past each hour, like beat) from ``start`` to ``end``."""
    moment = start
    while moment <= end:
        yield moment
        moment += datetime.timedelta(hours=1)


def run_hourly(start, end, capture=None) -> dict[str, list[datetime.datetime]]:
    """Run the finder every hour; for each project key, the runs that sent its report."""
    sent = defaultdict(list)
    for moment in hourly(start, end):
        if capture is None:
            run = status_reports_send_due(now=moment)
        else:
            with capture(execute=True):
                run = status_reports_send_due(now=moment)
        for key in run.sent:
            sent[key].append(moment)
    return dict(sent)


@pytest.fixture
def reporting_project(manager):
    """``reporting_project(key, zone, weekday, hour)``: a project whose weekly report goes to
    two people at that weekday and hour in that time zone."""

    def make(key, time_zone, weekday=FRIDAY, hour=9, audience=True):
        project = ProjectFactory(
            key=key, time_zone=time_zone, report_weekday=weekday, report_hour=hour
        )
        MembershipFactory(project=project, user=manager, role=Role.MANAGER)
        people = [
            stakeholder_services.stakeholder_create(
                project=project,
                by=manager,
                name=name,
                email=f"{name.lower()}@{key.lower()}.example",
            )
            for name in ("Sam", "Fay")
        ]
        stakeholder_services.communication_item_create(
            project=project,
            by=manager,
            title="Weekly status report",
            kind=CommunicationPlanItem.Kind.WEEKLY_STATUS_REPORT,
            audience=people if audience else [],
        )
        return project

    return make


# --- when a report is due: pure checks ------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "weekday", "hour", "now", "due"),
    [
        # London in November is on GMT: Friday 09:00 local is 09:00 UTC.
        ("Europe/London", FRIDAY, 9, at(2026, 11, 27, 8, 59), False),
        ("Europe/London", FRIDAY, 9, at(2026, 11, 27, 9, 0), True),
        ("Europe/London", FRIDAY, 9, at(2026, 11, 27, 23, 59), True),
        ("Europe/London", FRIDAY, 9, at(2026, 11, 28, 0, 0), False),  # Saturday
        ("Europe/London", FRIDAY, 9, at(2026, 11, 26, 9, 5), False),  # Thursday
        # London in July is on BST (UTC+1): Friday 09:00 local is 08:00 UTC.
        ("Europe/London", FRIDAY, 9, at(2026, 7, 3, 7, 59), False),
        ("Europe/London", FRIDAY, 9, at(2026, 7, 3, 8, 0), True),
        # New York (EST, UTC−5): Friday 09:00 local is 14:00 UTC, and Friday 22:05 local is
        # already Saturday in UTC.
        ("America/New_York", FRIDAY, 9, at(2026, 11, 27, 13, 5), False),
        ("America/New_York", FRIDAY, 9, at(2026, 11, 27, 14, 5), True),
        ("America/New_York", FRIDAY, 9, at(2026, 11, 28, 3, 5), True),
        ("America/New_York", FRIDAY, 9, at(2026, 11, 28, 5, 5), False),  # Saturday 00:05 local
        # Tokyo (UTC+9): Friday 09:00 local is Friday 00:00 UTC; Thursday 23:05 UTC is Friday
        # 08:05 there, and Friday 15:05 UTC is already Saturday.
        ("Asia/Tokyo", FRIDAY, 9, at(2026, 11, 26, 23, 5), False),
        ("Asia/Tokyo", FRIDAY, 9, at(2026, 11, 27, 0, 5), True),
        ("Asia/Tokyo", FRIDAY, 9, at(2026, 11, 27, 14, 55), True),
        ("Asia/Tokyo", FRIDAY, 9, at(2026, 11, 27, 15, 5), False),
        # Hour 0 is due all day; hour 23 only in the day's last hour.
        ("Europe/London", SUNDAY, 0, at(2026, 11, 29, 0, 5), True),
        ("Europe/London", SUNDAY, 23, at(2026, 11, 29, 22, 59), False),
        ("Europe/London", SUNDAY, 23, at(2026, 11, 29, 23, 5), True),
        # Spring forward in London (Sunday 29 March 2026): 01:00 local never happens; the 01:05
        # UTC run is 02:05 BST, at or after the hour, so due.
        ("Europe/London", SUNDAY, 1, at(2026, 3, 29, 0, 5), False),
        ("Europe/London", SUNDAY, 1, at(2026, 3, 29, 1, 5), True),
        # Fall back in London (Sunday 25 October 2026): 01:00–02:00 local happens twice.
        ("Europe/London", SUNDAY, 1, at(2026, 10, 25, 0, 5), True),  # 01:05 BST
        ("Europe/London", SUNDAY, 1, at(2026, 10, 25, 1, 5), True),  # 01:05 GMT
    ],
)
def test_is_report_due_in_the_projects_time_zone(zone, weekday, hour, now, due):
    """Due on the project's weekday, at or after its hour, both in its own time zone."""
    project = ProjectFactory.build(time_zone=zone, report_weekday=weekday, report_hour=hour)
    assert is_report_due(project, now) is due


# --- the hourly runs ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_status_reports_send_due_sends_each_zone_at_its_own_hour(reporting_project):
    """Friday 09:00 comes first in Tokyo, then London, then New York; each report is sent by
    the first run at or after it, once, to both recipients."""
    for key, zone in (("TYO", "Asia/Tokyo"), ("LON", "Europe/London"), ("NYC", "America/New_York")):
        reporting_project(key, zone)

    sent = run_hourly(at(2026, 11, 26, 12, 5), at(2026, 11, 28, 12, 5))

    assert sent == {
        "TYO": [at(2026, 11, 27, 0, 5)],
        "LON": [at(2026, 11, 27, 9, 5)],
        "NYC": [at(2026, 11, 27, 14, 5)],
    }
    for key in sent:
        report = StatusReport.objects.get(project__key=key)
        assert (report.week_start, report.status) == (datetime.date(2026, 11, 23), "sent")
        assert report.deliveries.count() == 2


@pytest.mark.django_db
def test_status_reports_send_due_on_the_spring_forward_sunday_sends_once(
    reporting_project, smtp_server, eager_tasks, django_capture_on_commit_callbacks
):
    """London's report at 01:00 on Sunday 29 March 2026, an hour the clocks skip, goes at 02:05
    BST; New York's at 02:00 on 8 March (skipped too) at 03:05 EDT. One report, one e-mail per
    recipient, whatever the runs after."""
    reporting_project("LON", "Europe/London", SUNDAY, 1)
    reporting_project("NYC", "America/New_York", SUNDAY, 2)

    london = run_hourly(
        at(2026, 3, 28, 0, 5), at(2026, 3, 30, 12, 5), django_capture_on_commit_callbacks
    )
    new_york = run_hourly(at(2026, 3, 7, 12, 5), at(2026, 3, 9, 12, 5))

    # (Each project is due on the other's Sunday too, a different reporting week.)
    assert london["LON"] == [at(2026, 3, 29, 1, 5)]
    assert new_york["NYC"] == [at(2026, 3, 8, 7, 5)]
    report = StatusReport.objects.get(project__key="LON", week_start=datetime.date(2026, 3, 23))
    addresses = [r for recipients, _ in smtp_server.messages for r in recipients]
    assert len(addresses) == len(set(addresses))  # nobody twice
    assert sorted(a for a in addresses if a.endswith("@lon.example")) == [
        "fay@lon.example",
        "sam@lon.example",
    ]
    assert set(report.deliveries.values_list("status", "attempts")) == {("sent", 1)}
    new_york_report = StatusReport.objects.get(
        project__key="NYC", week_start=datetime.date(2026, 3, 2)
    )
    assert new_york_report.deliveries.count() == 2


@pytest.mark.django_db
def test_status_reports_send_due_on_the_fall_back_sunday_sends_once(reporting_project):
    """01:00–02:00 happens twice on 25 October 2026 in London and on 1 November in New York:
    the report goes in the first of them only."""
    reporting_project("LON", "Europe/London", SUNDAY, 1)
    reporting_project("NYC", "America/New_York", SUNDAY, 1)

    london = run_hourly(at(2026, 10, 24, 12, 5), at(2026, 10, 26, 12, 5))
    new_york = run_hourly(at(2026, 10, 31, 12, 5), at(2026, 11, 2, 12, 5))

    assert london["LON"] == [at(2026, 10, 25, 0, 5)]  # 01:05 BST, not again at 01:05 GMT
    assert new_york["NYC"] == [at(2026, 11, 1, 5, 5)]  # 01:05 EDT, not again at 01:05 EST
    for key, week in (("LON", datetime.date(2026, 10, 19)), ("NYC", datetime.date(2026, 10, 26))):
        report = StatusReport.objects.get(project__key=key, week_start=week)
        assert report.deliveries.count() == 2


@pytest.mark.django_db
def test_status_reports_send_due_skips_closed_projects(reporting_project):
    """A closed project's report is never due."""
    closed = reporting_project("OLD", "Europe/London")
    Project.objects.filter(pk=closed.pk).update(stage=Project.Stage.CLOSED)

    assert projects_due(at(2026, 11, 27, 9, 5)) == []
    assert status_reports_send_due(now=at(2026, 11, 27, 9, 5)).sent == []
    assert not StatusReport.objects.exists()


@pytest.mark.django_db
def test_status_reports_send_due_skips_a_project_without_audience_and_goes_on(
    reporting_project, caplog
):
    """A project whose plan names nobody is skipped with a log line; the others are sent."""
    reporting_project("NOB", "Europe/London", audience=False)
    reporting_project("LON", "Europe/London")

    with caplog.at_level(logging.INFO, logger="reports.services.delivery"):
        run = status_reports_send_due(now=at(2026, 11, 27, 9, 5))

    assert (run.sent, run.skipped, run.failed) == (["LON"], ["NOB"], [])
    assert "NOB: weekly status report not sent." in caplog.text
    assert "names nobody for the weekly status report" in caplog.text
    assert list(StatusReport.objects.values_list("project__key", "status")) == [("LON", "sent")]


@pytest.mark.django_db
def test_status_reports_send_due_sends_the_managers_draft(reporting_project, manager):
    """A draft the manager built and summarised earlier in the week is the report that goes,
    with its summary; once it is sent by hand, the schedule sends nothing."""
    project = reporting_project("LON", "Europe/London")
    draft = status_report_build(project=project, by=manager, now=at(2026, 11, 25, 15, 0))
    status_report_update_summary(report=draft, by=manager, summary="On track.", version=None)

    assert status_reports_send_due(now=at(2026, 11, 27, 9, 5)).sent == ["LON"]

    report = StatusReport.objects.get()
    assert (report.pk, report.summary, report.status) == (draft.pk, "On track.", "sent")
    assert report.as_of == datetime.date(2026, 11, 27)  # the draft got Friday's figures
    assert status_reports_send_due(now=at(2026, 11, 27, 10, 5)).sent == []


@pytest.mark.django_db
def test_status_reports_send_due_leaves_a_report_sent_by_hand(reporting_project, manager):
    """A report sent by hand earlier in the week is not built or sent again on the day."""
    from reports.services.delivery import status_report_send

    project = reporting_project("LON", "Europe/London")
    report = status_report_build(project=project, by=manager, now=at(2026, 11, 24, 15, 0))
    status_report_send(report=report, by=manager)

    assert projects_due(at(2026, 11, 27, 9, 5)) == []
    assert status_reports_send_due(now=at(2026, 11, 27, 9, 5)).sent == []
    report.refresh_from_db()
    assert report.as_of == datetime.date(2026, 11, 24)


@pytest.mark.django_db
def test_send_due_status_reports_task_takes_an_iso_moment(reporting_project, eager_tasks):
    """The beat task, given a moment, reports what it did by project key."""
    reporting_project("LON", "Europe/London")

    result = send_due_status_reports.apply(kwargs={"now": "2026-11-27T09:05:00+00:00"}).get()

    assert result == {"sent": ["LON"], "skipped": [], "failed": []}


def test_beat_runs_the_due_finder_every_hour():
    """Beat runs the finder at five past every hour, under a task name the worker knows."""
    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["send-due-status-reports"]
    assert entry["task"] == send_due_status_reports.name
    assert entry["task"] in app.tasks
    assert entry["schedule"] == crontab(minute=5)
