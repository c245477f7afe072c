"""Schedule health judges the forecast finish against the project's target finish as well as its
baseline: a plan that keeps its baseline but misses the target is not "on baseline" and green."""

import datetime

import pytest
from django.urls import reverse

from reports.services.kpi import kpi_snapshot_refresh
from scheduling import services as schedule_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def late_plan(project, manager):
    """Build, 30 working days from Monday 5 Jan 2026 (last day Fri 13 Feb), baselined as it
    stands; the target finish is Fri 30 Jan, 10 working days earlier."""
    schedule_services.task_create(project=project, by=manager, name="Build", duration=30)
    schedule_services.baseline_create(
        project=project, by=manager, name="Approved plan", is_performance=True
    )
    project.target_finish = datetime.date(2026, 1, 30)
    project.save(update_fields=["target_finish"])
    return project


def test_snapshot_schedule_is_red_when_the_forecast_misses_the_target(late_plan):
    """On its baseline (slip 0) yet 10 working days after the target: red, and the sentence
    says the target is what it misses."""
    snapshot = kpi_snapshot_refresh(project=late_plan, as_of=datetime.date(2026, 1, 5))
    snapshot.refresh_from_db()
    assert (snapshot.forecast_finish, snapshot.finish_slip_days) == (
        datetime.date(2026, 2, 13),
        0,
    )
    assert snapshot.health_schedule == "red"
    assert snapshot.health_reasons["schedule"].startswith(
        "Forecast finish 13 Feb 2026 is 10 working days after the target finish 30 Jan 2026."
    )


def test_target_on_a_day_off_counts_from_the_working_day_before(late_plan):
    """A target on Sunday 15 Feb is met by a Friday 13 Feb finish: green, on the target."""
    late_plan.target_finish = datetime.date(2026, 2, 15)
    late_plan.save(update_fields=["target_finish"])
    snapshot = kpi_snapshot_refresh(project=late_plan, as_of=datetime.date(2026, 1, 5))
    snapshot.refresh_from_db()
    assert snapshot.health_schedule == "green"
    assert "is on the target finish" in snapshot.health_reasons["schedule"]


def test_dashboard_says_the_target_is_missed_not_on_baseline(late_plan, client_for, manager):
    """The dashboard's finish column names the missed target and no longer says "on
    baseline" for a plan that keeps its baseline but misses its target."""
    kpi_snapshot_refresh(project=late_plan, as_of=late_plan.today())
    html = client_for(manager).get(reverse("reports:dashboard")).content.decode()
    row = html[html.index(f'id="project-{late_plan.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "after the target 30 Jan 2026" in row
    assert "on baseline" not in row
