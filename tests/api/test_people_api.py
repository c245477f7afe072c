"""/api/v1/people/: the people I share a project with (and myself), their capacity, team, roles
and days off; the rate only to those who may edit them; writes by the person, staff or a
manager of one of their projects; and the heat map's team filter."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budgets import services
from budgets.models import DayOff, Resource
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def mo(project, manager, member):
    """Mo (the member) is a resource of the project at 60/h."""
    services.resource_create(
        project=project, by=manager, name="Mo", user=member, role="Tester", rate="60"
    )
    return member


def _url(pk=None, tail=""):
    if pk is None:
        return reverse("api:person-list")
    return reverse("api:person-detail", args=[pk]) + tail


def test_people_list_has_the_people_i_share_a_project_with(api_for, viewer, mo, manager, outsider):
    """A viewer lists the project's members and themself, never an outsider; the rate is
    hidden from them."""
    rows = api_for(viewer).get(_url()).json()["results"]
    ids = {row["id"] for row in rows}
    assert {viewer.pk, mo.pk, manager.pk} <= ids and outsider.pk not in ids
    row = next(r for r in rows if r["id"] == mo.pk)
    assert (row["capacity_hours"], row["roles"], row["rate"], row["rate_unit"]) == (
        "8.00",
        ["Tester"],
        None,
        None,
    )


def test_people_outsider_is_404(api_for, outsider, mo):
    """Someone I share no project with does not exist for me."""
    assert api_for(outsider).get(_url(mo.pk)).status_code == 404
    assert api_for(outsider).patch(_url(mo.pk), {"team": "X"}).status_code == 404
    assert api_for(mo).get(_url(outsider.pk)).status_code == 404


def test_people_rate_to_manager_and_self(api_for, manager, mo):
    """The manager of a project where Mo is a resource, and Mo, read the rate."""
    for reader in (manager, mo):
        row = api_for(reader).get(_url(mo.pk)).json()
        assert (row["rate"], row["rate_unit"]) == ("60.00", "hour")


def test_people_patch_by_manager_syncs_resources(api_for, manager, mo, project):
    """A manager changes Mo's capacity and team; the resource follows."""
    version = api_for(manager).get(_url(mo.pk)).json()["version"]
    response = api_for(manager).patch(
        _url(mo.pk), {"capacity_hours": "6.5", "team": "QA", "version": version}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["capacity_hours"], response.json()["team"]) == ("6.50", "QA")
    assert Resource.objects.get(project=project, user=mo).capacity_hours == 6.5
    stale = api_for(manager).patch(_url(mo.pk), {"team": "B", "version": version}, format="json")
    assert stale.status_code == 409


def test_people_non_manager_is_403(api_for, viewer, mo):
    """A viewer who shares the project but manages none of Mo's projects cannot edit him."""
    assert api_for(viewer).patch(_url(mo.pk), {"team": "X"}, format="json").status_code == 403
    refused = api_for(viewer).post(_url(mo.pk, "days-off/"), {"date": "2026-01-07"})
    assert refused.status_code == 403


def test_people_negative_capacity_is_400_with_message(api_for, mo):
    """A capacity out of range says what is allowed."""
    response = api_for(mo).patch(_url(mo.pk), {"capacity_hours": "-2"}, format="json")
    assert response.status_code == 400
    assert "more than 0" in str(response.json()["capacity_hours"])


def test_people_days_off_post_and_delete(api_for, mo, project):
    """Mo adds a day off (copied onto his resource) and removes it."""
    client = api_for(mo)
    added = client.post(
        _url(mo.pk, "days-off/") + "?start=2026-01-01", {"date": "2026-01-07", "note": "Leave"}
    )
    assert added.status_code == 201, added.json()
    assert [d["date"] for d in added.json()["days_off"]] == ["2026-01-07"]
    assert DayOff.objects.filter(resource__user=mo, date=D(2026, 1, 7)).exists()
    # The project's resource API refuses to remove the person's day.
    resource = Resource.objects.get(project=project, user=mo)
    detail = reverse("api:project-resource-detail", args=[project.pk, resource.pk])
    listed = client.get(detail).json()["days_off"]
    assert [(d["date"], d["from_person"]) for d in listed] == [("2026-01-07", True)]
    refused = client.post(
        reverse("api:project-resource-remove-day-off", args=[project.pk, resource.pk]),
        {"date": "2026-01-07"},
    )
    assert refused.status_code == 400 and "person record" in str(refused.json())
    removed = client.delete(_url(mo.pk, "days-off/") + "?date=2026-01-07&start=2026-01-01")
    assert removed.status_code == 200 and removed.json()["days_off"] == []
    assert not DayOff.objects.filter(resource__user=mo).exists()


def test_people_resource_capacity_away_from_person_is_400(api_for, manager, mo, project):
    """The resource API refuses a linked resource's capacity other than the person's."""
    resource = Resource.objects.get(project=project, user=mo)
    response = api_for(manager).patch(
        reverse("api:project-resource-detail", args=[project.pk, resource.pk]),
        {"capacity_hours": "4"},
        format="json",
    )
    assert response.status_code == 400
    assert "set on their person record" in str(response.json()["capacity_hours"])


def test_people_list_query_count_is_flat(api_for, manager, project, django_assert_max_num_queries):
    """The same number of queries for 3 people as for 30."""
    client = api_for(manager)
    for n in range(30):
        user = UserFactory()
        project.memberships.create(user=user, role="member")
        services.resource_create(project=project, by=manager, name=f"R{n}", user=user, role="Dev")
        services.person_day_off_add(user=user, by=manager, date=D(2026, 1, 7))
    with django_assert_max_num_queries(8):
        response = client.get(_url() + "?start=2026-01-01")
    assert response.status_code == 200 and len(response.json()["results"]) == 33


def test_portfolio_api_team_filter(api_for, manager, mo):
    """?team= keeps that team's people; each row names its team."""
    services.person_update(user=mo, by=manager, version=None, team="QA")
    url = reverse("api:portfolio-utilisation")
    body = api_for(manager).get(url, {"team": "QA"}).json()
    assert [(p["user"], p["team"]) for p in body["people"]] == [(mo.pk, "QA")]
    assert body["teams"] == ["QA"]
    assert api_for(manager).get(url, {"team": "Ops"}).json()["people"] == []


def test_placeholder_assign_person_api(api_for, manager, member, project):
    """A manager names the person for a placeholder; a member may not."""
    placeholder = services.resource_create(
        project=project, by=manager, name="Dev ×2", is_placeholder=True, headcount=2
    )
    url = reverse("api:project-resource-assign-person", args=[project.pk, placeholder.pk])
    assert api_for(member).post(url, {"user": member.pk}).status_code == 403
    response = api_for(manager).post(url, {"user": member.pk})
    assert response.status_code == 200, response.json()
    assert response.json()["user"] == member.pk
    placeholder.refresh_from_db()
    assert placeholder.headcount == 1


def test_people_pages(client_for, manager, mo, outsider, project):
    """The people list (team filter), a person's page with their load, and its edits; an
    outsider gets 404, a viewer no edit form."""
    services.person_update(user=mo, by=manager, version=None, team="QA")
    client = client_for(manager)
    page = client.get(reverse("budgets:people"), {"team": "QA"}).content.decode()
    assert "Mo" in page or mo.username in page
    detail = client.get(reverse("budgets:person", args=[mo.pk]))
    assert detail.status_code == 200 and "Load across your projects" in detail.content.decode()
    saved = client.post(
        reverse("budgets:person", args=[mo.pk]),
        {"capacity_hours": "7", "team": "QA", "rate": "65", "rate_unit": "hour"},
    )
    assert saved.status_code == 302
    assert Resource.objects.get(project=project, user=mo).capacity_hours == 7
    added = client.post(
        reverse("budgets:person_day_off_add", args=[mo.pk]), {"off-date": "2026-01-07"}
    )
    assert added.status_code == 302
    assert DayOff.objects.filter(resource__user=mo, date=D(2026, 1, 7)).exists()
    assert client_for(outsider).get(reverse("budgets:person", args=[mo.pk])).status_code == 404
    utilisation = client_for(manager).get(reverse("budgets:portfolio_utilisation"))
    assert reverse("budgets:people") in utilisation.content.decode()


def _crowd(project, manager, n: int) -> None:
    for _ in range(n):
        user = UserFactory()
        project.memberships.create(user=user, role="member")
        services.resource_create(
            project=project, by=manager, name=user.username, user=user, role="Dev"
        )
        services.person_day_off_add(user=user, by=manager, date=D(2026, 12, 10))


def test_people_page_query_count(client_for, manager, project, django_assert_max_num_queries):
    """The people page takes as many queries for 22 people as for 2 (the layout's included)."""
    client = client_for(manager)
    _crowd(project, manager, 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("budgets:people")).status_code == 200
    _crowd(project, manager, 20)
    with django_assert_max_num_queries(len(few)):
        assert client.get(reverse("budgets:people")).status_code == 200
