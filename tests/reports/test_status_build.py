"""Building weekly status reports: the week, the frozen content, idempotence, the summary."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from projects import services as project_services
from projects.exceptions import StaleEdit
from reports.models import KpiSnapshot, StatusReport
from reports.services.status import (
    status_report_build,
    status_report_update_summary,
    week_start_for,
)
from risks import services as risk_services
from scheduling import services as schedule_services
from tests.factories import ProjectFactory
from tests.reports.status_example import FRIDAY_1, FRIDAY_2, MONDAY, worked_project

pytestmark = pytest.mark.django_db

D = datetime.date
UTC = datetime.UTC


@pytest.fixture
def worked(project, manager):
    return worked_project(project, manager)


def _kpi(report: StatusReport, key: str) -> dict:
    return next(row for row in report.content["kpis"] if row["key"] == key)


def test_week_start_for_is_monday_in_the_projects_time_zone():
    """Sunday 23:30 in London is already Monday in Tokyo: the week depends on the zone."""
    london = ProjectFactory.build(time_zone="Europe/London")
    tokyo = ProjectFactory.build(time_zone="Asia/Tokyo")
    sunday_night = datetime.datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert week_start_for(london, sunday_night) == D(2026, 11, 23)
    assert week_start_for(tokyo, sunday_night) == D(2026, 11, 30)


def test_status_report_build_freezes_health_kpis_and_budget(worked, manager):
    """The report holds the snapshot's figures (JSON-safe) and the earned value of the day."""
    report = status_report_build(project=worked, by=manager, now=FRIDAY_1)
    assert (report.week_start, report.as_of) == (MONDAY, D(2026, 1, 9))
    assert report.status == StatusReport.Status.DRAFT and report.built_by == manager
    snapshot = KpiSnapshot.objects.get(project=worked, as_of=D(2026, 1, 9))
    assert report.snapshot == snapshot and report.health == snapshot.health
    assert _kpi(report, "percent_complete")["value"] == "29.2"
    assert _kpi(report, "percent_complete")["change"] is None  # nothing a week before
    budget = report.content["budget"]
    assert budget["bac"] == "2000.00" and budget["ac"] == "800.00"
    assert budget["ev"] == "500.00"  # 50% of Build's €1,000
    assert report.content["health"]["overall"]["rag"] == snapshot.health
    names = [d["name"] for d in report.content["health"]["dimensions"]]
    assert names == ["schedule", "cost", "scope", "risk"]
    assert all(d["reason"] for d in report.content["health"]["dimensions"])
    assert report.content["schedule"]["finish_slip_days"] == 2


def test_status_report_build_classifies_milestones(worked, manager):
    """Done this week, due in 14 days, and slipped (later than baseline, or missed)."""
    content = status_report_build(project=worked, by=manager, now=FRIDAY_1).content
    milestones = content["milestones"]
    assert [m["name"] for m in milestones["done"]] == ["Kick-off"]
    assert [m["name"] for m in milestones["due"]] == ["Go-live"]
    slipped = {m["name"]: m for m in milestones["slipped"]}
    assert set(slipped) == {"Design sign-off", "Go-live"}
    assert slipped["Design sign-off"]["missed"] is True
    go_live = slipped["Go-live"]
    assert (go_live["date"], go_live["baseline"], go_live["slip_days"]) == (
        "2026-01-21",
        "2026-01-19",
        2,
    )
    assert go_live["missed"] is False


def test_status_report_build_change_since_last_week_uses_last_weeks_report(worked, manager):
    """Week 2's change is week 2's figure minus what week 1's report said, not a recomputation."""
    first = status_report_build(project=worked, by=manager, now=FRIDAY_1)
    build = worked.tasks.get(name="Build")
    schedule_services.task_update(task=build, by=manager, version=None, percent_complete=100)
    # Tamper with last week's snapshot: the change must come from the frozen report.
    KpiSnapshot.objects.filter(pk=first.snapshot_id).update(percent_complete=Decimal("1.0"))
    second = status_report_build(project=worked, by=manager, now=FRIDAY_2)
    assert second.pk != first.pk and second.week_start == D(2026, 1, 12)
    row = _kpi(second, "percent_complete")
    assert (row["value"], row["previous"], row["change"]) == ("58.3", "29.2", "29.1")
    assert row["trend"] == "better"
    assert second.content["previous"]["kind"] == "report"
    # Build finished: Kick-off was last week, nothing done this week.
    assert second.content["milestones"]["done"] == []


def test_status_report_build_change_falls_back_to_the_snapshot_a_week_before(worked, manager):
    """Without last week's report, the change is against the snapshot on or before 7 days ago."""
    from reports.services import kpi_snapshot_refresh

    old = kpi_snapshot_refresh(project=worked, as_of=D(2026, 1, 9))
    KpiSnapshot.objects.filter(pk=old.pk).update(open_issues=3)
    risk_services.issue_create(project=worked, by=manager, title="Build server down")
    report = status_report_build(project=worked, by=manager, now=FRIDAY_2)
    row = _kpi(report, "open_issues")
    assert (row["value"], row["previous"], row["change"], row["trend"]) == (1, "3", "-2", "better")
    assert report.content["previous"] == {"kind": "snapshot", "as_of": "2026-01-09"}


def test_status_report_build_lists_top_five_live_risks_by_score(worked, manager):
    """Live risks only, highest score first, at most five, each with owner and response."""
    for title, p, i, status in [
        ("A", 2, 2, "open"),
        ("B", 5, 4, "open"),
        ("C", 3, 3, "monitoring"),
        ("D", 4, 4, "open"),
        ("E", 1, 1, "open"),
        ("F", 5, 5, "closed"),
        ("G", 3, 4, "open"),
    ]:
        risk_services.risk_create(
            project=worked,
            by=manager,
            title=title,
            probability=p,
            impact=i,
            status=status,
            owner=manager,
            response_strategy="mitigate",
            response_plan=f"Plan {title}",
        )
    risks = status_report_build(project=worked, by=manager, now=FRIDAY_1).content["risks"]
    assert [(r["title"], r["score"]) for r in risks] == [
        ("B", 20),
        ("D", 16),
        ("G", 12),
        ("C", 9),
        ("A", 4),
    ]
    assert risks[0]["owner"] == "Maria Manager" and risks[0]["response"] == "Mitigate"
    assert risks[0]["response_plan"] == "Plan B"


def test_status_report_build_lists_open_issues_and_decisions_needed(worked, manager):
    """Unresolved issues most urgent first; submitted change requests await a decision."""
    risk_services.issue_create(project=worked, by=manager, title="Low one", priority="low")
    risk_services.issue_create(project=worked, by=manager, title="Urgent", priority="critical")
    change = project_services.change_request_create(
        project=worked, by=manager, title="Add SSO", cost_impact=Decimal("1200.00")
    )
    project_services.change_request_transition(change_request=change, by=manager, to="submitted")
    content = status_report_build(project=worked, by=manager, now=FRIDAY_1).content
    assert content["issues"]["count"] == 2
    assert [i["title"] for i in content["issues"]["items"]] == ["Urgent", "Low one"]
    crs = content["decisions"]["change_requests"]
    assert [(c["reference"], c["title"], c["cost_impact"]) for c in crs] == [
        ("CR-001", "Add SSO", "1200.00")
    ]


def test_status_report_build_again_the_same_week_refreshes_the_same_draft(worked, manager):
    """Building twice in a week returns the same report with today's figures, summary kept."""
    first = status_report_build(project=worked, by=manager, now=FRIDAY_1)
    first = status_report_update_summary(
        report=first, by=manager, summary="Good week.", version=first.version
    )
    build = worked.tasks.get(name="Build")
    schedule_services.task_update(task=build, by=manager, version=None, percent_complete=100)
    later = FRIDAY_1 + datetime.timedelta(days=1)  # Saturday, same week
    again = status_report_build(project=worked, by=None, now=later)
    assert again.pk == first.pk
    assert StatusReport.objects.filter(project=worked).count() == 1
    assert again.as_of == D(2026, 1, 10) and again.built_by is None
    assert _kpi(again, "percent_complete")["value"] == "58.3"
    assert again.summary == "Good week." and again.version == first.version


def test_status_report_build_never_changes_a_sent_report(worked, manager):
    """A sent report is returned as it was sent, whatever has changed since."""
    report = status_report_build(project=worked, by=manager, now=FRIDAY_1)
    StatusReport.objects.filter(pk=report.pk).update(status="sent")
    build = worked.tasks.get(name="Build")
    schedule_services.task_update(task=build, by=manager, version=None, percent_complete=100)
    again = status_report_build(project=worked, by=manager, now=FRIDAY_1)
    assert again.pk == report.pk
    assert _kpi(again, "percent_complete")["value"] == "29.2"
    assert again.as_of == report.as_of and again.built_at == report.built_at


def test_status_report_update_summary_refuses_stale_edits_sent_reports_and_non_managers(
    worked, manager, member
):
    """Stale version → StaleEdit; a member → PermissionDenied; once sent → ValidationError."""
    report = status_report_build(project=worked, by=manager, now=FRIDAY_1)
    saved = status_report_update_summary(
        report=report, by=manager, summary="  On track.\r\nMore.  ", version=report.version
    )
    assert saved.summary == "On track.\nMore." and saved.version == report.version + 1
    with pytest.raises(StaleEdit):
        status_report_update_summary(
            report=report, by=manager, summary="Old", version=report.version
        )
    with pytest.raises(PermissionDenied):
        status_report_update_summary(report=saved, by=member, summary="Mine", version=saved.version)
    StatusReport.objects.filter(pk=report.pk).update(status="sent")
    with pytest.raises(ValidationError) as error:
        status_report_update_summary(
            report=saved, by=manager, summary="Too late", version=saved.version
        )
    assert "has been sent" in str(error.value)
    assert StatusReport.objects.get(pk=report.pk).summary == "On track.\nMore."


def test_status_report_build_refuses_a_closed_project(worked, manager):
    """A closed project is read-only: no report is built for it."""
    worked.stage = "closed"
    worked.save()
    with pytest.raises(ValidationError, match="closed and read-only"):
        status_report_build(project=worked, by=manager, now=FRIDAY_1)
    assert not StatusReport.objects.filter(project=worked).exists()
