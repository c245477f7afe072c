"""Security headers: a Content-Security-Policy that allows scripts from Charter's own origin only,
pages without inline script, and no caching of a signed-in user's responses."""

import re
from collections import deque
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.urls import reverse
from knox.models import AuthToken

from tests.config.test_crawl import _internal, _Links

pytestmark = pytest.mark.django_db

CSP = "Content-Security-Policy"
# <script> types that hold data, not code: a browser never runs them, so CSP does not apply.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


def _directives(response) -> dict[str, list[str]]:
    policy = response[CSP]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


class _InlineCode(HTMLParser):
    """Collects what a strict policy refuses: inline <script>, event-handler attributes,
    javascript: URLs and <style> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "script" and not named.get("src"):
            if (named.get("type") or "").lower() not in DATA_SCRIPT_TYPES:
                self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")
            if value and value.strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL in {name} of <{tag}>")


def test_security_csp_allows_scripts_from_our_origin_only(client):
    """The sign-in page carries a policy: scripts from 'self' only, no inline, no eval."""
    directives = _directives(client.get(reverse("login")))
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["style-src-elem"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]


def _kind(path: str) -> str:
    """A page's kind: its path with ids taken out ("/projects/<id>/tasks/<id>/")."""
    return re.sub(r"/\d+(?=/|$)", "/<id>", path)


def test_security_crawl_pages_carry_the_policy_and_no_inline_script(client):
    """Every kind of page the demo manager reaches by links (one of each: the template is the
    same for every project) carries the policy and holds no inline script, event-handler
    attribute, javascript: URL or <style> element."""
    call_command("seed_demo", verbosity=0)
    assert client.login(username="demo", password="charter-demo")
    kinds, queue, problems, pages = {"/"}, deque(["/"]), [], 0
    while queue:
        path = queue.popleft()
        response = client.get(path)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        pages += 1
        if CSP not in response:
            problems.append((path, "no Content-Security-Policy"))
        html = response.content.decode()
        inline = _InlineCode()
        inline.feed(html)
        problems.extend((path, what) for what in inline.found)
        links = _Links()
        links.feed(html)
        for href in links.links:
            target = _internal(href)
            if target and _kind(target) not in kinds:
                kinds.add(_kind(target))
                queue.append(target)
    assert problems == []
    assert pages > 80, pages  # the walk really went through every area


def test_security_inline_script_detector_finds_what_the_policy_refuses():
    """The crawl's detector is not blind: it reports each kind it looks for."""
    inline = _InlineCode()
    inline.feed(
        '<script>alert(1)</script><script src="/static/x.js"></script>'
        '<script type="application/json">{}</script><a href="javascript:go()" onclick="go()">'
        "<style>p{}</style>"
    )
    assert inline.found == [
        "inline <script>",
        "javascript: URL in href of <a>",
        "onclick= on <a>",
        "<style> element",
    ]


def test_security_signed_in_pages_are_private_and_not_stored(client_for, manager, project):
    """A signed-in user's page answers Cache-Control: private, no-store."""
    response = client_for(manager).get(reverse("projects:overview", args=[project.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_security_api_with_a_token_is_private_and_not_stored(client, manager, project):
    """An API answer to a token (no session) is not cacheable either."""
    _, token = AuthToken.objects.create(manager)
    response = client.get("/api/v1/projects/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_security_anonymous_pages_and_static_files_stay_cacheable(
    client, client_for, manager, settings
):
    """Static files (even to a signed-in user) and anonymous answers carry no no-store."""
    settings.WHITENOISE_USE_FINDERS = True  # serve static files as development does
    response = client_for(manager).get("/static/css/charter.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    client.logout()
    assert "Cache-Control" not in client.get("/no-such-page/")
