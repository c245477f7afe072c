"""The project's history in the API: every app's changes, filters, pagination, access."""

import pytest

from budgets import services as budget_services
from risks import services as risk_services
from scheduling import services as scheduling_services
from stakeholders import services as stakeholder_services


@pytest.fixture
def changed(project, manager, member):
    """A task, a risk, a cost entry and a stakeholder, each created and then edited."""
    task = scheduling_services.task_create(project=project, by=manager, name="Build")
    scheduling_services.task_update(task=task, by=member, version=None, percent_complete=30)
    risk = risk_services.risk_create(project=project, by=manager, title="Vendor slips")
    risk_services.risk_update(risk=risk, by=member, version=None, status="closed")
    entry = budget_services.cost_entry_create(
        project=project, by=manager, date=project.start_date, amount="80.00", category="software"
    )
    budget_services.cost_entry_update(entry=entry, by=manager, version=None, amount="95.50")
    sam = stakeholder_services.stakeholder_create(project=project, by=manager, name="Sam")
    stakeholder_services.stakeholder_update(stakeholder=sam, by=manager, version=None, interest=5)
    return {"task": task, "risk": risk, "entry": entry}


def _url(project) -> str:
    return f"/api/v1/projects/{project.pk}/history/"


def _change(entry: dict, field: str) -> dict:
    return next(c for c in entry["changes"] if c["field"] == field)


def test_history_api_lists_changes_in_every_app_with_old_and_new(api_for, viewer, changed):
    """The list carries who, when and every field's old and new value, raw and displayed."""
    project = changed["task"].project
    response = api_for(viewer).get(_url(project))
    assert response.status_code == 200
    body = response.json()
    rows = body["results"]
    assert body["count"] == len(rows) and {r["area"] for r in rows} >= {
        "schedule",
        "risk",
        "budget",
        "stakeholders",
        "scope",
    }
    task = next(r for r in rows if r["model"] == "scheduling.task" and r["action"] == "changed")
    assert task["subject"] == "Task Build" and task["user_name"] == "Mo Member"
    assert task["object_id"] == changed["task"].pk and task["at"]
    assert _change(task, "percent_complete") == {
        "field": "percent_complete",
        "label": "Percent complete",
        "old": 0,
        "new": 30,
        "old_display": "0",
        "new_display": "30",
    }
    cost = next(r for r in rows if r["model"] == "budgets.costentry" and r["action"] == "changed")
    assert _change(cost, "amount")["old"] == "80.00" and _change(cost, "amount")["new"] == "95.50"
    risk = next(r for r in rows if r["model"] == "risks.risk" and r["action"] == "changed")
    assert _change(risk, "status")["new_display"] == "Closed"


def test_history_api_filters_by_area_user_and_model(api_for, manager, member, changed):
    """``area``, ``user``, ``model`` and ``object_id`` narrow the list; a bad value is a 400."""
    project = changed["task"].project
    client = api_for(manager)
    risk_rows = client.get(_url(project), {"area": "risk"}).json()["results"]
    assert risk_rows and {r["area"] for r in risk_rows} == {"risk"}
    mine = client.get(_url(project), {"user": member.pk}).json()["results"]
    assert {(r["model"], r["action"]) for r in mine} == {
        ("scheduling.task", "changed"),
        ("risks.risk", "changed"),
    }
    tasks = client.get(_url(project), {"model": "scheduling.task"}).json()["results"]
    assert {r["model"] for r in tasks} == {"scheduling.task"} and len(tasks) == 2
    one = client.get(_url(project), {"model": "risks.risk", "object_id": changed["risk"].pk}).json()
    assert [r["action"] for r in one["results"]] == ["changed", "created"]
    assert client.get(_url(project), {"area": "nowhere"}).status_code == 400
    assert client.get(_url(project), {"model": "auth.user"}).status_code == 400
    assert client.get(_url(project), {"object_id": changed["risk"].pk}).status_code == 400


def test_history_api_is_paginated_with_bounded_queries(
    api_for, manager, changed, django_assert_max_num_queries
):
    """Pages follow the API's pagination; a page's queries do not grow with its rows."""
    project = changed["task"].project
    client = api_for(manager)
    first = client.get(_url(project), {"page_size": 3})
    assert len(first.json()["results"]) == 3 and first.json()["next"]
    task = changed["task"]
    with django_assert_max_num_queries(12):
        few = client.get(_url(project), {"model": "scheduling.task"})
    for i in range(40):
        task = scheduling_services.task_update(
            task=task, by=manager, version=None, percent_complete=31 + i
        )
    with django_assert_max_num_queries(12):
        many = client.get(_url(project), {"model": "scheduling.task"})
    assert len(few.json()["results"]) == 2 and len(many.json()["results"]) == 42


def test_history_api_outsider_gets_404(api_for, outsider, changed):
    """A non-member gets 404 for the project's history, whatever the filters."""
    project = changed["task"].project
    client = api_for(outsider)
    assert client.get(_url(project)).status_code == 404
    assert client.get(_url(project), {"area": "risk"}).status_code == 404
