"""Browser journey: a manager invites someone by e-mail; the invitee opens the link from the
e-mail (delivered over real SMTP), creates an account and lands in the project."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.e2e


@pytest.fixture
def team_project(transactional_db):
    maria = UserFactory(username="maria", first_name="Maria", last_name="Manager")
    return project_with(manager=maria)


def test_invitation_journey(
    browser_tab: Page,
    chromium_browser,
    live_server,
    team_project,
    password,
    smtp_server,
    settings,
    eager_tasks,
    snap,
):
    """Invite → e-mail → link → account → the project is visible to the newcomer."""
    settings.SITE_URL = live_server.url
    project = team_project
    page = browser_tab
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill("maria")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/projects/{project.pk}/members/")
    page.get_by_role("textbox", name="Invite by e-mail").fill("nina@example.com")
    page.locator("#id_invite_role").select_option("viewer")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to nina@example.com")).to_be_visible()
    expect(page.locator("table.invitations")).to_contain_text("Pending")
    snap(page, "invitation-sent")

    assert len(smtp_server.messages) == 1
    recipients, message = smtp_server.messages[0]
    assert recipients == ["nina@example.com"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S+/invitations/\S+/", text).group(0)

    # The invitee, in a browser of their own (no session).
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 800})
    invitee = context.new_page()
    try:
        invitee.goto(link)
        expect(invitee.get_by_role("heading", name=f"Join {project.key}")).to_be_visible()
        invitee.get_by_label("Username").fill("nina")
        invitee.get_by_label("First name").fill("Nina")
        # The required fields' labels end in an asterisk: the inputs by id.
        invitee.locator("#id_password1").fill("a-long-enough-passphrase")
        invitee.locator("#id_password2").fill("a-long-enough-passphrase")
        invitee.get_by_role("button", name="Create my account and join").click()
        expect(invitee.get_by_text(f"Welcome to Charter and to {project.key}")).to_be_visible()
        snap(invitee, "invitation-accepted")
        invitee.goto(link)
        expect(invitee.get_by_text("already been accepted")).to_be_visible()
    finally:
        context.close()
