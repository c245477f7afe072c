"""The portfolio utilisation heat map: people × weeks across projects, over-allocations that only
show across projects, and what a reader who is not a member of a project sees of it."""

import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from budgets import portfolio, selectors, services
from scheduling import services as schedule_services
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.django_db

D = datetime.date
M = Decimal
WEEK = D(2026, 1, 5)  # the projects' start, a Monday


@pytest.fixture
def aisha(db):
    return UserFactory(username="aisha", first_name="Aisha", last_name="Khan")


@pytest.fixture
def worked(aisha, manager, member):
    """Aisha booked 40 h on CLOUD and 20 h on SOC2 in the week of 5 Jan (a 40-hour week:
    8 h a day); Mo is a member of CLOUD only."""
    cloud = project_with(manager=manager, member=[member, aisha])
    cloud.name, cloud.key = "Cloud migration", "CLOUD"
    cloud.save(update_fields=["name", "key"])
    soc2 = project_with(manager=manager, member=aisha)
    soc2.name, soc2.key = "SOC2 audit", "SOC2"
    soc2.save(update_fields=["name", "key"])
    task_a = schedule_services.task_create(project=cloud, by=manager, name="Move DNS", duration=5)
    task_b = schedule_services.task_create(
        project=soc2, by=manager, name="Secret evidence pack", duration=5
    )
    in_cloud = services.resource_create(
        project=cloud, by=manager, name="Aisha K", user=aisha, role="Backend developer"
    )
    in_soc2 = services.resource_create(
        project=soc2, by=manager, name="Aisha", user=aisha, role="Auditor"
    )
    services.assignment_add(task=task_a, resource=in_cloud, by=manager, units=100)
    services.assignment_add(task=task_b, resource=in_soc2, by=manager, units=50)
    return {"cloud": cloud, "soc2": soc2, "task_a": task_a, "task_b": task_b}


def _heat(user, **kwargs):
    kwargs.setdefault("start", WEEK)
    kwargs.setdefault("end", WEEK + datetime.timedelta(weeks=1))
    return portfolio.portfolio_utilisation(user, **kwargs)


def test_portfolio_flags_a_person_over_only_across_projects(worked, manager, aisha):
    """40 h on CLOUD and 20 h on SOC2 in a 40-hour week: 150 %, each day 12 h of 8, though
    neither project alone is over."""
    heat = _heat(manager)
    (person,) = heat.people
    assert person.name == "Aisha Khan"
    first = person.cells[0]
    assert (first.booked, first.elsewhere, first.capacity) == (M("60"), M("0"), M("40"))
    assert first.ratio == M("1.50")
    assert person.cells[1].total == 0
    assert [o.date for o in heat.over] == [WEEK + datetime.timedelta(days=d) for d in range(5)]
    day = heat.over[0]
    assert (day.booked, day.capacity, day.across) == (M("12"), M("8"), True)
    assert [(p["key"], p["hours"]) for p in day.projects] == [("CLOUD", M("8")), ("SOC2", M("4"))]
    assert day.projects[1]["tasks"] == [(worked["task_b"].pk, "Secret evidence pack")]
    # Neither project's own conflicts list has her.
    assert selectors.conflicts_of(worked["cloud"]) == []
    assert selectors.conflicts_of(worked["soc2"]) == []


def test_portfolio_shows_other_projects_only_as_booked_elsewhere(worked, member):
    """A member of CLOUD only sees SOC2's 20 h as elsewhere, without its name, key or task."""
    heat = _heat(member)
    (person,) = heat.people
    cell = person.cells[0]
    assert (cell.booked, cell.elsewhere, cell.capacity) == (M("40"), M("20"), M("40"))
    assert person.roles == ["Backend developer"]
    day = heat.over[0]
    assert day.elsewhere == M("4")
    assert [p["key"] for p in day.projects] == ["CLOUD"]


def test_portfolio_capacity_is_the_persons(worked, manager):
    """The person record's capacity wins, even over a resource that was left different."""
    worked["soc2"].resources.update(capacity_hours=M("6"))
    (person,) = _heat(manager).people
    assert (person.capacity_per_day, person.capacity_note) == (M("8"), "")


def test_portfolio_capacity_without_a_person_is_the_largest_and_says_so(worked, manager, aisha):
    """Resources of a user with no person record (not migrated yet): the larger capacity is
    used and noted."""
    worked["soc2"].resources.update(capacity_hours=M("6"))
    aisha.person.delete()
    (person,) = _heat(manager).people
    assert person.capacity_per_day == M("8")
    assert "6–8 h a day" in person.capacity_note


def test_portfolio_days_off_lower_the_capacity(worked, manager):
    """A day off in any project is off for the person: 32 h of capacity that week."""
    services.person_day_off_add(
        user=worked["soc2"].resources.get().user, by=manager, date=WEEK + datetime.timedelta(days=2)
    )
    (person,) = _heat(manager).people
    assert person.cells[0].capacity == M("32")


def test_portfolio_role_filter(worked, manager):
    """The role filter keeps the people with that role on a visible project."""
    assert [p.name for p in _heat(manager, role="auditor").people] == ["Aisha Khan"]
    assert _heat(manager, role="Designer").people == []
    assert _heat(manager).roles == ["Auditor", "Backend developer"]


def test_portfolio_resource_without_a_user_is_its_own_row(worked, manager):
    """A contractor without an account is a row, named with its project's key."""
    services.resource_create(project=worked["cloud"], by=manager, name="Contractor")
    names = [p.name for p in _heat(manager).people]
    assert names == ["Aisha Khan", "Contractor (CLOUD)"]


def _crowd(manager, people: int):
    """``people`` users, each booked on tasks of two of three projects."""
    projects = [project_with(manager=manager) for _ in range(3)]
    tasks = [
        schedule_services.task_create(project=p, by=manager, name=f"T{p.pk}", duration=10)
        for p in projects
    ]
    for n in range(people):
        user = UserFactory()
        for k in (n % 3, (n + 1) % 3):
            project = projects[k]
            project.memberships.create(user=user, role="member")
            resource = services.resource_create(
                project=project, by=manager, name=f"R{n}", user=user, role="Dev"
            )
            services.assignment_add(task=tasks[k], resource=resource, by=manager, units=60)


def test_portfolio_query_count_is_flat(manager, django_assert_max_num_queries):
    """Seven queries for 3 people as for 30, over 2 or 30 weeks."""
    _crowd(manager, 3)
    with django_assert_max_num_queries(7):
        few = _heat(manager)
    assert len(few.people) == 3 and len(few.over) == 3 * 10  # two weeks each
    _crowd(manager, 27)
    with django_assert_max_num_queries(7):
        many = _heat(manager, end=WEEK + datetime.timedelta(weeks=29))
    assert len(many.people) == 30 and len(many.weeks) == 30


# --- the page and the API -------------------------------------------------------------------------

SECRETS = ("SOC2", "SOC2 audit", "Secret evidence pack")


def test_page_shows_booked_elsewhere_without_names(worked, member, client_for):
    """The page shows 150 % and "booked elsewhere 20 h", never SOC2's name, key or task."""
    response = client_for(member).get(
        reverse("budgets:portfolio_utilisation"), {"start": "2026-01-05", "end": "2026-01-12"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "150%" in page and "booked elsewhere 20 h" in page
    assert "Move DNS" in page
    for secret in SECRETS:
        assert secret not in page
    assert f"/projects/{worked['soc2'].pk}/" not in page


def test_page_role_filter_and_bad_input(worked, manager, client_for):
    """Filtering by a role nobody has shows no row; a bad date is named, not a 500."""
    url = reverse("budgets:portfolio_utilisation")
    client = client_for(manager)
    assert (
        "Aisha Khan" not in client.get(url, {"start": "2026-01-05", "role": "x"}).content.decode()
    )
    response = client.get(url, {"start": "2026-13-45"})
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()


def test_page_needs_a_login(client):
    """Without a login the page sends to the sign-in page."""
    response = client.get(reverse("budgets:portfolio_utilisation"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_api_answers_people_weeks_and_over_allocations(worked, member, api_for):
    """GET /api/v1/portfolio/utilisation/: booked, capacity and elsewhere per week; no SOC2."""
    response = api_for(member).get(
        "/api/v1/portfolio/utilisation/", {"start": "2026-01-05", "end": "2026-01-12"}
    )
    assert response.status_code == 200
    data = response.json()
    assert data["weeks"] == ["2026-01-05", "2026-01-12"]
    (person,) = data["people"]
    assert person["weeks"][0] == {
        "week": "2026-01-05",
        "booked": "40.00",
        "capacity": "40.00",
        "elsewhere": "20.00",
    }
    over = data["over_allocations"][0]
    assert over["elsewhere"] == "4.00" and over["across_projects"] is True
    assert [p["key"] for p in over["projects"]] == ["CLOUD"]
    text = json.dumps(data)
    for secret in SECRETS:
        assert secret not in text
    assert str(worked["task_b"].pk) not in [str(t["id"]) for t in over["projects"][0]["tasks"]]


def test_api_refuses_bad_dates_and_anonymous(api_client, api_for, manager):
    """401 without a login; 400 naming the field for an end before the start or a bad date."""
    assert api_client.get("/api/v1/portfolio/utilisation/").status_code == 401
    bad = api_for(manager).get(
        "/api/v1/portfolio/utilisation/", {"start": "2026-02-01", "end": "2026-01-01"}
    )
    assert bad.status_code == 400 and "end" in bad.json()
    bad = api_for(manager).get("/api/v1/portfolio/utilisation/", {"start": "soon"})
    assert bad.status_code == 400 and "start" in bad.json()


def test_portfolio_of_one_project_matches_its_own_heat_map(project, manager, member):
    """On a single project, the portfolio's hours and capacity per week are the project's own
    heat map's (the same booking rule, days off included)."""
    a = schedule_services.task_create(project=project, by=manager, name="A", duration=7)
    b = schedule_services.task_create(project=project, by=manager, name="B", duration=4)
    schedule_services.dependency_add(project=project, by=manager, predecessor=a, successor=b)
    mo = services.resource_create(project=project, by=manager, name="Mo", user=member)
    maria = services.resource_create(
        project=project, by=manager, name="Maria", user=manager, capacity_hours="6"
    )
    services.assignment_add(task=a, resource=mo, by=manager, units=75)
    services.assignment_add(task=b, resource=mo, by=manager, units=150)
    services.assignment_add(task=a, resource=maria, by=manager, units=50)
    services.person_day_off_add(user=member, by=manager, date=D(2026, 1, 13))
    grid = selectors.utilisation_grid(project, start=WEEK, weeks=4)
    own = {
        row["resource"].user_id: [(c["booked"], c["capacity"]) for c in row["cells"]]
        for row in grid["rows"]
    }
    heat = _heat(manager, end=WEEK + datetime.timedelta(weeks=3))
    across = {p.user_id: [(c.booked, c.capacity) for c in p.cells] for p in heat.people}
    assert across == own
    assert [o.date for o in heat.over if o.person.user_id == member.pk] == [
        c["date"] for c in selectors.conflicts_of(project) if c["resource"].pk == mo.pk
    ]


def test_project_heat_map_shows_load_elsewhere_without_names(worked, member, client_for):
    """CLOUD's own heat map shows Aisha's 20 h on SOC2 as "booked elsewhere 20 h" to Mo, who
    is not a member of SOC2, and nothing of SOC2 itself."""
    response = client_for(member).get(
        reverse("budgets:utilisation", args=[worked["cloud"].pk]),
        {"start": "2026-01-05", "weeks": "4"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "booked elsewhere 20 h" in page
    for secret in SECRETS:
        assert secret not in page


def test_project_heat_map_with_people_elsewhere_keeps_a_flat_query_count(
    worked, manager, client_for
):
    """The project page's "booked elsewhere" adds the selector's fixed queries, whatever the
    number of people linked to users."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(manager)
    url = reverse("budgets:utilisation", args=[worked["cloud"].pk])
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url, {"start": "2026-01-05", "weeks": "4"}).status_code == 200
        return len(context.captured_queries)

    few = count()
    for n in range(4):
        user = UserFactory()
        for project in (worked["cloud"], worked["soc2"]):
            project.memberships.create(user=user, role="member")
            resource = services.resource_create(
                project=project, by=manager, name=f"Extra {n}", user=user
            )
            services.assignment_add(
                task=project.tasks.first(), resource=resource, by=manager, units=50
            )
    assert count() == few <= 21


def test_the_over_allocated_days_come_a_page_at_a_time(worked, manager, client_for, monkeypatch):
    """Aisha's five over-allocated days, two at a time: the count is all five, each page lists
    its two with their details, and the page links to the next and previous."""
    every = _heat(manager).over
    page = _heat(manager, over_limit=2, over_offset=2)
    assert page.over_total == 5 and page.over_next == 4
    assert [(o.date, o.projects) for o in page.over] == [(o.date, o.projects) for o in every[2:4]]
    assert _heat(manager, over_limit=2, over_offset=4).over_next is None

    from budgets.views import portfolio as portfolio_views

    monkeypatch.setattr(portfolio_views, "OVER_PAGE", 2)
    url = reverse("budgets:portfolio_utilisation")
    html = client_for(manager).get(url, {"start": "2026-01-05", "over": 2}).content.decode()
    assert "Days 3–4 of 5" in html
    assert "over=4" in html and "over=0" in html


def test_the_api_pages_the_over_allocated_days(worked, manager, api_for):
    url = "/api/v1/portfolio/utilisation/?start=2026-01-05&end=2026-01-12"
    body = api_for(manager).get(url + "&over_limit=2&over_offset=1").json()
    assert body["over_allocations_total"] == 5 and body["over_offset"] == 1
    assert [o["date"] for o in body["over_allocations"]] == ["2026-01-06", "2026-01-07"]
    refused = api_for(manager).get(url + "&over_limit=0")
    assert refused.status_code == 400 and "over_limit" in refused.json()
