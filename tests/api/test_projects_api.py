"""The projects endpoints: /api/v1/projects/ and /api/v1/projects/{id}/."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from projects.models import Membership, Project, Role
from tests.factories import ProjectFactory, UserFactory, project_with

LIST = "/api/v1/projects/"


def detail(project: Project) -> str:
    return f"/api/v1/projects/{project.pk}/"


def new_project(**overrides) -> dict:
    body = {
        "key": "ERP",
        "name": "ERP rollout",
        "start_date": "2026-02-02",
        "target_finish": "2026-09-30",
    }
    body.update(overrides)
    return body


def keys(response) -> list[str]:
    return [row["key"] for row in response.json()["results"]]


# --- list ----------------------------------------------------------------------------------------


def test_projects_list_shows_only_my_projects(api_for, manager, project, outsider):
    """The list holds the projects I am a member of, with my role, and nobody else's."""
    mine_too = project_with(viewer=manager)
    response = api_for(manager).get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    roles = {row["key"]: row["my_role"] for row in body["results"]}
    assert roles == {project.key: "manager", mine_too.key: "viewer"}


def test_projects_list_has_the_contract_fields(api_for, manager, project):
    """A project row carries every field DESIGN §5 names, and the version for edits."""
    row = api_for(manager).get(LIST).json()["results"][0]
    assert set(row) == {
        "id",
        "key",
        "name",
        "description",
        "type",
        "methodology",
        "stage",
        "sponsor",
        "start_date",
        "target_finish",
        "currency",
        "time_zone",
        "report_weekday",
        "report_hour",
        "priority",
        "version",
        "my_role",
        "created_at",
        "updated_at",
    }
    assert row["start_date"] == "2026-01-05"
    assert row["version"] == 1


def test_projects_list_filters_by_type_methodology_and_stage(api_for, manager):
    """type, methodology and stage narrow the list to exact matches."""
    infra = ProjectFactory(key="INFRA", type=Project.Type.INFRASTRUCTURE)
    scrum = ProjectFactory(key="SCRUM", methodology=Project.Methodology.SCRUM)
    closing = ProjectFactory(
        key="CLOSING", stage=Project.Stage.CLOSING, methodology=Project.Methodology.PRINCE2
    )
    for p in (infra, scrum, closing):
        Membership.objects.create(project=p, user=manager, role=Role.MANAGER)
    client = api_for(manager)
    assert keys(client.get(LIST, {"type": "infrastructure"})) == ["INFRA"]
    assert keys(client.get(LIST, {"methodology": "prince2"})) == ["CLOSING"]
    assert keys(client.get(LIST, {"stage": "closing"})) == ["CLOSING"]
    assert client.get(LIST, {"stage": "nonsense"}).status_code == 400


def test_projects_list_searches_name_key_description_and_sponsor(api_for, manager):
    """search matches any of name, key, description and sponsor, ignoring case."""
    rows = [
        ProjectFactory(key="AAA", name="Data warehouse"),
        ProjectFactory(key="BBB", description="Move the WAREHOUSE to the cloud"),
        ProjectFactory(key="CCC", sponsor="Wanda Warehouse"),
        ProjectFactory(key="WHS"),
        ProjectFactory(key="ZZZ", name="Unrelated"),
    ]
    for p in rows:
        Membership.objects.create(project=p, user=manager, role=Role.MEMBER)
    client = api_for(manager)
    assert keys(client.get(LIST, {"search": "warehouse"})) == ["AAA", "BBB", "CCC"]
    assert keys(client.get(LIST, {"search": "whs"})) == ["WHS"]


def test_projects_list_orders_by_the_offered_fields(api_for, manager):
    """ordering sorts by name, dates and the like, descending with a minus; key by default."""
    a = ProjectFactory(key="AAA", name="Zulu", start_date=datetime.date(2026, 3, 1))
    b = ProjectFactory(key="BBB", name="Alpha", start_date=datetime.date(2026, 1, 1))
    c = ProjectFactory(key="CCC", name="Mike", start_date=datetime.date(2026, 2, 1))
    for p in (a, b, c):
        Membership.objects.create(project=p, user=manager, role=Role.MEMBER)
    client = api_for(manager)
    assert keys(client.get(LIST)) == ["AAA", "BBB", "CCC"]
    assert keys(client.get(LIST, {"ordering": "name"})) == ["BBB", "CCC", "AAA"]
    assert keys(client.get(LIST, {"ordering": "-start_date"})) == ["AAA", "CCC", "BBB"]


def test_projects_list_is_paginated(api_for, manager):
    """Lists come in pages with a count and links; page_size chooses the size."""
    for _ in range(3):
        project_with(manager=manager)
    body = api_for(manager).get(LIST, {"page_size": 2}).json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"]


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST, {"page_size": 100}).status_code == 200
    return len(queries)


def test_projects_list_query_count_does_not_grow_with_projects(
    api_for, manager, django_assert_max_num_queries
):
    """The list costs the same few queries for 3 projects as for 30."""
    client = api_for(manager)
    for _ in range(3):
        project_with(manager=manager)
    with django_assert_max_num_queries(2):
        client.get(LIST)
    few = _list_queries(client)
    for _ in range(27):
        project_with(manager=manager, member=UserFactory())
    with django_assert_max_num_queries(2):
        client.get(LIST, {"page_size": 100})
    assert _list_queries(client) == few


# --- retrieve ------------------------------------------------------------------------------------


def test_projects_retrieve_for_a_viewer(api_for, viewer, project):
    """A viewer reads the project, with my_role viewer."""
    response = api_for(viewer).get(detail(project))
    assert response.status_code == 200
    assert response.json()["key"] == project.key
    assert response.json()["my_role"] == "viewer"


def test_projects_retrieve_is_404_for_a_non_member(api_for, outsider, project):
    """A project I am not in answers 404, the same as one that does not exist."""
    client = api_for(outsider)
    assert client.get(detail(project)).status_code == 404
    assert client.get("/api/v1/projects/999999/").status_code == 404
    assert client.get("/api/v1/projects/abc/").status_code == 404


# --- create --------------------------------------------------------------------------------------


def test_projects_create_makes_the_creator_its_manager(api_for, outsider):
    """Any signed-in user creates a project and becomes its manager."""
    response = api_for(outsider).post(
        LIST, new_project(key="erp", currency="USD", time_zone="America/New_York")
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["key"] == "ERP"  # keys are stored in capitals
    assert body["my_role"] == "manager"
    assert body["version"] == 1
    assert body["currency"] == "USD"
    project = Project.objects.get(pk=body["id"])
    assert project.created_by == outsider
    assert Membership.objects.get(project=project).role == Role.MANAGER
    assert Membership.objects.get(project=project).user == outsider


def test_projects_create_ignores_a_version(api_for, manager):
    """A new project starts at version 1, whatever the body says."""
    response = api_for(manager).post(LIST, new_project(version=7))
    assert response.status_code == 201
    assert response.json()["version"] == 1


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"key": "e"}, "key", "2 to 10 capital letters"),
        ({"key": "9LIVES"}, "key", "starting with a letter"),
        ({"key": "TOOLONGKEY1"}, "key", "10 characters"),
        ({"target_finish": "2026-01-01"}, "target_finish", "cannot be before the start date"),
        ({"currency": "XYZ"}, "currency", "not a valid choice"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "not a known time zone"),
        ({"report_hour": 24}, "report_hour", "less than or equal to 23"),
        ({"start_date": "05/01/2026"}, "start_date", "wrong format"),
        ({"name": ""}, "name", "may not be blank"),
    ],
)
def test_projects_create_refuses_bad_fields_with_a_message_per_field(
    api_for, manager, overrides, field, fragment
):
    """A bad field answers 400 with JSON naming that field and saying what is wrong."""
    response = api_for(manager).post(LIST, new_project(**overrides))
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == [field]
    assert fragment in " ".join(errors[field])
    assert not Project.objects.filter(name="ERP rollout").exists()


def test_projects_create_refuses_a_taken_key(api_for, manager, project):
    """A key another project uses, even one I cannot see, is refused on the key field."""
    other = project_with(manager=UserFactory())
    response = api_for(manager).post(LIST, new_project(key=other.key.lower()))
    assert response.status_code == 400
    assert "key" in response.json()


def test_projects_create_requires_the_essentials(api_for, manager):
    """key, name, start_date and target_finish are required."""
    response = api_for(manager).post(LIST, {})
    assert response.status_code == 400
    assert set(response.json()) == {"key", "name", "start_date", "target_finish"}


# --- update --------------------------------------------------------------------------------------


def test_projects_partial_update_by_the_manager(api_for, manager, project):
    """A manager edits fields; the version goes up by one."""
    response = api_for(manager).patch(
        detail(project), {"name": "Renamed", "stage": "planning", "version": 1}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["name"], body["stage"], body["version"], body["my_role"]) == (
        "Renamed",
        "planning",
        2,
        "manager",
    )
    project.refresh_from_db()
    assert (project.name, project.version) == ("Renamed", 2)
    assert project.history.first().history_user == manager


def test_projects_update_by_the_manager_replaces_the_project(api_for, manager, project):
    """PUT with the required fields replaces them; a version is optional."""
    response = api_for(manager).put(
        detail(project),
        new_project(key=project.key, name="Whole new", target_finish="2026-12-31"),
    )
    assert response.status_code == 200, response.json()
    project.refresh_from_db()
    assert project.name == "Whole new"
    assert project.target_finish == datetime.date(2026, 12, 31)


def test_projects_update_refuses_target_before_the_stored_start(api_for, manager, project):
    """A PATCH of target_finish alone is checked against the stored start date."""
    response = api_for(manager).patch(detail(project), {"target_finish": "2025-12-31"})
    assert response.status_code == 400
    assert "cannot be before the start date" in response.json()["target_finish"][0]


def test_projects_update_with_a_stale_version_is_409_and_saves_nothing(api_for, manager, project):
    """An edit based on an old version is refused with 409 and a clear message."""
    client = api_for(manager)
    assert client.patch(detail(project), {"name": "First", "version": 1}).status_code == 200
    response = client.patch(detail(project), {"name": "Second", "version": 1})
    assert response.status_code == 409
    assert "changed this record since you opened it" in response.json()["detail"]
    project.refresh_from_db()
    assert (project.name, project.version) == ("First", 2)
    assert project.history.count() == 2  # the creation and the first edit only


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_projects_update_is_403_below_manager(api_for, project, role, request):
    """Members and viewers may read a project but not edit it."""
    user = request.getfixturevalue(role)
    client = api_for(user)
    response = client.patch(detail(project), {"name": "Mine now"})
    assert response.status_code == 403
    assert "manager role" in response.json()["detail"]
    assert client.put(detail(project), new_project(key=project.key)).status_code == 403
    project.refresh_from_db()
    assert project.name != "Mine now"


def test_projects_delete_is_not_offered(api_for, manager, project):
    """There is no deleting projects through the API (yet): 405 for a manager."""
    assert api_for(manager).delete(detail(project)).status_code == 405
    assert Project.objects.filter(pk=project.pk).exists()


def test_projects_closed_project_only_reopens(api_for, manager, project):
    """A closed project refuses edits; even its stage is not edited out of closed: a manager
    reopens it through the closure, with a reason (reports' closure/reopen)."""
    Project.objects.filter(pk=project.pk).update(stage=Project.Stage.CLOSED)
    client = api_for(manager)
    response = client.patch(detail(project), {"name": "Sneaky"})
    assert response.status_code == 403
    assert "closed" in response.json()["detail"]
    response = client.patch(detail(project), {"stage": "executing"})
    assert response.status_code == 400
    assert "reopens it on its Closure page" in response.json()["stage"][0]
    project.refresh_from_db()
    assert project.stage == Project.Stage.CLOSED


def test_projects_stage_closed_is_not_an_edit(api_for, manager, project):
    """Only the sponsor's sign-off closes a project: editing the stage to closed is refused."""
    response = api_for(manager).patch(detail(project), {"stage": "closed"})
    assert response.status_code == 400
    assert "sponsor signs off" in response.json()["stage"][0]
    project.refresh_from_db()
    assert project.stage != Project.Stage.CLOSED


# --- authentication ------------------------------------------------------------------------------


def test_projects_unauthenticated_requests_are_401(project):
    """Without a session or token every projects endpoint answers 401."""
    client = APIClient()
    assert client.get(LIST).status_code == 401
    assert client.post(LIST, new_project()).status_code == 401
    assert client.get(detail(project)).status_code == 401
    assert client.patch(detail(project), {"name": "x"}).status_code == 401
    assert client.get(f"{detail(project)}members/").status_code == 401


def test_projects_session_authentication_works(client, manager, project):
    """A browser session signed in to the pages reads the API too."""
    client.force_login(manager)
    response = client.get(LIST)
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_projects_create_refuses_a_body_that_is_not_an_object(api_for, manager):
    """A JSON list instead of an object is a 400, not a crash."""
    response = api_for(manager).post(LIST, [new_project()])
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
