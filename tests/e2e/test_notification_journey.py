"""Browser journey: work assigned to me shows on the bell; I open it from my notifications,
land on the task, and the bell clears; I choose how I hear of assignments."""

import pytest
from playwright.sync_api import Page, expect

from projects.models import NotificationPreference
from scheduling import services as schedule_services
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.e2e


@pytest.fixture
def team(transactional_db):
    maria = UserFactory(username="maria", first_name="Maria", last_name="Manager")
    mo = UserFactory(username="mo", first_name="Mo", last_name="Member")
    return project_with(manager=maria, member=mo), maria, mo


def test_notification_journey(browser_tab: Page, live_server, team, password, eager_tasks, snap):
    project, maria, mo = team
    # Maria gives Mo a task (committed: the event is fanned out as the embedded default does).
    task = schedule_services.task_create(
        project=project, by=maria, name="Migrate the DNS zone", duration=2, owner=mo
    )
    page = browser_tab
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill("mo")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()

    bell = page.locator("#notification-bell")
    expect(bell.locator(".bell-count")).to_have_text("1")
    bell.click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    item = page.get_by_role("link", name="Task 'Migrate the DNS zone' was assigned to you")
    expect(item).to_be_visible()
    snap(page, "notifications")
    item.click()
    expect(page).to_have_url(f"{live_server.url}/projects/{project.pk}/schedule/tasks/{task.pk}/")
    expect(page.locator("#notification-bell .bell-count")).to_have_count(0)

    page.goto("/account/notifications/")
    page.get_by_label("Assigned to you").select_option("digest")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Notification settings saved.")).to_be_visible()
    assert NotificationPreference.objects.get(user=mo, reason="assigned").channel == "digest"
