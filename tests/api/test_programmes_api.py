"""The programmes API: create, edit with version, projects and members, the roll-up; 404 to
non-members, 403 to members who do not manage the programme, 400 with a reason for bad input."""

import datetime
from decimal import Decimal

import pytest

from projects.models import ProgrammeMembership
from projects.services.programmes import exchange_rate_set, programme_create
from reports.models import KpiSnapshot
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.django_db


def snapshot(project, **figures):
    return KpiSnapshot.objects.create(
        project=project,
        as_of=datetime.date(2026, 3, 2),
        health="amber",
        health_schedule="amber",
        health_cost="green",
        health_scope="green",
        health_risk="green",
        health_reasons={"overall": "Behind."},
        **{name: Decimal(str(value)) for name, value in figures.items()},
    )


@pytest.fixture
def pmo():
    return UserFactory(username="pmo")


def test_create_add_projects_and_read_the_rollup(api_for, pmo):
    a = project_with(manager=pmo)
    b = project_with(manager=pmo)
    b.currency = "USD"
    b.save(update_fields=["currency"])
    snapshot(a, pv=100, ev=50, ac=60, bac=200, eac=240)
    snapshot(b, pv=20, ev=20, ac=10, bac=40, eac=20)
    exchange_rate_set(
        by=pmo,
        source="USD",
        target="EUR",
        rate=Decimal("0.9"),
        effective_from=datetime.date(2020, 1, 1),
    )
    api = api_for(pmo)
    created = api.post("/api/v1/programmes/", {"name": "Cloud", "key": "CLOUDPGM"}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["my_role"] == "manager" and created.json()["currency"] == "EUR"
    for project in (a, b):
        added = api.post(f"/api/v1/programmes/{pk}/projects/", {"project": project.pk})
        assert added.status_code == 201, added.content
    assert {p["key"] for p in added.json()["projects"]} == {a.key, b.key}
    kpis = api.get(f"/api/v1/programmes/{pk}/kpis/").json()
    assert kpis["totals"]["pv"] == "118.00" and kpis["totals"]["ev"] == "68.00"
    assert kpis["spi"] == "0.5763" and kpis["cpi"] == "0.9855"
    assert kpis["missing_rates"] == [] and kpis["counted"] == 2
    rows = {row["key"]: row for row in kpis["projects"]}
    assert rows[b.key]["rate"] == "0.90000000" and rows[b.key]["figures"]["pv"] == "18.00"
    assert rows[a.key]["health"] == "amber" and rows[a.key]["member"] is True
    forecast = kpis["finish_forecast"]
    assert forecast["covered"] == [] and forecast["missing"] == sorted([a.key, b.key])
    assert forecast["percentiles"] == {} and forecast["p_all_targets"] is None


def test_bad_input_and_stale_edits_are_4xx_with_reasons(api_for, pmo):
    programme = programme_create(by=pmo, name="Cloud", key="CLOUDPGM")
    api = api_for(pmo)
    bad = api.post("/api/v1/programmes/", {"name": "X", "key": "1"}, format="json")
    assert bad.status_code == 400 and "key" in bad.json()
    taken = api.post("/api/v1/programmes/", {"name": "X", "key": "CLOUDPGM"}, format="json")
    assert taken.status_code == 400 and "key" in taken.json()
    url = f"/api/v1/programmes/{programme.pk}/"
    edited = api.patch(url, {"name": "Cloud move", "version": 1}, format="json")
    assert edited.status_code == 200 and edited.json()["version"] == 2
    stale = api.patch(url, {"name": "Again", "version": 1}, format="json")
    assert stale.status_code == 409
    foreign = project_with(manager=UserFactory())
    refused = api.post(f"/api/v1/programmes/{programme.pk}/projects/", {"project": foreign.pk})
    assert refused.status_code == 400 and "not a member" in str(refused.json())
    viewer_of = project_with(manager=UserFactory(), viewer=pmo)
    refused = api.post(f"/api/v1/programmes/{programme.pk}/projects/", {"project": viewer_of.pk})
    assert refused.status_code == 403
    members = api.post(
        f"/api/v1/programmes/{programme.pk}/members/", {"username": "nobody"}, format="json"
    )
    assert members.status_code == 400 and "Invite them" in str(members.json())


def test_non_members_get_404_and_members_403_on_writes(api_for, pmo):
    programme = programme_create(by=pmo, name="Cloud", key="CLOUDPGM")
    project = project_with(manager=pmo)
    api_for(pmo).post(f"/api/v1/programmes/{programme.pk}/projects/", {"project": project.pk})
    member = UserFactory()
    ProgrammeMembership.objects.create(programme=programme, user=member)
    outsider = UserFactory()
    base = f"/api/v1/programmes/{programme.pk}"
    outsider_api = api_for(outsider)
    assert (
        outsider_api.get("/api/v1/programmes/").json()["results"] == []
        if isinstance(outsider_api.get("/api/v1/programmes/").json(), dict)
        else outsider_api.get("/api/v1/programmes/").json() == []
    )
    for method, url in [
        ("get", f"{base}/"),
        ("get", f"{base}/kpis/"),
        ("get", f"{base}/members/"),
        ("patch", f"{base}/"),
        ("delete", f"{base}/"),
        ("post", f"{base}/projects/"),
        ("delete", f"{base}/projects/{project.pk}/"),
    ]:
        assert getattr(outsider_api, method)(url).status_code == 404, (method, url)
    member_api = api_for(member)
    assert member_api.get(f"{base}/kpis/").status_code == 200
    for method, url in [
        ("patch", f"{base}/"),
        ("delete", f"{base}/"),
        ("post", f"{base}/projects/"),
        ("delete", f"{base}/projects/{project.pk}/"),
        ("post", f"{base}/members/"),
    ]:
        assert getattr(member_api, method)(url).status_code == 403, (method, url)
    # The programme member reads the roll-up's row, never the project itself.
    assert member_api.get(f"/api/v1/projects/{project.pk}/").status_code == 404


def test_the_list_reads_every_programme_s_projects_in_one_query(
    api_for, pmo, django_assert_max_num_queries
):
    """Listing programmes costs the same queries for one programme as for five."""
    for index in range(5):
        programme = programme_create(by=pmo, name=f"P{index}", key=f"PGM{index}")
        project = project_with(manager=pmo)
        api_for(pmo).post(f"/api/v1/programmes/{programme.pk}/projects/", {"project": project.pk})
    api = api_for(pmo)
    with django_assert_max_num_queries(6):
        listed = api.get("/api/v1/programmes/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert len(rows) == 5 and all(len(row["projects"]) == 1 for row in rows)
