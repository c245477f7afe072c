"""Browser journey: under the Content-Security-Policy htmx still edits in place and the browser
reports no violation, on pages with htmx, server-placed Gantt bars and the API docs."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.e2e.helpers import htmx_idle
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.e2e

# Runs before any page script (injected by the browser, not by the page, so CSP allows it).
_LISTEN = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(event.violatedDirective + ' ' + (event.blockedURI || 'inline'));
});
"""


def test_csp_journey_htmx_works_and_nothing_is_refused(
    browser_tab: Page, transactional_db, password
):
    """A manager adds a work package in place with htmx, opens the Gantt and the API docs; the
    browser reports no CSP violation and htmx injected no style of its own."""
    manager = UserFactory(username="maria", first_name="Maria", last_name="Manager")
    project = project_with(manager=manager)
    page = browser_tab
    page.add_init_script(_LISTEN)
    console = []
    page.on("console", lambda message: console.append(message.text))

    def violations() -> list[str]:
        return page.evaluate("window.__cspViolations") + [
            text for text in console if "Content Security Policy" in text
        ]

    page.goto("/")
    page.get_by_label("Username or e-mail").fill("maria")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.goto(reverse("projects:wbs", args=[project.pk]))
    htmx_idle(page)
    new_top = page.get_by_label("New top-level work package")
    new_top.fill("Design")
    new_top.press("Enter")
    expect(page.locator("#wbs-tree").get_by_text("Added 1 Design.")).to_be_visible()
    htmx_idle(page)
    # htmx swapped the tree in place: the page is the one we loaded, and htmx's own
    # indicator <style> (which the policy would refuse) was never injected.
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert violations() == []

    page.goto(reverse("scheduling:gantt", args=[project.pk]))
    htmx_idle(page)
    assert violations() == []

    page.goto("/api/docs/")
    # The first request of a process builds the OpenAPI schema: seconds on a busy machine.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Charter API", timeout=40_000)
    assert violations() == []
