"""The big lists as an integration calls them (a knox token): a page costs the same queries for
5 rows as for 100, and the rows read from prefetched lists say what the records say."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from budgets.models import Category, CostEntry
from projects.models import Membership, Role
from risks.models import Risk, RiskScale, RiskTaskImpact
from scheduling import services
from scheduling.models import Dependency, Task
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

# The token with its user, the door, the count, the rows; tasks and risks add one prefetch.
FIXED = 4


@pytest.fixture
def token_client(member):
    _, token = AuthToken.objects.create(user=member)
    return APIClient(HTTP_AUTHORIZATION=f"Token {token}")


def page_queries(client, url: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, {"page_size": 100})
    assert response.status_code == 200, response.content[:500]
    return len(context.captured_queries), response.json()


def add_tasks(project, count: int) -> list[Task]:
    start = Task.objects.filter(project=project).count()
    tasks = Task.objects.bulk_create(
        Task(project=project, name=f"T{start + i}", duration=1 + i % 3, position=start + i)
        for i in range(count)
    )
    Dependency.objects.bulk_create(
        Dependency(project=project, predecessor=a, successor=b, lag=n % 2)
        for n, (a, b) in enumerate(zip(tasks, tasks[1:], strict=False))
    )
    services.schedule_recompute(project)
    return tasks


def add_risks(project, owner, tasks: list[Task], count: int) -> None:
    first = Risk.objects.filter(project=project).count() + 1
    scale = RiskScale.default()
    risks = []
    for n in range(count):
        risk = Risk(project=project, number=first + n, title=f"R{first + n}", owner=owner)
        risk.derive(scale)
        risks.append(risk)
    risks = Risk.objects.bulk_create(risks)
    # Impacts on two tasks each, the later task first, so their order is the list's doing.
    RiskTaskImpact.objects.bulk_create(
        RiskTaskImpact(risk=risk, task=task, days=days)
        for risk in risks
        for task, days in ((tasks[-1], 3), (tasks[0], 1))
    )


def add_costs(project, by, tasks: list[Task], count: int) -> None:
    CostEntry.objects.bulk_create(
        CostEntry(
            project=project,
            date=datetime.date(2026, 2, 1) + datetime.timedelta(days=n),
            amount=Decimal("10.50"),
            category=Category.SOFTWARE,
            task=tasks[n % len(tasks)],
            created_by=by,
        )
        for n in range(count)
    )


def test_tasks_list_queries_do_not_grow_with_tasks(token_client, project):
    """A page of 5 tasks and one of 100 cost the same queries: token, door, count, rows, links."""
    url = f"/api/v1/projects/{project.pk}/tasks/"
    add_tasks(project, 5)
    few, _ = page_queries(token_client, url)
    add_tasks(project, 95)
    many, body = page_queries(token_client, url)
    assert (len(body["results"]), many) == (100, few)
    assert many <= FIXED + 1


def test_tasks_list_predecessors_are_the_tasks_own_text(token_client, project):
    """The list's ``predecessors`` (read from the prefetched links) is each task's own text."""
    add_tasks(project, 6)
    rows = token_client.get(f"/api/v1/projects/{project.pk}/tasks/").json()["results"]
    texts = {task.pk: task.predecessors_text for task in Task.objects.filter(project=project)}
    assert {row["id"]: row["predecessors"] for row in rows} == texts
    assert sorted(texts.values()) == ["", "1", "2FS+1d", "3", "4FS+1d", "5"]


def test_risks_list_queries_do_not_grow_with_risks(token_client, project, member):
    """A page of 5 risks and one of 100 cost the same queries: token, door, count, rows,
    impacts; the impacts come in task order."""
    url = f"/api/v1/projects/{project.pk}/risks/"
    tasks = add_tasks(project, 2)
    add_risks(project, member, tasks, 5)
    few, _ = page_queries(token_client, url)
    add_risks(project, member, tasks, 95)
    many, body = page_queries(token_client, url)
    assert (len(body["results"]), many) == (100, few)
    assert many <= FIXED + 1
    assert body["results"][0]["schedule_impacts"] == [
        {"task": tasks[0].pk, "days": 1},
        {"task": tasks[1].pk, "days": 3},
    ]


def test_cost_entries_list_queries_do_not_grow_with_entries(token_client, project, member):
    """A page of 5 cost entries and one of 100 cost the same queries: token, door, count, rows."""
    url = f"/api/v1/projects/{project.pk}/cost-entries/"
    tasks = add_tasks(project, 3)
    add_costs(project, member, tasks, 5)
    few, _ = page_queries(token_client, url)
    add_costs(project, member, tasks, 95)
    many, body = page_queries(token_client, url)
    assert (len(body["results"]), many) == (100, few)
    assert many <= FIXED


def test_projects_list_queries_do_not_grow_with_projects(token_client, member, project):
    """A page of 5 projects and one of 100 cost the same queries: token, count, rows."""
    url = "/api/v1/projects/"

    def join(count: int) -> None:
        Membership.objects.bulk_create(
            Membership(project=other, user=member, role=Role.VIEWER)
            for other in ProjectFactory.create_batch(count)
        )

    join(4)
    few, _ = page_queries(token_client, url)
    join(95)
    many, body = page_queries(token_client, url)
    assert (len(body["results"]), many) == (100, few)
    assert many <= FIXED - 1


def test_lists_are_404_for_a_token_of_a_non_member(outsider, project):
    """Through a token, a project the caller is not a member of still does not exist."""
    _, token = AuthToken.objects.create(user=outsider)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    for resource in ("tasks", "risks", "cost-entries"):
        response = client.get(f"/api/v1/projects/{project.pk}/{resource}/")
        assert response.status_code == 404, resource


def test_cost_entries_list_filters_by_its_fields_and_refuses_a_bad_value(
    token_client, project, member
):
    """Filters still filter (the backend skips only a request naming none), a bad value is a
    400 naming the filter, and a parameter that is no filter changes nothing."""
    url = f"/api/v1/projects/{project.pk}/cost-entries/"
    tasks = add_tasks(project, 3)
    add_costs(project, member, tasks, 6)
    every = token_client.get(url).json()
    assert every["count"] == 6
    on_first = token_client.get(url, {"task": tasks[0].pk}).json()
    assert [row["task"] for row in on_first["results"]] == [tasks[0].pk] * 2
    assert token_client.get(url, {"date__gte": "2026-02-05"}).json()["count"] == 2
    refused = token_client.get(url, {"date__gte": "soon"})
    assert refused.status_code == 400
    assert "date__gte" in refused.json()
    assert token_client.get(url, {"colour": "red"}).json() == every


def test_token_check_refuses_and_deletes_an_expired_token_in_one_query(member, project):
    """A live token costs one query (its row with the user); an expired one is refused with
    401 and deleted, while the user's other tokens are left to the hourly purge."""
    live, live_token = AuthToken.objects.create(user=member)
    expired, expired_token = AuthToken.objects.create(
        user=member, expiry=datetime.timedelta(seconds=-1)
    )
    url = "/api/v1/me/"
    with CaptureQueriesContext(connection) as context:
        response = APIClient(HTTP_AUTHORIZATION=f"Token {live_token}").get(url)
    assert response.status_code == 200
    assert len(context.captured_queries) == 1
    assert AuthToken.objects.filter(pk=expired.pk).exists()
    refused = APIClient(HTTP_AUTHORIZATION=f"Token {expired_token}").get(url)
    assert refused.status_code == 401
    assert list(AuthToken.objects.filter(user=member)) == [live]
