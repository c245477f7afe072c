"""Comments over the API: /api/v1/projects/{id}/<resource>/{record_pk}/comments/[{pk}/]."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import services
from projects.models import Comment, Project
from risks import services as risk_services
from scheduling import services as scheduling_services
from stakeholders import services as stakeholder_services
from tests.factories import UserFactory
from tests.projects.test_markup import elements

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(project, manager):
    return scheduling_services.task_create(project=project, by=manager, name="Build")


def comments_url(project, resource, record, comment=None) -> str:
    url = f"/api/v1/projects/{project.pk}/{resource}/{record.pk}/comments/"
    return f"{url}{comment.pk if hasattr(comment, 'pk') else comment}/" if comment else url


def comment_on(record, by, body="Agreed"):
    return services.comment_create(project=record.project, record=record, by=by, body=body)


RECORDS = {
    "tasks": lambda p, by: scheduling_services.task_create(project=p, by=by, name="Build"),
    "deliverables": lambda p, by: services.deliverable_create(project=p, by=by, name="Pilot"),
    "requirements": lambda p, by: services.requirement_create(project=p, by=by, text="SSO"),
    "change-requests": lambda p, by: services.change_request_create(project=p, by=by, title="X"),
    "risks": lambda p, by: risk_services.risk_create(project=p, by=by, title="Vendor slips"),
    "issues": lambda p, by: risk_services.issue_create(project=p, by=by, title="Outage"),
    "decisions": lambda p, by: stakeholder_services.decision_record(
        project=p, by=by, title="Go", decided_by="Board", date=p.start_date
    ),
    "action-items": lambda p, by: stakeholder_services.action_item_create(
        project=p, by=by, title="Minutes", owner=by, due_date=p.start_date
    ),
}


@pytest.mark.parametrize("resource", list(RECORDS))
def test_comments_api_create_and_list_on_every_kind(api_for, project, manager, member, resource):
    """Every commentable kind takes a comment (201) and lists it with its rendered body."""
    record = RECORDS[resource](project, manager)
    client = api_for(member)
    created = client.post(
        comments_url(project, resource, record), {"body": "Over to **@maria**"}, format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["author"] == member.pk and body["author_name"] == "Mo Member"
    assert body["mentions"] == [manager.pk]
    assert '<strong><span class="mention">@maria</span></strong>' in body["body_html"]
    assert (body["version"], body["is_deleted"]) == (1, False)
    listed = client.get(comments_url(project, resource, record)).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]


def test_comments_api_refuses_mentions_of_non_members_alike(api_for, project, task, member):
    """400 on body for an outsider and for a name nobody has, in the same words."""
    UserFactory(username="stranger")
    client = api_for(member)
    url = comments_url(project, "tasks", task)
    known = client.post(url, {"body": "cc @stranger"}, format="json")
    unknown = client.post(url, {"body": "cc @ghost"}, format="json")
    assert known.status_code == unknown.status_code == 400
    assert known.json()["body"] == [
        f"@stranger is not a member of {project.key}: only members of the project can be mentioned."
    ]
    assert known.json()["body"][0].replace("stranger", "ghost") == unknown.json()["body"][0]
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "<img src=x onerror=alert(1)>",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="https://example.com" onclick="alert(1)">x</a>',
    ],
)
def test_comments_api_renders_xss_inert(api_for, project, task, member, payload):
    """The body comes back as typed; its HTML has no script, handler or unsafe link."""
    response = api_for(member).post(
        comments_url(project, "tasks", task), {"body": payload}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["body"] == payload
    for tag, attrs in elements(response.json()["body_html"]):
        assert tag in {"p", "a", "code"}, tag
        assert not any(name.startswith("on") for name in attrs)
        assert attrs.get("href", "https:").split(":")[0] in {"http", "https", "mailto"}


def test_comments_api_viewer_reads_but_cannot_write(api_for, project, task, member, viewer):
    """A viewer lists comments (200); posting, editing or deleting is 403 and changes nothing."""
    comment = comment_on(task, member)
    client = api_for(viewer)
    assert client.get(comments_url(project, "tasks", task)).status_code == 200
    assert client.post(comments_url(project, "tasks", task), {"body": "Me"}).status_code == 403
    detail = comments_url(project, "tasks", task, comment)
    assert client.patch(detail, {"body": "Hijack"}, format="json").status_code == 403
    assert client.delete(detail).status_code == 403
    comment.refresh_from_db()
    assert (comment.body, comment.is_deleted) == ("Agreed", False)


def test_comments_api_non_member_and_foreign_records_are_404(
    api_for, project, task, member, outsider
):
    """A non-member gets 404 on the thread and a comment; another project's record is 404."""
    comment = comment_on(task, member)
    client = api_for(outsider)
    for url in (
        comments_url(project, "tasks", task),
        comments_url(project, "tasks", task, comment),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"body": "x"}, format="json").status_code == 404
        assert client.delete(url).status_code == 404
    own = outsider.memberships.get().project
    foreign = comments_url(own, "tasks", task)
    assert client.get(foreign).status_code == 404
    assert client.post(foreign, {"body": "x"}, format="json").status_code == 404
    # A member asking for a comment through another record of the same project: 404.
    other = scheduling_services.task_create(project=project, by=member, name="Other")
    assert api_for(member).get(comments_url(project, "tasks", other, comment)).status_code == 404
    assert api_for(member).get(comments_url(project, "meetings", task)).status_code == 404
    assert Comment.objects.count() == 1


def test_comments_api_edit_own_with_version(api_for, project, task, member):
    """The author edits with the version read (200, version 2); the old version is a 409."""
    comment = comment_on(task, member, "First")
    client = api_for(member)
    url = comments_url(project, "tasks", task, comment)
    edited = client.patch(url, {"body": "Second", "version": 1}, format="json")
    assert edited.status_code == 200
    assert (edited.json()["body"], edited.json()["version"]) == ("Second", 2)
    assert edited.json()["edited_at"]
    stale = client.patch(url, {"body": "Third", "version": 1}, format="json")
    assert stale.status_code == 409
    assert "changed this record" in stale.json()["detail"]
    comment.refresh_from_db()
    assert comment.body == "Second"


def test_comments_api_only_the_author_edits(api_for, project, task, member, manager):
    """A manager cannot rewrite a member's comment (403)."""
    comment = comment_on(task, member, "Mine")
    response = api_for(manager).patch(
        comments_url(project, "tasks", task, comment), {"body": "Theirs"}, format="json"
    )
    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Mine"


def test_comments_api_delete_marks_deleted(api_for, project, task, member, manager):
    """DELETE by a manager (or the author) is 204; the comment stays listed as deleted, no body;
    a member deleting someone else's comment is 403."""
    by_manager = comment_on(task, manager, "Manager's")
    by_member = comment_on(task, member, "Member's")
    assert (
        api_for(member).delete(comments_url(project, "tasks", task, by_manager)).status_code == 403
    )
    assert (
        api_for(manager).delete(comments_url(project, "tasks", task, by_member)).status_code == 204
    )
    rows = api_for(member).get(comments_url(project, "tasks", task)).json()["results"]
    assert [(r["body"], r["is_deleted"]) for r in rows] == [("Manager's", False), ("", True)]
    assert rows[1]["deleted_by"] == manager.pk


def test_comments_api_closed_project_is_read_only(api_for, project, task, manager):
    """On a closed project comments are listed, never written."""
    comment = comment_on(task, manager)
    Project.objects.filter(pk=project.pk).update(stage=Project.Stage.CLOSED)
    client = api_for(manager)
    assert client.get(comments_url(project, "tasks", task)).status_code == 200
    assert client.post(comments_url(project, "tasks", task), {"body": "x"}).status_code == 403
    assert client.delete(comments_url(project, "tasks", task, comment)).status_code == 403


def test_comments_api_empty_body_is_400(api_for, project, task, member):
    """A blank comment is refused with a message on body."""
    response = api_for(member).post(
        comments_url(project, "tasks", task), {"body": "  "}, format="json"
    )
    assert response.status_code == 400 and "body" in response.json()


def test_comments_api_list_queries_do_not_grow(api_for, project, task, manager, member):
    """Listing 20 comments (with mentions and deletions) costs what listing 1 does."""
    client = api_for(member)
    url = comments_url(project, "tasks", task)
    comment_on(task, manager, "One @mo")
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    one = count()
    for n in range(19):
        comment = comment_on(task, [manager, member][n % 2], f"Note {n} @mo @maria")
        if n % 4 == 0:
            services.comment_delete(comment=comment, by=manager)
    assert count() == one
