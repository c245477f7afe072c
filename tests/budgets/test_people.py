"""People across projects: a person's capacity and days off win over their resources', kept in
step by the services; placeholders booked before a name is known; the migration of existing
resources."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from budgets import portfolio, selectors, services
from budgets.models import DayOff, Person, PersonDayOff, Resource
from projects.exceptions import StaleEdit
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
def two(aisha, manager, member):
    """Aisha is a resource of CLOUD (rate 90/h) and SOC2 (rate 70/h), booked full-time on a
    5-day task in each."""
    cloud = project_with(manager=manager, member=[member, aisha])
    soc2 = project_with(manager=manager, member=aisha)
    a = schedule_services.task_create(project=cloud, by=manager, name="Move DNS", duration=5)
    b = schedule_services.task_create(project=soc2, by=manager, name="Evidence", duration=5)
    in_cloud = services.resource_create(
        project=cloud, by=manager, name="Aisha", user=aisha, role="Backend developer", rate="90"
    )
    in_soc2 = services.resource_create(
        project=soc2, by=manager, name="Aisha", user=aisha, role="Auditor", rate="70"
    )
    services.assignment_add(task=a, resource=in_cloud, by=manager, units=100)
    services.assignment_add(task=b, resource=in_soc2, by=manager, units=50)
    return {"cloud": cloud, "soc2": soc2, "a": a, "b": b, "r1": in_cloud, "r2": in_soc2}


def test_person_first_resource_makes_the_person(two, aisha):
    """A first resource for a user makes their person from its capacity and rate."""
    person = Person.objects.get(user=aisha)
    assert (person.capacity_hours, person.rate, person.rate_unit) == (M("8"), M("90"), "hour")


def test_person_capacity_wins_over_every_resource(two, aisha, manager):
    """A new capacity on the person becomes each resource's, and re-costs their tasks."""
    services.person_update(user=aisha, by=manager, version=None, capacity_hours="6")
    r1, r2 = (Resource.objects.get(pk=two[k].pk) for k in ("r1", "r2"))
    assert (r1.capacity_hours, r2.capacity_hours) == (M("6"), M("6"))
    # Rates stay per project: 5 days × 6 h × 90, and 5 × 3 h × 70.
    assert (r1.rate, r2.rate) == (M("90"), M("70"))
    two["a"].refresh_from_db()
    two["b"].refresh_from_db()
    assert (two["a"].labour_cost, two["b"].labour_cost) == (M("2700.00"), M("1050.00"))


def test_person_capacity_cannot_be_set_away_on_a_resource(two, manager):
    """A project cannot give a linked resource another capacity: 400 saying where it is set."""
    with pytest.raises(ValidationError) as refused:
        services.resource_update(resource=two["r1"], by=manager, version=None, capacity_hours="4")
    message = refused.value.message_dict["capacity_hours"][0]
    assert "set on their person record" in message and "/people/" in message
    # The same capacity echoed back is no change.
    services.resource_update(resource=two["r1"], by=manager, version=None, capacity_hours="8")


def test_person_new_resource_copies_capacity_days_off_and_rate(two, aisha, manager):
    """A new resource for the person takes their capacity, days off and default rate."""
    services.person_update(user=aisha, by=manager, version=None, capacity_hours="7", rate="95")
    services.person_day_off_add(user=aisha, by=manager, date=D(2026, 1, 7))
    third = project_with(manager=manager, member=aisha)
    resource = services.resource_create(project=third, by=manager, name="Aisha", user=aisha)
    assert (resource.capacity_hours, resource.rate) == (M("7"), M("95"))
    assert [d.date for d in resource.days_off.all()] == [D(2026, 1, 7)]


def test_person_days_off_are_copied_and_removed_with_the_person(two, aisha, manager):
    """A person's day off is on each resource, marked as the person's; removing it on the
    person removes every copy; a project cannot add or remove one itself."""
    day = services.person_day_off_add(user=aisha, by=manager, date=D(2026, 1, 7), note="Leave")
    copies = DayOff.objects.filter(resource__user=aisha)
    assert sorted((c.resource_id, c.from_person) for c in copies) == sorted(
        [(two["r1"].pk, True), (two["r2"].pk, True)]
    )
    with pytest.raises(ValidationError, match="set on their person record"):
        services.day_off_remove(day_off=copies.first(), by=manager)
    with pytest.raises(ValidationError, match="People › Aisha Khan"):
        services.day_off_add(resource=two["r1"], by=manager, date=D(2026, 1, 8))
    services.person_day_off_remove(day_off=day, by=manager)
    assert not DayOff.objects.filter(resource__user=aisha).exists()
    assert not PersonDayOff.objects.exists()


def test_person_day_off_lowers_capacity_in_each_project(two, aisha, manager):
    """The person's day off is a day with no capacity in each project's loads."""
    services.person_day_off_add(user=aisha, by=manager, date=D(2026, 1, 7))
    conflicts = selectors.conflicts_of(two["cloud"])
    assert [(c["date"], c["capacity"], c["day_off"]) for c in conflicts] == [
        (D(2026, 1, 7), M("0"), True)
    ]


def test_person_over_allocated_only_across_projects_is_flagged(two, aisha, manager):
    """40 h on CLOUD and 20 h on SOC2 against the person's 8 h a day: each day 12 h of 8,
    across projects only; with a 12-hour person nothing is over."""
    heat = portfolio.portfolio_utilisation(manager, start=WEEK, end=WEEK)
    assert [(o.booked, o.capacity, o.across) for o in heat.over] == [(M("12"), M("8"), True)] * 5
    services.person_update(user=aisha, by=manager, version=None, capacity_hours="12")
    heat = portfolio.portfolio_utilisation(manager, start=WEEK, end=WEEK)
    # Booked hours follow capacity (units are a share of it): 12 + 6 of 12.
    assert [(o.booked, o.capacity) for o in heat.over] == [(M("18"), M("12"))] * 5


def test_person_team_filter_on_the_heat_map(two, aisha, manager):
    """The team filter keeps the people of that team."""
    services.person_update(user=aisha, by=manager, version=None, team="Platform")
    assert [
        p.name
        for p in portfolio.portfolio_utilisation(
            manager, start=WEEK, end=WEEK, team="platform"
        ).people
    ] == ["Aisha Khan"]
    assert portfolio.portfolio_utilisation(manager, start=WEEK, end=WEEK, team="Sec").people == []
    assert portfolio.portfolio_utilisation(manager, start=WEEK, end=WEEK).teams == ["Platform"]


def test_person_stale_edit_is_refused(two, aisha, manager):
    """An edit read at an old version is refused (409 in the API)."""
    person = services.person_update(user=aisha, by=manager, version=None, team="A")
    with pytest.raises(StaleEdit):
        services.person_update(user=aisha, by=manager, version=person.version - 1, team="B")


# --- placeholders ---------------------------------------------------------------------------------


@pytest.fixture
def placeholder(project, manager):
    """“Backend developer ×2” booked full-time on two parallel 5-day tasks."""
    tasks = [
        schedule_services.task_create(project=project, by=manager, name=n, duration=5)
        for n in ("API", "Workers")
    ]
    resource = services.resource_create(
        project=project,
        by=manager,
        name="Backend developer",
        role="Backend developer",
        rate="80",
        is_placeholder=True,
        headcount=2,
    )
    for task in tasks:
        services.assignment_add(task=task, resource=resource, by=manager, units=100)
    return {"resource": resource, "tasks": tasks}


def test_placeholder_headcount_doubles_capacity(project, manager, placeholder):
    """Two heads carry two full-time tasks a day (16 h of 16); one head is over (16 of 8)."""
    assert selectors.conflicts_of(project) == []
    grid = selectors.utilisation_grid(project, start=project.start_date, weeks=1)
    assert grid["rows"][0]["cells"][0]["capacity"] == M("80")
    heat = portfolio.portfolio_utilisation(
        manager, start=project.start_date, end=project.start_date
    )
    (row,) = heat.people
    assert (row.placeholder, row.headcount, row.capacity_per_day) == (True, 2, M("16"))
    assert heat.over == []
    Resource.objects.filter(pk=placeholder["resource"].pk).update(headcount=1)
    conflicts = selectors.conflicts_of(project)
    assert {(c["booked"], c["capacity"]) for c in conflicts} == {(M("16"), M("8"))}


def test_placeholder_rules(project, manager, member):
    """A placeholder has no member and is a person; only a placeholder has several heads."""
    with pytest.raises(ValidationError, match="placeholder"):
        services.resource_create(
            project=project, by=manager, name="X", user=member, is_placeholder=True
        )
    with pytest.raises(ValidationError, match="Only a placeholder"):
        services.resource_create(project=project, by=manager, name="Y", headcount=2)
    with pytest.raises(ValidationError, match="from 1 to"):
        services.resource_create(
            project=project, by=manager, name="Z", is_placeholder=True, headcount=0
        )


def test_placeholder_assign_moves_tasks_to_the_named_person(project, manager, member, placeholder):
    """Naming one of two heads moves the tasks to the member's new resource (the placeholder's
    role and rate, the person's capacity), re-costed, in one transaction; one head is left."""
    services.person_update(user=member, by=manager, version=None, capacity_hours="6")
    named = services.placeholder_assign(
        placeholder=placeholder["resource"],
        user=member,
        by=manager,
        task_ids=[placeholder["tasks"][0].pk],
    )
    assert (named.user, named.role, named.rate, named.capacity_hours) == (
        member,
        "Backend developer",
        M("80.00"),
        M("6"),
    )
    assert [a.task for a in named.assignments.all()] == [placeholder["tasks"][0]]
    first = placeholder["tasks"][0]
    first.refresh_from_db()
    assert first.labour_cost == M("2400.00")  # 5 days × 6 h × 80
    left = Resource.objects.get(pk=placeholder["resource"].pk)
    assert (left.headcount, left.assignments.count()) == (1, 1)


def test_placeholder_of_one_head_hands_over_all_and_goes(project, manager, member, placeholder):
    """A placeholder of one head cannot keep tasks; handing all over removes it."""
    resource = placeholder["resource"]
    Resource.objects.filter(pk=resource.pk).update(headcount=1)
    resource.refresh_from_db()
    with pytest.raises(ValidationError, match="hand over all"):
        services.placeholder_assign(
            placeholder=resource, user=member, by=manager, task_ids=[placeholder["tasks"][0].pk]
        )
    named = services.placeholder_assign(placeholder=resource, user=member, by=manager)
    assert named.assignments.count() == 2
    assert not Resource.objects.filter(pk=resource.pk).exists()


def test_placeholder_assign_refuses_a_task_the_person_is_on(project, manager, member, placeholder):
    """A person already on one of the tasks is refused, naming it; nothing moves."""
    mine = services.resource_create(project=project, by=manager, name="Mo", user=member)
    services.assignment_add(task=placeholder["tasks"][1], resource=mine, by=manager, units=50)
    with pytest.raises(ValidationError, match="Workers"):
        services.placeholder_assign(placeholder=placeholder["resource"], user=member, by=manager)
    assert placeholder["resource"].assignments.count() == 2


# --- the migration --------------------------------------------------------------------------------


def test_migration_makes_people_from_resources(manager, member, project):
    """Most common capacity (ties to the largest), most common rate, union of days off; the
    resources take the person's capacity and days; running it back deletes the people."""
    migration = importlib.import_module("budgets.migrations.0003_people")
    others = [project_with(manager=manager, member=member) for _ in range(3)]
    rows = []
    for n, (p, capacity, rate) in enumerate(
        zip([project, *others], ["6", "6", "8", "8"], ["50", "60", "60", "70"], strict=True)
    ):
        rows.append(
            Resource.objects.create(
                project=p, name=f"Mo {n}", user=member, capacity_hours=M(capacity), rate=M(rate)
            )
        )
    DayOff.objects.create(resource=rows[0], date=D(2026, 2, 2))
    DayOff.objects.create(resource=rows[2], date=D(2026, 2, 3))
    Person.objects.all().delete()

    migration.people_from_resources(apps, None)

    person = Person.objects.get(user=member)
    assert (person.capacity_hours, person.rate) == (M("8"), M("60"))
    assert [d.date for d in person.days_off.all()] == [D(2026, 2, 2), D(2026, 2, 3)]
    for resource in rows:
        resource.refresh_from_db()
        assert resource.capacity_hours == M("8")
        assert sorted((d.date, d.from_person) for d in resource.days_off.all()) == [
            (D(2026, 2, 2), True),
            (D(2026, 2, 3), True),
        ]
    assert (
        Resource.objects.filter(user=member).values_list("rate", flat=True).distinct().count() == 3
    )

    migration.people_removed(apps, None)
    assert not Person.objects.exists()
    assert DayOff.objects.filter(resource__user=member).count() == 8


# --- pages ----------------------------------------------------------------------------------------


def test_placeholder_pages_show_it_and_name_a_person(
    client_for, project, manager, member, placeholder
):
    """The resource list marks the placeholder ×2; its page names a member, whose resource
    then carries the tasks; a linked resource's page shows the person's days off, not
    removable there."""
    client = client_for(manager)
    listing = client.get(reverse("budgets:resources", args=[project.pk])).content.decode()
    assert "placeholder ×2" in listing
    resource = placeholder["resource"]
    page = client.get(reverse("budgets:resource", args=[project.pk, resource.pk])).content.decode()
    assert "Assign a named person" in page
    response = client.post(
        reverse("budgets:placeholder_assign", args=[project.pk, resource.pk]), {"user": member.pk}
    )
    named = Resource.objects.get(project=project, user=member)
    assert response.status_code == 302 and named.assignments.count() == 2
    services.person_day_off_add(user=member, by=manager, date=D(2026, 1, 7))
    page = client.get(reverse("budgets:resource", args=[project.pk, named.pk])).content.decode()
    assert "(the person's, every project)" in page and "their person record" in page
    copy = named.days_off.get()
    refused = client.post(
        reverse("budgets:day_off_remove", args=[project.pk, named.pk, copy.pk]), follow=True
    )
    assert "set on their person record" in refused.content.decode()
    assert DayOff.objects.filter(pk=copy.pk).exists()


def test_person_page_refuses_a_non_manager(client_for, project, manager, member, viewer):
    """A viewer sharing the project may read Mo's page but not change him (403 with reason)."""
    services.resource_create(project=project, by=manager, name="Mo", user=member)
    client = client_for(viewer)
    url = reverse("budgets:person", args=[member.pk])
    page = client.get(url).content.decode()
    assert "Capacity, team and rate card" not in page
    refused = client.post(url, {"capacity_hours": "4", "rate_unit": "hour"})
    assert refused.status_code == 403 and "Only the person" in refused.content.decode()
    assert client.put(url).status_code == 405
