"""Comments on records: the services' rules, the thread on a record's page, the comment pages."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from projects import services
from projects.exceptions import StaleEdit
from projects.models import Comment, Notification, Project
from projects.models.event import Event
from risks import services as risk_services
from scheduling import services as scheduling_services
from stakeholders import services as stakeholder_services
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(project, manager):
    return scheduling_services.task_create(project=project, by=manager, name="Build the API")


def comment_on(record, by, body="Looks good"):
    return services.comment_create(project=record.project, record=record, by=by, body=body)


def thread_url(project, resource, record):
    return reverse("projects:comments", args=(project.pk, resource, record.pk))


# --- services -------------------------------------------------------------------------------------


def test_comment_create_renders_markdown_and_keeps_the_mentioned_members(task, member, manager):
    """A comment's body is rendered once, its mentions are the members it names."""
    comment = comment_on(task, member, "**Done** — over to @maria")
    assert comment.body == "**Done** — over to @maria"
    assert "<strong>Done</strong>" in comment.body_html
    assert '<span class="mention">@maria</span>' in comment.body_html
    assert list(comment.mentions.all()) == [manager]
    assert (comment.author, comment.version, comment.target) == (member, 1, task)


def test_comment_create_records_the_event_with_mentions_and_excerpt(task, member, manager):
    """comment.created names the record, the author, the comment, who is mentioned, an excerpt."""
    comment = comment_on(task, member, "Ping @maria: " + "x" * 300)
    event = Event.objects.get(type="comment.created")
    assert (event.project_id, event.object_id, event.actor) == (task.project_id, task.pk, member)
    assert event.data["comment_id"] == comment.pk
    assert event.data["mentions"] == [manager.pk]
    assert event.data["excerpt"].startswith("Ping @maria: xxx")
    assert len(event.data["excerpt"]) == 200


def test_comment_mention_tells_the_member_mentioned(
    task, member, manager, viewer, eager_tasks, django_capture_on_commit_callbacks
):
    """Once the comment commits, the member it mentions has a notification; the author none."""
    with django_capture_on_commit_callbacks(execute=True):
        comment_on(task, member, "@vic please have a look")
    assert list(
        Notification.objects.filter(recipient=viewer).values_list("event__type", "reason")
    ) == [("comment.created", Notification.Reason.MENTIONED)]
    assert not Notification.objects.filter(recipient=member).exists()


def test_comment_create_refuses_mentions_of_non_members_alike(task, member, outsider):
    """An outsider's username and a name nobody has are refused with the same words."""
    with pytest.raises(ValidationError) as known:
        comment_on(task, member, f"cc @{outsider.username}")
    with pytest.raises(ValidationError) as unknown:
        comment_on(task, member, "cc @nobody")
    assert known.value.message_dict["body"] == [
        f"@oscar is not a member of {task.project.key}: only members of the project can be "
        "mentioned."
    ]
    assert (
        known.value.message_dict["body"][0].replace("oscar", "nobody")
        == (unknown.value.message_dict["body"][0])
    )
    assert not Comment.objects.exists()
    assert not Event.objects.filter(type="comment.created").exists()


def test_comment_create_refuses_an_empty_body(task, member):
    """Blank is not a comment."""
    with pytest.raises(ValidationError) as refused:
        comment_on(task, member, "   \n ")
    assert refused.value.message_dict["body"] == ["Write something in the comment."]


def test_comment_create_refuses_a_record_of_another_project(task, outsider):
    """The record must be the project's."""
    other = outsider.memberships.get().project
    with pytest.raises(ValidationError):
        services.comment_create(project=other, record=task, by=outsider, body="hi")


def test_comment_update_keeps_the_old_body_in_history(task, member, viewer):
    """An edit replaces the body, bumps the version, marks it edited; history has both."""
    comment = comment_on(task, member, "First take")
    edited = services.comment_update(comment=comment, by=member, version=1, body="Second take")
    assert (edited.body, edited.version) == ("Second take", 2)
    assert edited.edited_at is not None
    bodies = list(comment.history.order_by("history_date").values_list("body", flat=True))
    assert bodies == ["First take", "Second take"]


def test_comment_update_refuses_a_stale_version(task, member):
    """Editing from an old read is refused, never a silent overwrite."""
    comment = comment_on(task, member, "v1")
    services.comment_update(comment=comment, by=member, version=1, body="v2")
    with pytest.raises(StaleEdit):
        services.comment_update(comment=comment, by=member, version=1, body="v3")
    comment.refresh_from_db()
    assert comment.body == "v2"


def test_comment_edit_adding_a_mention_tells_the_newly_mentioned_once(
    task, member, manager, viewer, eager_tasks, django_capture_on_commit_callbacks
):
    """An edit that adds @maria tells her once; @vic, mentioned before, and the author hear
    nothing new; the same body again, or new words without a new name, tell nobody."""
    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_on(task, member, "@vic please have a look")
    with django_capture_on_commit_callbacks(execute=True):
        edited = services.comment_update(
            comment=comment, by=member, version=1, body="@vic please have a look, @maria too"
        )
    event = Event.objects.get(type="comment.edited")
    assert (event.object_id, event.actor, event.data["mentions"]) == (task.pk, member, [manager.pk])
    assert list(
        Notification.objects.filter(recipient=manager).values_list("event__type", "reason")
    ) == [("comment.edited", Notification.Reason.MENTIONED)]
    with django_capture_on_commit_callbacks(execute=True):
        same = services.comment_update(
            comment=edited, by=member, version=2, body="@vic please have a look, @maria too"
        )
        services.comment_update(
            comment=same, by=member, version=2, body="@vic please look, @maria as well"
        )
    assert Notification.objects.filter(recipient=manager).count() == 1
    assert Notification.objects.filter(recipient=viewer).count() == 1  # the comment's own
    assert not Notification.objects.filter(recipient=member).exists()
    assert Event.objects.filter(type="comment.edited").count() == 2  # the same body: no edit


def test_comment_edit_refuses_mentions_of_non_members_as_on_create(task, member, outsider):
    """An edit naming an outsider is refused with the create's words; nothing changes."""
    comment = comment_on(task, member, "First take")
    with pytest.raises(ValidationError) as refused:
        services.comment_update(
            comment=comment, by=member, version=1, body=f"cc @{outsider.username}"
        )
    assert refused.value.message_dict["body"] == [
        f"@oscar is not a member of {task.project.key}: only members of the project can be "
        "mentioned."
    ]
    comment.refresh_from_db()
    assert (comment.body, comment.version) == ("First take", 1)
    assert not Event.objects.filter(type="comment.edited").exists()


def test_comment_update_only_by_its_author(task, member, manager):
    """Nobody, a manager neither, edits someone else's words."""
    comment = comment_on(task, member)
    with pytest.raises(PermissionDenied):
        services.comment_update(comment=comment, by=manager, version=1, body="Rewritten")


def test_comment_delete_by_author_leaves_a_deleted_marker(task, member):
    """Deleting empties the body and marks it deleted; its history keeps what it said."""
    comment = comment_on(task, member, "Oops, the password is hunter2")
    deleted = services.comment_delete(comment=comment, by=member)
    assert deleted.is_deleted and deleted.body == "" and deleted.body_html == ""
    assert deleted.deleted_by == member
    assert "Oops, the password is hunter2" in comment.history.values_list("body", flat=True)
    with pytest.raises(ValidationError):
        services.comment_update(comment=deleted, by=member, version=None, body="Back")


def test_comment_delete_of_someone_else_needs_a_manager(task, member, manager):
    """A member cannot delete a colleague's comment; a manager can."""
    comment = comment_on(task, manager, "From the manager")
    other = comment_on(task, member, "From the member")
    with pytest.raises(PermissionDenied):
        services.comment_delete(comment=comment, by=member)
    assert services.comment_delete(comment=other, by=manager).is_deleted


@pytest.mark.parametrize("kind", ["task", "risk"])
def test_comments_go_with_their_record(project, manager, member, task, kind):
    """Deleting the record deletes its comments, and no other record's."""
    risk = risk_services.risk_create(project=project, by=manager, title="Vendor slips")
    record, other = (task, risk) if kind == "task" else (risk, task)
    comment_on(record, member, "On the doomed one")
    kept = comment_on(other, member, "On the other one")
    if kind == "task":
        scheduling_services.task_delete(task=task, by=manager)
    else:
        risk_services.risk_delete(risk=risk, by=manager)
    assert list(Comment.objects.all()) == [kept]


# --- pages ----------------------------------------------------------------------------------------


def test_task_page_shows_the_thread_and_takes_a_comment_without_javascript(
    client_for, project, task, member, manager
):
    """A plain POST adds the comment and goes back to the task page, where it shows rendered."""
    client = client_for(member)
    url = thread_url(project, "tasks", task)
    page = client.get(reverse("scheduling:task_detail", args=(project.pk, task.pk)))
    assert b'id="comments"' in page.content and b"No comments yet." in page.content
    response = client.post(url, {"body": "Ready for *review*, @maria"})
    comment = Comment.objects.get()
    detail = reverse("scheduling:task_detail", args=(project.pk, task.pk))
    assert response.status_code == 302
    assert response["Location"] == f"{detail}#comment-{comment.pk}"
    html = client.get(detail).content.decode()
    assert "Ready for <em>review</em>" in html
    assert '<span class="mention">@maria</span>' in html


def test_thread_with_htmx_answers_the_thread_alone(client_for, project, task, member):
    """With htmx the POST answers the swapped section, with the new comment in it."""
    response = client_for(member).post(
        thread_url(project, "tasks", task), {"body": "Via htmx"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="comments"')
    assert "Via htmx" in html and "<html" not in html


def test_thread_refuses_a_non_member_mention_on_the_form(client_for, project, task, member):
    """The page answers 400 with the reason next to the comment field; nothing is saved."""
    response = client_for(member).post(thread_url(project, "tasks", task), {"body": "@oscar hi"})
    assert response.status_code == 400
    assert "@oscar is not a member of" in response.content.decode()
    assert not Comment.objects.exists()
    htmx = client_for(member).post(
        thread_url(project, "tasks", task), {"body": "@oscar hi"}, headers={"HX-Request": "true"}
    )
    assert htmx.status_code == 200 and "@oscar is not a member of" in htmx.content.decode()


def test_viewer_reads_the_thread_but_cannot_comment(client_for, project, task, member, viewer):
    """A viewer sees the comments, no form, and a POST is refused (403)."""
    comment_on(task, member, "Visible to viewers")
    client = client_for(viewer)
    page = client.get(reverse("scheduling:task_detail", args=(project.pk, task.pk)))
    html = page.content.decode()
    assert "Visible to viewers" in html and 'aria-label="New comment"' not in html
    assert client.post(thread_url(project, "tasks", task), {"body": "Me too"}).status_code == 403


def test_comment_pages_are_404_for_non_members_and_foreign_records(
    client_for, project, task, member, outsider
):
    """A non-member gets 404 on every comment URL; a record of another project is 404 too."""
    comment = comment_on(task, member)
    urls = [
        thread_url(project, "tasks", task),
        reverse("projects:comment_edit", args=(project.pk, "tasks", task.pk, comment.pk)),
        reverse("projects:comment_delete", args=(project.pk, "tasks", task.pk, comment.pk)),
    ]
    client = client_for(outsider)
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"body": "x"}).status_code == 404, url
    own = outsider.memberships.get().project
    foreign = reverse("projects:comments", args=(own.pk, "tasks", task.pk))
    assert client.get(foreign).status_code == 404
    assert client.post(foreign, {"body": "x"}).status_code == 404
    assert client_for(member).get(thread_url(project, "meetings", task)).status_code == 404
    assert Comment.objects.count() == 1


def test_comment_edit_and_delete_pages(client_for, project, task, member):
    """The author edits on a page of its own and deletes; the thread then says it was deleted."""
    comment = comment_on(task, member, "Draft")
    client = client_for(member)
    edit = reverse("projects:comment_edit", args=(project.pk, "tasks", task.pk, comment.pk))
    assert "Draft" in client.get(edit).content.decode()
    assert client.post(edit, {"body": "Final", "version": 1}).status_code == 302
    stale = client.post(edit, {"body": "Older", "version": 1})
    assert stale.status_code == 400 and "Someone else changed this record" in stale.content.decode()
    delete = reverse("projects:comment_delete", args=(project.pk, "tasks", task.pk, comment.pk))
    assert client.post(delete).status_code == 302
    html = client.get(reverse("scheduling:task_detail", args=(project.pk, task.pk))).content
    assert b"This comment was deleted" in html and b"Final" not in html


def test_comment_edit_refused_to_others(client_for, project, task, member, manager):
    """Another member (or the manager) gets 403 on the edit page; no Edit button is shown."""
    comment = comment_on(task, member, "Mine")
    edit = reverse("projects:comment_edit", args=(project.pk, "tasks", task.pk, comment.pk))
    assert client_for(manager).get(edit).status_code == 403
    html = client_for(manager).get(thread_url(project, "tasks", task)).content.decode()
    assert edit not in html  # the manager may delete it, not edit it
    assert "Delete" in html


def test_closed_project_thread_is_read_only(client_for, project, task, manager):
    """Comments stay readable on a closed project; writing is refused."""
    comment_on(task, manager, "Before closing")
    Project.objects.filter(pk=project.pk).update(stage=Project.Stage.CLOSED)
    client = client_for(manager)
    page = client.get(thread_url(project, "tasks", task))
    assert page.status_code == 200 and 'aria-label="New comment"' not in page.content.decode()
    assert client.post(thread_url(project, "tasks", task), {"body": "After"}).status_code == 403


def test_registers_link_each_row_to_its_comments(client_for, project, manager, member):
    """Requirements, issues, decisions and action items link "Comments (n)" from their rows."""
    requirement = services.requirement_create(project=project, by=manager, text="SSO")
    issue = risk_services.issue_create(project=project, by=manager, title="Outage")
    decision = stakeholder_services.decision_record(
        project=project, by=manager, title="Go", decided_by="Board", date=project.start_date
    )
    action = stakeholder_services.action_item_create(
        project=project, by=manager, title="Minutes", owner=manager, due_date=project.start_date
    )
    comment_on(requirement, member)
    comment_on(requirement, member)
    services.comment_delete(comment=comment_on(requirement, member), by=member)
    client = client_for(member)
    for listing, resource, record, count in [
        ("projects:requirements", "requirements", requirement, 2),
        ("risks:issues", "issues", issue, 0),
        ("stakeholders:decisions", "decisions", decision, 0),
        ("stakeholders:actions", "action-items", action, 0),
    ]:
        html = client.get(reverse(listing, args=(project.pk,))).content.decode()
        assert f'href="{thread_url(project, resource, record)}"' in html, listing
        assert f"Comments ({count})" in html, listing
        assert client.get(thread_url(project, resource, record)).status_code == 200


@pytest.mark.parametrize(
    "page", ["scheduling:task_detail", "projects:comments"], ids=["task page", "thread page"]
)
def test_thread_queries_do_not_grow_with_comments(
    client_for, project, task, manager, member, page, django_assert_max_num_queries
):
    """A thread of 20 comments (deleted and mentioning ones too) costs what a thread of 1 does."""
    args = (
        (project.pk, task.pk)
        if page == "scheduling:task_detail"
        else (project.pk, "tasks", task.pk)
    )
    url = reverse(page, args=args)
    client = client_for(member)
    comment_on(task, manager, "One @mo")
    client.get(url)  # warm the content-type cache
    with django_assert_max_num_queries(100) as one:
        assert client.get(url).status_code == 200
    colleague = UserFactory(username="cy")
    project.memberships.create(user=colleague, role="member")
    for n in range(19):
        comment = comment_on(task, [manager, member, colleague][n % 3], f"Note {n} @mo")
        if n % 5 == 0:
            services.comment_delete(comment=comment, by=manager)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(url).status_code == 200


def test_comment_thread_of_another_project_record_is_404_even_when_ids_match(
    client_for, manager, member
):
    """Same id, other project: 404 (the record is looked up within the URL's project)."""
    first = project_with(manager=manager, member=member)
    second = project_with(manager=manager)
    task = scheduling_services.task_create(project=second, by=manager, name="Theirs")
    assert client_for(member).get(thread_url(first, "tasks", task)).status_code == 404
