"""Every project page of every app answers through the one access door, in one order: 404 for a
non-member whatever the method, then 405 (with an ``Allow`` header naming exactly the methods the
page takes) for a method it does not take, whatever the role, then 403 with the reason for a
write the role does not allow.

The pages are collected from the URL resolver, not listed by hand, so a page added later is
swept too, and fails here until ``ARGUMENTS`` says how to find one of its records.
"""

import pathlib
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, reverse

from projects.models import Project
from tests.api import test_access as api_probe
from tests.reports import test_closed_read_only as closed_sweep

pytestmark = pytest.mark.django_db

APPS = ("projects", "scheduling", "stakeholders", "budgets", "risks", "reports", "interchange")
PROBED = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
PAGES = closed_sweep._page_patterns()
PAGE_IDS = [name for name, _ in PAGES]

# How to find one record of an open project for each URL argument: the closed-project sweep's
# table, with the records an open project makes differently.
ARGUMENTS = {
    **closed_sweep.ARGUMENTS,
    ("reports", "item_pk"): api_probe._closure_item_of,
    ("reports", "report_pk"): api_probe._status_report_of,
    ("reports", "lesson_pk"): api_probe._lesson_of,
}

# Writes that concern only the reader, which a viewer may make like any member: following a
# record (they hear of its events; the record itself is unchanged).
PERSONAL_WRITES = {"projects:record_watch"}

# The reason a 403 page shows when the refusal carries none (templates/403.html).
NO_REASON = "Your role does not allow this action."


def _url(name: str, pattern: URLPattern, project: Project) -> str:
    namespace = name.split(":")[0]
    groups = pattern.pattern.regex.groupindex
    kwargs: dict = {"pk": project.pk}
    for group in groups:
        if group in kwargs:
            continue
        make = ARGUMENTS.get((namespace, group))
        if make is None:
            pytest.fail(f"No record to probe {name}: add ({namespace!r}, {group!r}) to ARGUMENTS.")
        value = make(project)
        kwargs.update(value if isinstance(value, dict) else {group: value})
    return reverse(name, kwargs={k: v for k, v in kwargs.items() if k in groups})


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _send(client: Client, method: str, url: str):
    return client.generic(method, url)


def _allow(response) -> set[str]:
    return {m.strip() for m in response.get("Allow", "").split(",") if m.strip()}


def _reason(response) -> str:
    """The sentence under the 403 page's heading."""
    found = re.search(r"</h1>\s*<p>(.*?)</p>", response.content.decode(), re.S)
    return found.group(1).strip() if found else ""


@pytest.mark.parametrize(("name", "pattern"), PAGES, ids=PAGE_IDS)
def test_door_answers_every_page_in_one_order(
    name, pattern, project, manager, member, viewer, outsider
):
    """404 to a non-member for every method; 405 with an exact Allow header to any member for
    a method the page does not take; 403 with its reason to a viewer's write; never a 5xx."""
    url = _url(name, pattern, project)

    stranger = _client(outsider)
    for method in ("GET", "POST", "PUT"):
        assert _send(stranger, method, url).status_code == 404, f"{method} {url} by a non-member"

    refused = _send(_client(viewer), "PUT", url)
    assert refused.status_code == 405, f"PUT {url} by a viewer: {refused.status_code}"
    allowed = _allow(refused)
    assert allowed, f"{url}: 405 without an Allow header"
    assert allowed <= {"GET", "HEAD", "POST"}, f"{url} allows {allowed}"
    assert ("GET" in allowed) == ("HEAD" in allowed), f"{url}: GET and HEAD go together"
    for user, method in ((member, "DELETE"), (manager, "PATCH")):
        response = _send(_client(user), method, url)
        assert response.status_code == 405, f"{method} {url}: {response.status_code}"
        assert _allow(response) == allowed, f"{method} {url}: Allow differs by role"

    reader = _client(viewer)
    for method in ("GET", "HEAD", "POST"):
        response = _send(reader, method, url)
        status = response.status_code
        assert status < 500, f"{method} {url} by a viewer: {status}"
        assert (status == 405) == (method not in allowed), (
            f"{method} {url}: {status}, but Allow is {sorted(allowed)}"
        )
        if method == "POST" and "POST" in allowed and name not in PERSONAL_WRITES:
            assert status == 403, f"POST {url} by a viewer: {status}"
        if method == "POST" and name in PERSONAL_WRITES:
            assert status in (200, 302), f"POST {url} by a viewer: {status}"
        if status == 403 and method != "HEAD":
            reason = _reason(response)
            assert reason and reason != NO_REASON, f"{method} {url}: 403 without its reason"


def test_door_sweep_covers_every_app():
    """The sweep reaches the pages of every app (so it is not vacuous)."""
    assert {name.split(":")[0] for name in PAGE_IDS} == set(APPS)
    assert len(PAGE_IDS) > 100


def test_door_is_written_once():
    """No app writes a door of its own: the method check and the read/write method sets live
    in ``projects/views/base.py`` only, and every page module imports them from there."""
    root = pathlib.Path(settings.BASE_DIR)
    own = re.compile(r"HttpResponseNotAllowed\(|^def _?door\(|^READ(_WRITE)? = ", re.M)
    copies = []
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if relative == "projects/views/base.py" or "/api" in relative:
                continue
            if own.search(path.read_text()):
                copies.append(relative)
    assert copies == []
