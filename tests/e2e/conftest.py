"""Browser fixtures: Debian's Chromium driven by Playwright's sync API against ``live_server``.

The browser is real and headless. Where /usr/bin/chromium is missing the journeys are skipped,
unless CHARTER_REQUIRE_BROWSER=1 (CI), where a missing browser is a failure. Set
CHARTER_SCREENSHOTS=/some/dir to keep a screenshot of each page a journey names.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told that this is deliberate (it is: the tests are sync).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium_browser():
    """One headless Chromium for the whole run (each test gets its own context)."""
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is not installed (apt-get install chromium) to run browser tests"
        if os.environ.get("CHARTER_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CHARTER_REQUIRE_BROWSER=1 but {reason}.")
        pytest.skip(f"{reason}.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_tab(chromium_browser, live_server):
    """A fresh browser tab (own cookies) whose relative URLs go to the live server."""
    context = chromium_browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 800}, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def snap():
    """``snap(page, "portfolio")`` keeps a full-page screenshot when CHARTER_SCREENSHOTS is set."""
    folder = os.environ.get("CHARTER_SCREENSHOTS")

    def take(page, name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def demo_data(transactional_db):
    """The demo data a newcomer gets: user demo / charter-demo managing five projects."""
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
