"""Every page a user can reach by following links opens without a server error."""

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command

from projects.models import Project

# Where a crawl must not go: sign-out, the admin, files, and endless variants of one page.
SKIP_PREFIXES = ("/accounts/logout", "/admin/", "/static/", "/api/")
MAX_PAGES = 600


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def _internal(href: str) -> str | None:
    url, _ = urldefrag(href)
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(SKIP_PREFIXES):
        return None
    # One visit per path: query strings (sorting, filters, pages) multiply the same view.
    return parts.path


def _crawl(client) -> tuple[set[str], list[tuple[str, int]]]:
    seen: set[str] = {"/"}
    queue = deque(["/"])
    failures = []
    while queue and len(seen) <= MAX_PAGES:
        path = queue.popleft()
        response = client.get(path)
        if response.status_code >= 500:
            failures.append((path, response.status_code))
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        parser = _Links()
        parser.feed(response.content.decode())
        for href in parser.links:
            target = _internal(href)
            if target and target not in seen:
                seen.add(target)
                queue.append(target)
    return seen, failures


@pytest.mark.django_db
def test_crawl_every_linked_page_of_the_demo_opens_without_a_server_error(client):
    """Following every internal link from the dashboard, as the demo manager and as a sponsor
    with the viewer role, no page answers with a 5xx; the manager reaches every project."""
    call_command("seed_demo", verbosity=0)
    assert client.login(username="demo", password="charter-demo")
    seen, failures = _crawl(client)
    assert failures == []
    for project in Project.objects.all():
        assert f"/projects/{project.pk}/" in seen
    assert len(seen) > 100  # the crawl really went through the areas of each project

    client.logout()
    assert client.login(username="helen", password="charter-demo")
    seen, failures = _crawl(client)
    assert failures == []
    assert len(seen) > 50
