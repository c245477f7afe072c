"""Browser journey: a manager adds a webhook to a receiver on loopback, reads its secret once,
sends a test event, sees it succeed in the delivery log and redelivers it (same event id);
an address to a cloud metadata service is refused next to the field."""

import pytest
from playwright.sync_api import Page, expect

from interchange.models import Webhook
from tests.factories import UserFactory, project_with
from tests.interchange.test_webhooks import SECRET, Receiver

pytestmark = pytest.mark.e2e


@pytest.fixture
def team_project(transactional_db):
    maria = UserFactory(username="maria", first_name="Maria", last_name="Manager")
    return project_with(manager=maria)


@pytest.fixture
def loopback_receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def test_webhooks_journey(
    browser_tab: Page, team_project, password, loopback_receiver, eager_tasks, settings, snap
):
    """Add → secret shown once → test event succeeds → redeliver repeats its id → SSRF refusal."""
    project, page, receiver = team_project, browser_tab, loopback_receiver
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill("maria")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/projects/{project.pk}/")
    page.get_by_role("link", name="Webhooks").click()
    expect(page.get_by_text("No webhooks yet.")).to_be_visible()

    page.get_by_label("Payload URL").fill(receiver.url)
    page.get_by_label("Secret").fill(SECRET)
    page.get_by_role("button", name="Add webhook").click()
    expect(page.get_by_text(f"Its secret, shown this once: {SECRET}")).to_be_visible()
    assert Webhook.objects.get().events == ["*"]

    page.get_by_role("button", name="Send test event").click()
    log = page.locator("table.webhook-deliveries")
    expect(log).to_contain_text("webhook.test")
    expect(log).to_contain_text("Succeeded")
    snap(page, "webhook-log")
    assert [b["type"] for b in receiver.bodies] == ["webhook.test"]
    assert receiver.requests[0]["verified"]

    page.get_by_role("button", name="Redeliver").first.click()
    expect(page.get_by_text("sent again")).to_be_visible()
    expect(log.locator("tbody tr")).to_have_count(2)
    expect(log).to_contain_text("(redelivery)")
    assert len({b["id"] for b in receiver.bodies}) == 1 and len(receiver.bodies) == 2
    expect(page.get_by_text(SECRET)).to_have_count(0)  # the secret was shown once

    settings.WEBHOOK_ALLOW_PRIVATE = False
    page.get_by_role("link", name="← Webhooks").click()
    page.get_by_label("Payload URL").fill("http://169.254.169.254/latest/meta-data/")
    page.get_by_role("button", name="Add webhook").click()
    expect(page.locator("#id_url_error")).to_contain_text("a cloud metadata address")
    assert Webhook.objects.count() == 1
