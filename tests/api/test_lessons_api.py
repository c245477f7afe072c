"""The lessons learned API: a project's lessons (members add, even on a closed project; the author
or a manager edits or removes; stale versions 409), and ``/api/v1/lessons-learned/?search=`` across
every project the user can see (DESIGN §5), never one they cannot."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import Project
from reports.models import LessonLearned
from reports.services.lessons import lesson_create
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/lessons-learned/"


def url(project, pk: int | None = None) -> str:
    base = f"/api/v1/projects/{project.pk}/lessons-learned/"
    return f"{base}{pk}/" if pk else base


BODY = {
    "category": "vendors",
    "title": "Vendor delivered the hardware late",
    "what_happened": "The supplier missed the delivery date by three weeks.",
    "impact": "Go-live moved by a fortnight.",
    "recommendation": "Put delivery penalties into the contract.",
    "tags": ["Vendor", " contract ", "vendor"],
}


def lesson(project, by, **fields) -> LessonLearned:
    values = {k: v for k, v in BODY.items() if k != "impact"}
    values.update(fields)
    return lesson_create(project=project, by=by, **values)


def close(project: Project) -> None:
    Project.objects.filter(pk=project.pk).update(stage=Project.Stage.CLOSED)


def test_lessons_api_member_creates_and_reads_a_lesson(api_for, member, viewer, project):
    """POST records the lesson with normalised tags and its author; viewers list and read it."""
    response = api_for(member).post(url(project), BODY, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["tags"] == ["vendor", "contract"]
    assert (data["created_by"], data["version"]) == ("Mo Member", 1)
    listed = api_for(viewer).get(url(project)).json()
    assert [item["id"] for item in listed["results"]] == [data["id"]]
    assert api_for(viewer).get(url(project, data["id"])).json()["title"] == BODY["title"]


def test_lessons_api_viewer_cannot_write(api_for, viewer, member, project):
    """A viewer's POST, PATCH and DELETE are 403 and change nothing."""
    existing = lesson(project, member)
    client = api_for(viewer)
    assert client.post(url(project), BODY, format="json").status_code == 403
    assert client.patch(url(project, existing.pk), {"title": "x"}).status_code == 403
    assert client.delete(url(project, existing.pk)).status_code == 403
    assert list(LessonLearned.objects.values_list("title", flat=True)) == [BODY["title"]]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"title": "   "}, "title", "Give the lesson a title."),
        ({"what_happened": ""}, "what_happened", "Say what happened."),
        ({"recommendation": " "}, "recommendation", "Say what to do next time."),
        ({"category": "luck"}, "category", "is not a valid choice"),
        ({"tags": [f"t{n}" for n in range(11)]}, "tags", "at most 10 tags"),
        ({"tags": ["x" * 31]}, "tags", "at most 30 characters"),
        ({"tags": "vendor"}, "tags", "list"),
    ],
)
def test_lessons_api_refuses_bad_input_with_a_message(
    api_for, member, project, change, field, words
):
    """Bad input is a 400 with a message on the field at fault; nothing is saved."""
    response = api_for(member).post(url(project), {**BODY, **change}, format="json")
    assert response.status_code == 400
    assert words in " ".join(response.json()[field])
    assert not LessonLearned.objects.exists()


def test_lessons_api_edit_bumps_the_version_and_refuses_a_stale_one(api_for, member, project):
    """PATCH with the version read saves; a second PATCH with the old version is 409."""
    existing = lesson(project, member)
    client = api_for(member)
    response = client.patch(
        url(project, existing.pk), {"impact": "Two weeks", "version": 1}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["impact"], response.json()["version"]) == ("Two weeks", 2)
    stale = client.patch(url(project, existing.pk), {"title": "Lost", "version": 1}, format="json")
    assert stale.status_code == 409
    assert "Someone else changed this record" in stale.json()["detail"]
    assert client.delete(url(project, existing.pk) + "?version=1").status_code == 409
    assert client.delete(url(project, existing.pk) + "?version=two").status_code == 400
    assert client.delete(url(project, existing.pk) + "?version=2").status_code == 204
    assert not LessonLearned.objects.exists()


def test_lessons_api_only_the_author_or_a_manager_changes_a_lesson(
    api_for, manager, member, project
):
    """Another member's PATCH and DELETE are 403 with the reason; the manager's PATCH works."""
    other = UserFactory(username="olga")
    project.memberships.create(user=other, role="member")
    existing = lesson(project, member)
    response = api_for(other).patch(url(project, existing.pk), {"title": "Mine"}, format="json")
    assert response.status_code == 403
    assert "author or a manager" in response.json()["detail"]
    assert api_for(other).delete(url(project, existing.pk)).status_code == 403
    response = api_for(manager).patch(url(project, existing.pk), {"title": "Ok"}, format="json")
    assert response.status_code == 200


def test_lessons_api_closed_project_accepts_lessons_only(api_for, manager, member, project):
    """On a closed project POST still creates a lesson; PATCH, PUT and DELETE are 403 with a
    clear message, even for the manager."""
    existing = lesson(project, member)
    close(project)
    response = api_for(member).post(url(project), BODY, format="json")
    assert response.status_code == 201
    client = api_for(manager)
    patch = client.patch(url(project, existing.pk), {"title": "Changed"}, format="json")
    assert patch.status_code == 403
    assert "closed" in patch.json()["detail"]
    assert client.put(url(project, existing.pk), BODY, format="json").status_code == 403
    assert client.delete(url(project, existing.pk)).status_code == 403
    assert client.get(url(project, existing.pk)).status_code == 200
    assert LessonLearned.objects.count() == 2


# --- search across projects -----------------------------------------------------------------------


@pytest.fixture
def spread(project, manager, member, outsider):
    """Lessons in Maria's two projects, and one with the same words in Oscar's project."""
    infra = project_with(manager=manager)
    Project.objects.filter(pk=infra.pk).update(type=Project.Type.INFRASTRUCTURE)
    return {
        "software": lesson(project, member),
        "infra": lesson(
            infra,
            manager,
            category="estimation",
            title="Vendor lead times were ignored",
            tags=["estimation"],
        ),
        "hidden": lesson(outsider.memberships.get().project, outsider),
    }


def test_lessons_search_api_finds_across_my_projects_only(api_for, manager, outsider, spread):
    """?search=vendor finds Maria's two lessons with their projects, never Oscar's; Oscar finds
    only his own."""
    response = api_for(manager).get(SEARCH, {"search": "vendor"})
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2
    found = {item["id"]: item for item in data["results"]}
    assert set(found) == {spread["software"].pk, spread["infra"].pk}
    project = spread["software"].project
    assert found[spread["software"].pk]["project"] == {
        "id": project.pk,
        "key": project.key,
        "name": project.name,
        "type": "software",
    }
    assert found[spread["software"].pk]["tags"] == ["vendor", "contract"]
    theirs = api_for(outsider).get(SEARCH, {"search": "vendor"}).json()
    assert [item["id"] for item in theirs["results"]] == [spread["hidden"].pk]


def test_lessons_search_api_filters(api_for, manager, spread):
    """category, project_type and tag narrow the search."""
    client = api_for(manager)

    def ids(**params) -> set[int]:
        return {item["id"] for item in client.get(SEARCH, params).json()["results"]}

    assert ids(category="estimation") == {spread["infra"].pk}
    assert ids(project_type="software") == {spread["software"].pk}
    assert ids(tag="contract") == {spread["software"].pk}
    assert ids(search="vendor", project_type="infrastructure") == {spread["infra"].pk}
    assert ids(search="holiday") == set()


@pytest.mark.parametrize(
    "params",
    [{"category": "luck"}, {"project_type": "space"}, {"search": "x" * 201}, {"tag": "y" * 31}],
)
def test_lessons_search_api_refuses_bad_filters(api_for, manager, spread, params):
    """An unknown category or type, or an over-long search or tag, is a 400 naming the filter."""
    response = api_for(manager).get(SEARCH, params)
    assert response.status_code == 400
    assert set(response.json()) == set(params)


def test_lessons_search_api_needs_a_login(api_client, spread):
    """Anonymous callers are refused."""
    assert api_client.get(SEARCH, {"search": "vendor"}).status_code in (401, 403)


def test_lessons_search_api_query_count_is_constant(api_for, manager, member, project):
    """The search costs the same queries for 3 lessons as for 30."""
    client = api_for(manager)
    other = project_with(manager=manager)

    def grow(count: int) -> None:
        while LessonLearned.objects.count() < count:
            n = LessonLearned.objects.count()
            lesson(project if n % 2 else other, member if n % 2 else manager, tags=[f"t{n}"])

    grow(3)
    with CaptureQueriesContext(connection) as small:
        assert client.get(SEARCH, {"search": "vendor"}).json()["count"] == 3
    grow(30)
    with CaptureQueriesContext(connection) as large:
        assert client.get(SEARCH, {"search": "vendor"}).json()["count"] == 30
    assert len(large.captured_queries) == len(small.captured_queries)
    with CaptureQueriesContext(connection) as nested_small:
        client.get(url(project))
    grow(40)
    with CaptureQueriesContext(connection) as nested_large:
        assert client.get(url(project)).json()["count"] == 20
    assert len(nested_large.captured_queries) == len(nested_small.captured_queries)
