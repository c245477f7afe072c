"""Browser journey: a member comments on a task, mentioning the manager; the comment shows in
place, rendered, with the mention marked; a mention of someone outside the project is refused on
the form; the author edits the comment and deletes it, and the thread says it was deleted."""

import pytest
from playwright.sync_api import Page, expect

from projects.models import Comment
from scheduling import services
from tests.e2e.helpers import htmx_idle
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.e2e


@pytest.fixture
def task_project(transactional_db):
    """A project with a manager (maria), a member (dev), a task; oscar is in another project."""
    maria = UserFactory(username="maria", first_name="Maria", last_name="Manager")
    dev = UserFactory(username="dev", first_name="Dev", last_name="Eloper")
    project_with(manager=UserFactory(username="oscar"))
    project = project_with(manager=maria, member=dev)
    task = services.task_create(project=project, by=maria, name="Build the API", duration=3)
    return project, task


def _log_in(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Portfolio", exact=True)).to_be_visible()


def test_comments_journey_mention_edit_delete(browser_tab: Page, task_project, password, snap):
    """A comment with a mention appears rendered in place; an outsider's mention is refused."""
    page = browser_tab
    project, task = task_project
    _log_in(page, "dev", password)
    page.goto(f"/projects/{project.pk}/schedule/tasks/{task.pk}/")
    thread = page.locator("#comments")
    expect(thread.get_by_text("No comments yet.")).to_be_visible()
    htmx_idle(page)

    thread.get_by_role("textbox", name="Comment").fill("Ready for **review**, @oscar")
    thread.get_by_role("button", name="Comment").click()
    expect(page.locator("#comments").get_by_text("@oscar is not a member of")).to_be_visible()
    assert not Comment.objects.exists()
    htmx_idle(page)

    page.locator("#comments").get_by_role("textbox", name="Comment").fill(
        "Ready for **review**, @maria"
    )
    page.locator("#comments").get_by_role("button", name="Comment").click()
    mention = page.locator("#comments .comment .mention")
    expect(mention).to_have_text("@maria")
    expect(page.locator("#comments .comment strong", has_text="review")).to_be_visible()
    expect(page.locator("#comments .panel-title .count")).to_have_text("1")
    # Swapped in place by htmx: still the task page, no reload.
    assert page.url.endswith(f"/schedule/tasks/{task.pk}/")
    snap(page, "comment-posted")
    htmx_idle(page)

    page.locator("#comments").get_by_role("link", name="Edit").click()
    editor = page.get_by_role("form", name="Edit your comment")
    expect(editor).to_be_visible()
    htmx_idle(page)
    editor.get_by_role("textbox", name="Comment").fill("Reviewed, thanks @maria")
    editor.get_by_role("button", name="Save").click()
    expect(page.locator("#comments .comment-body")).to_contain_text("Reviewed, thanks")
    expect(page.locator("#comments").get_by_text("(edited)")).to_be_visible()
    htmx_idle(page)

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#comments").get_by_role("button", name="Delete").click()
    expect(page.locator("#comments").get_by_text("This comment was deleted")).to_be_visible()
    expect(page.locator("#comments .panel-title .count")).to_have_text("0")
    comment = Comment.objects.get()
    assert comment.is_deleted
    assert "Ready for **review**, @maria" in comment.history.values_list("body", flat=True)
