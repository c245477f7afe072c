"""Lessons learned pages: the door (404 for outsiders, 403 for viewers' writes), adding and editing
lessons (also adding on a closed project, nothing else), the search across projects that never
shows a project the user cannot see, the panel offered on a project being planned, and constant
query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Project
from reports.models import LessonLearned
from reports.services.lessons import lesson_create, lesson_update
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def lesson(project, by, **fields) -> LessonLearned:
    values = {
        "category": "vendors",
        "title": "Vendor delivered the hardware late",
        "what_happened": "The supplier missed the delivery date by three weeks.",
        "recommendation": "Put delivery penalties into the contract.",
        "tags": ["vendor"],
    }
    values.update(fields)
    return lesson_create(project=project, by=by, **values)


def close(project: Project) -> None:
    Project.objects.filter(pk=project.pk).update(stage=Project.Stage.CLOSED)


def form_data(**fields) -> dict:
    data = {
        "category": "estimation",
        "title": "Estimates were too optimistic",
        "what_happened": "Integration took twice the estimate.",
        "impact": "Two weeks late.",
        "recommendation": "Add a buffer for integration work.",
        "tags": "Estimation, integration, estimation",
    }
    data.update(fields)
    return {f"lesson-{name}": value for name, value in data.items()}


@pytest.fixture
def own_lesson(project, member):
    return lesson(project, member)


def urls(project, own_lesson) -> dict[str, str]:
    pk = project.pk
    return {
        "list": reverse("reports:lessons", args=[pk]),
        "offered": reverse("reports:lessons_offered", args=[pk]),
        "edit": reverse("reports:lesson_edit", args=[pk, own_lesson.pk]),
        "delete": reverse("reports:lesson_delete", args=[pk, own_lesson.pk]),
    }


def test_lesson_pages_are_404_for_an_outsider(client_for, outsider, project, own_lesson):
    """Every lessons page of a project is 404 for a non-member, whatever the method."""
    client = client_for(outsider)
    for url in urls(project, own_lesson).values():
        for method in ("get", "post", "put", "delete"):
            response = getattr(client, method)(url, form_data())
            assert response.status_code == 404, f"{method.upper()} {url}"
    assert list(LessonLearned.objects.all()) == [own_lesson]


def test_lesson_pages_viewer_reads_but_cannot_write(client_for, viewer, project, own_lesson):
    """A viewer reads the list and the offered panel; adding, editing, removing are 403."""
    client = client_for(viewer)
    pages = urls(project, own_lesson)
    response = client.get(pages["list"])
    assert response.status_code == 200
    assert "Vendor delivered the hardware late" in response.content.decode()
    assert "Add a lesson" not in response.content.decode()
    assert client.get(pages["offered"]).status_code == 200
    assert client.post(pages["list"], form_data()).status_code == 403
    assert client.get(pages["edit"]).status_code == 403
    assert client.post(pages["edit"], form_data()).status_code == 403
    assert client.post(pages["delete"]).status_code == 403
    assert list(LessonLearned.objects.all()) == [own_lesson]


def test_lesson_list_member_adds_a_lesson(client_for, member, project):
    """A member's lesson is saved with normalised tags and shown in the list."""
    client = client_for(member)
    response = client.post(reverse("reports:lessons", args=[project.pk]), form_data())
    assert response.status_code == 302
    saved = LessonLearned.objects.get()
    assert (saved.project, saved.created_by, saved.tags) == (
        project,
        member,
        ["estimation", "integration"],
    )
    page = client.get(response.url).content.decode()
    assert "Estimates were too optimistic" in page
    assert "Add a buffer for integration work." in page


def test_lesson_list_shows_errors_next_to_the_fields(client_for, member, project):
    """A lesson without a recommendation and with a 31-character tag is refused (400), each
    error next to its field, nothing saved."""
    response = client_for(member).post(
        reverse("reports:lessons", args=[project.pk]),
        form_data(recommendation="  ", tags="ok, " + "x" * 31),
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"recommendation", "tags"}
    assert "at most 30 characters" in form.errors["tags"][0]
    assert 'id="id_lesson-tags_error"' in response.content.decode()
    assert not LessonLearned.objects.exists()


def test_lesson_list_filters_by_category(client_for, viewer, project, member, own_lesson):
    """?category=people shows only people lessons."""
    people = lesson(project, member, category="people", title="Team burnt out")
    response = client_for(viewer).get(
        reverse("reports:lessons", args=[project.pk]), {"category": "people"}
    )
    assert response.context["lessons"] == [people]


def test_closed_project_accepts_a_lesson_but_no_other_write(
    client_for, manager, member, project, own_lesson
):
    """On a closed project a member still adds a lesson; editing or removing one (even the
    manager) is 403 with a clear message, and the add form is still offered."""
    close(project)
    client = client_for(member)
    page = client.get(reverse("reports:lessons", args=[project.pk]))
    assert "Add a lesson" in page.content.decode()
    assert "lessons learned can still be added" in page.content.decode()
    response = client.post(reverse("reports:lessons", args=[project.pk]), form_data())
    assert response.status_code == 302
    assert LessonLearned.objects.count() == 2
    pages = urls(project, own_lesson)
    manager_client = client_for(manager)
    response = manager_client.post(pages["edit"], {"version": 1, "title": "Changed"})
    assert response.status_code == 403
    assert "closed and read-only" in response.content.decode()
    assert manager_client.post(pages["delete"]).status_code == 403
    own_lesson.refresh_from_db()
    assert own_lesson.title == "Vendor delivered the hardware late"


def test_lesson_edit_by_the_author_and_the_manager_only(client_for, manager, project, own_lesson):
    """Another member cannot open or save the author's lesson; the manager can edit it."""
    other = UserFactory(username="olga")
    project.memberships.create(user=other, role="member")
    edit = reverse("reports:lesson_edit", args=[project.pk, own_lesson.pk])
    assert client_for(other).get(edit).status_code == 403
    assert client_for(other).post(edit, {"title": "Mine"}).status_code == 403
    client = client_for(manager)
    page = client.get(edit)
    assert page.status_code == 200
    assert page.context["form"]["tags"].value() == "vendor"
    data = {
        "version": 1,
        "category": "vendors",
        "title": "Vendor was late",
        "what_happened": own_lesson.what_happened,
        "impact": "",
        "recommendation": own_lesson.recommendation,
        "tags": "Vendor, Hardware",
    }
    assert client.post(edit, data).status_code == 302
    own_lesson.refresh_from_db()
    assert (own_lesson.title, own_lesson.tags, own_lesson.version) == (
        "Vendor was late",
        ["vendor", "hardware"],
        2,
    )


def test_lesson_edit_refuses_a_stale_form(client_for, member, project, own_lesson):
    """A form read at version 1, saved after someone else's edit, is refused (409) with a message
    and changes nothing."""
    lesson_update(lesson=own_lesson, by=member, version=1, impact="Someone else's edit")
    response = client_for(member).post(
        reverse("reports:lesson_edit", args=[project.pk, own_lesson.pk]),
        {
            "version": 1,
            "category": "vendors",
            "title": "Stale title",
            "what_happened": "x",
            "recommendation": "y",
        },
    )
    assert response.status_code == 409
    assert "Someone else changed this record" in response.content.decode()
    own_lesson.refresh_from_db()
    assert own_lesson.title == "Vendor delivered the hardware late"


def test_lesson_delete_by_the_author(client_for, member, project, own_lesson):
    """The author removes their lesson; GET on the delete URL is 405."""
    client = client_for(member)
    url = reverse("reports:lesson_delete", args=[project.pk, own_lesson.pk])
    assert client.get(url).status_code == 405
    assert client.post(url, {"version": "1"}).status_code == 302
    assert not LessonLearned.objects.exists()


# --- search across projects -----------------------------------------------------------------------


def test_lesson_search_never_shows_a_project_the_user_cannot_see(
    client_for, manager, project, member, outsider
):
    """Searching "vendor" finds the lessons of Maria's two projects, never the lesson with the
    same words in Oscar's project; each result names its project."""
    other = project_with(manager=manager)
    mine = lesson(project, member)
    theirs_too = lesson(other, manager, title="Vendor support was slow")
    hidden_project = outsider.memberships.get().project
    hidden = lesson(hidden_project, outsider, title="Vendor delivered the hardware late (secret)")
    response = client_for(manager).get(reverse("reports:lessons_search"), {"q": "vendor"})
    assert response.status_code == 200
    assert set(response.context["lessons"]) == {mine, theirs_too}
    page = response.content.decode()
    assert project.key in page and other.key in page
    assert hidden_project.key not in page and "(secret)" not in page
    assert hidden not in set(response.context["lessons"])


def test_lesson_search_htmx_returns_the_results_only(client_for, manager, project, member):
    """An htmx search answers with the results region only; a plain GET with the whole page."""
    lesson(project, member)
    client = client_for(manager)
    url = reverse("reports:lessons_search")
    partial = client.get(url, {"q": "vendor"}, HTTP_HX_TARGET="lesson-results", **HTMX)
    body = partial.content.decode()
    assert body.lstrip().startswith('<section id="lesson-results"')
    assert "Vendor delivered the hardware late" in body
    assert "<html" not in body
    full = client.get(url, {"q": "holiday"}).content.decode()
    assert "<html" in full and "No lessons match" in full


def test_lesson_search_reports_and_ignores_invalid_filters(client_for, manager, project, member):
    """An unknown category is reported next to its field and ignored, never a 500."""
    lesson(project, member)
    response = client_for(manager).get(
        reverse("reports:lessons_search"), {"category": "luck", "q": "vendor", "page": "x"}
    )
    assert response.status_code == 200
    assert "Ignored:" in response.content.decode()
    assert len(response.context["lessons"]) == 1


def test_lesson_search_is_linked_from_the_top_bar(client_for, manager, project):
    """The top navigation links to the search; the project navigation to the project's lessons."""
    page = client_for(manager).get(reverse("projects:overview", args=[project.pk]))
    body = page.content.decode()
    assert f'href="{reverse("reports:lessons_search")}"' in body
    assert f'href="{reverse("reports:lessons", args=[project.pk])}"' in body


@pytest.mark.parametrize("name", ["search", "list"])
def test_lesson_pages_query_count_is_constant(
    client_for, manager, member, project, django_assert_max_num_queries, name
):
    """The search and a project's list cost the same number of queries for 3 or 30 lessons."""
    client = client_for(manager)
    other = project_with(manager=manager, member=member)
    if name == "search":
        url, params = reverse("reports:lessons_search"), {"q": "vendor"}
    else:
        url, params = reverse("reports:lessons", args=[project.pk]), {}

    def grow(count: int) -> None:
        while LessonLearned.objects.count() < count:
            n = LessonLearned.objects.count()
            lesson(project if n % 2 else other, member if n % 3 else manager, tags=[f"t{n}"])

    grow(3)
    client.get(url, params)  # warm the session and the content types
    with CaptureQueriesContext(connection) as small:
        response = client.get(url, params)
    assert len(response.context["lessons"]) >= 1
    grow(30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url, params)
    assert len(response.context["lessons"]) >= 14


# --- lessons offered on a project being planned ---------------------------------------------------


def test_overview_of_a_project_being_planned_loads_the_lessons_offered(
    client_for, manager, project
):
    """Initiating and planning projects load the panel by URL; an executing one does not."""
    client = client_for(manager)
    overview = reverse("projects:overview", args=[project.pk])
    panel = reverse("reports:lessons_offered", args=[project.pk])
    assert f'hx-get="{panel}"' in client.get(overview).content.decode()
    Project.objects.filter(pk=project.pk).update(stage=Project.Stage.PLANNING)
    assert f'hx-get="{panel}"' in client.get(overview).content.decode()
    Project.objects.filter(pk=project.pk).update(stage=Project.Stage.EXECUTING)
    assert f'hx-get="{panel}"' not in client.get(overview).content.decode()


def test_lessons_offered_panel_shows_earlier_projects_of_the_type(
    client_for, manager, project, outsider
):
    """The panel (htmx) lists lessons of Maria's earlier software project, not Oscar's, and not
    an infrastructure project's; without htmx it is a page of its own."""
    earlier = project_with(manager=manager)
    Project.objects.filter(pk=earlier.pk).update(stage=Project.Stage.CLOSED)
    infra = project_with(manager=manager)
    Project.objects.filter(pk=infra.pk).update(type=Project.Type.INFRASTRUCTURE)
    lesson(earlier, manager, title="Automate the regression tests early")
    lesson(infra, manager, title="Order racks early")
    lesson(outsider.memberships.get().project, outsider, title="Oscar's secret")
    client = client_for(manager)
    url = reverse("reports:lessons_offered", args=[project.pk])
    body = client.get(url, **HTMX).content.decode()
    assert body.lstrip().startswith('<section id="lessons-offered"')
    assert "Lessons from earlier software delivery projects" in body
    assert "Automate the regression tests early" in body
    assert earlier.key in body
    assert "Order racks early" not in body and "Oscar" not in body
    assert "<html" in client.get(url).content.decode()


def test_lessons_offered_panel_when_there_are_none(client_for, manager, project):
    """No earlier lesson: the panel says so."""
    body = (
        client_for(manager)
        .get(reverse("reports:lessons_offered", args=[project.pk]), **HTMX)
        .content.decode()
    )
    assert "has recorded a lesson yet" in body


def test_lesson_list_offers_edit_only_where_allowed(client_for, manager, member, project):
    """A member sees Edit on their own lesson, not on the manager's; the manager on both."""
    mine = lesson(project, member, title="Mo's lesson")
    theirs = lesson(project, manager, title="Maria's lesson")
    url = reverse("reports:lessons", args=[project.pk])

    def edit_links(user) -> set[int]:
        body = client_for(user).get(url).content.decode()
        return {
            item.pk
            for item in (mine, theirs)
            if reverse("reports:lesson_edit", args=[project.pk, item.pk]) in body
        }

    assert edit_links(member) == {mine.pk}
    assert edit_links(manager) == {mine.pk, theirs.pk}
