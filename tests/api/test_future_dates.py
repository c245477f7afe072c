"""What has happened cannot be dated after today in the project's time zone: actual starts and
finishes, hours worked and money spent are refused with a message on the field, by the services
and so by the API (400) alike; plans and commitments may be dated in the future.

The suite's clock is Thursday 26 Nov 2026 12:00 UTC: today is 26 Nov in London, and already
27 Nov in Auckland (13 hours ahead)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from budgets import services as budget_services
from budgets.models import CostEntry, TimeEntry
from scheduling import services as schedule_services
from scheduling.models import Task

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 26)
TOMORROW = datetime.date(2026, 11, 27)


def url(project, resource: str, pk: int | None = None) -> str:
    return f"/api/v1/projects/{project.pk}/{resource}/" + (f"{pk}/" if pk else "")


@pytest.fixture
def task(project, manager):
    return schedule_services.task_create(project=project, by=manager, name="Build", duration=5)


@pytest.fixture
def person(project, manager):
    return budget_services.resource_create(project=project, by=manager, name="Ana", rate="40")


def test_task_actual_start_after_today_is_refused_by_the_service(project, manager, task):
    """An actual start tomorrow is a ValidationError on ``actual_start``; today is accepted."""
    with pytest.raises(ValidationError) as refused:
        schedule_services.task_update(task=task, by=manager, version=None, actual_start=TOMORROW)
    assert list(refused.value.message_dict) == ["actual_start"]
    assert (
        "cannot be after today (26 Nov 2026 in Europe/London)"
        in (refused.value.message_dict["actual_start"][0])
    )
    done = schedule_services.task_update(
        task=task, by=manager, version=None, actual_start=TODAY, actual_finish=TODAY
    )
    assert (done.actual_start, done.actual_finish) == (TODAY, TODAY)


def test_task_actual_dates_after_today_are_400_on_the_field_in_the_api(
    api_for, member, project, task
):
    """POST and PATCH with a future actual start or finish answer 400 with a message on that
    field, and nothing changes; a constraint or deadline in the future is fine."""
    client = api_for(member)
    created = client.post(
        url(project, "tasks"),
        {"name": "Test", "duration": 3, "actual_start": "2027-01-04"},
        format="json",
    )
    assert created.status_code == 400
    assert list(created.json()) == ["actual_start"]
    assert "cannot be after today" in created.json()["actual_start"][0]
    patch = client.patch(
        url(project, "tasks", task.pk),
        {"actual_start": "2026-11-20", "actual_finish": "2026-11-27"},
        format="json",
    )
    assert patch.status_code == 400
    assert list(patch.json()) == ["actual_finish"]
    task.refresh_from_db()
    assert (task.actual_start, task.actual_finish) == (None, None)
    planned = client.post(
        url(project, "tasks"),
        {"name": "Go-live", "duration": 0, "constraint_date": "2027-03-01"},
        format="json",
    )
    assert planned.status_code == 201, planned.json()
    assert Task.objects.filter(project=project).count() == 2


def test_today_is_the_projects_own_day(project, manager, task):
    """At 12:00 UTC it is already 27 Nov in Auckland: an actual start on the 27th is accepted
    there, while in London it would be tomorrow."""
    project.time_zone = "Pacific/Auckland"
    project.save(update_fields=["time_zone"])
    task.project.refresh_from_db()
    started = schedule_services.task_update(
        task=task, by=manager, version=None, actual_start=TOMORROW
    )
    assert started.actual_start == TOMORROW


def test_cost_entry_after_today_is_refused_by_service_and_api(api_for, member, project):
    """Money spent tomorrow is refused on ``date`` (service and API); today it is recorded."""
    with pytest.raises(ValidationError) as refused:
        budget_services.cost_entry_create(
            project=project, by=member, date=TOMORROW, amount="10", category="hardware"
        )
    assert list(refused.value.message_dict) == ["date"]
    client = api_for(member)
    body = {"date": "2026-11-27", "amount": "4200.00", "category": "hardware"}
    response = client.post(url(project, "cost-entries"), body)
    assert response.status_code == 400
    assert list(response.json()) == ["date"]
    assert "A cost entry's date cannot be after today" in response.json()["date"][0]
    assert not CostEntry.objects.exists()
    ok = client.post(url(project, "cost-entries"), {**body, "date": "2026-11-26"})
    assert ok.status_code == 201, ok.json()
    moved = client.patch(
        url(project, "cost-entries", ok.json()["id"]), {"date": "2027-01-04"}, format="json"
    )
    assert (moved.status_code, list(moved.json())) == (400, ["date"])
    assert CostEntry.objects.get().date == TODAY


def test_cost_entries_import_refuses_a_row_dated_after_today(project, member):
    """A CSV row dated tomorrow is a row error on ``date``; nothing is imported."""
    text = "date,amount,category\n2026-11-26,10.00,hardware\n2026-11-27,20.00,hardware\n"
    report = budget_services.cost_entries_import(project=project, by=member, file=text)
    assert [(e.row, e.field) for e in report.errors] == [(3, "date")]
    assert not CostEntry.objects.exists()


def test_hours_logged_after_today_are_refused(api_for, member, project, task, person):
    """Time worked tomorrow is refused on ``date``; today it is logged."""
    body = {"resource": person.pk, "task": task.pk, "date": "2026-11-27", "hours": "4"}
    response = api_for(member).post(url(project, "time-entries"), body)
    assert (response.status_code, list(response.json())) == (400, ["date"])
    assert not TimeEntry.objects.exists()
    logged = budget_services.time_entry_log(
        resource=person, task=task, by=member, date=TODAY, hours="4"
    )
    assert logged.date == TODAY


def test_commitments_may_be_dated_in_the_future(api_for, member, project):
    """A purchase order dated next month is a commitment, not money spent: accepted."""
    body = {"date": "2026-12-15", "amount": "5000.00", "category": "hardware"}
    response = api_for(member).post(url(project, "commitments"), body)
    assert response.status_code == 201, response.json()
