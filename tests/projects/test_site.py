"""SITE_URL: the origin links in e-mails start with, learned from requests when it is not set."""

import pytest
from django.core.cache import cache

from projects.site import CACHE_KEY, DEFAULT_SITE_URL, site_url
from stakeholders.models import Approval
from stakeholders.services.approvals import approval_url


@pytest.fixture
def unset_site_url(settings):
    """SITE_URL not set in the environment, a host of our own allowed, nothing learned yet."""
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "charter.test", "testserver"]
    cache.delete(CACHE_KEY)
    yield
    cache.delete(CACHE_KEY)


def test_site_url_learns_the_origin_of_a_signed_in_request(
    unset_site_url, client_for, manager, project
):
    """With SITE_URL unset, a signed-in request on charter.test:9000 makes e-mail links (built
    later, without a request, as a worker does) point there instead of port 8000."""
    client_for(manager).get("/projects/", HTTP_HOST="charter.test:9000")

    assert site_url() == "http://charter.test:9000"
    link = approval_url(Approval(project=project, pk=7))
    assert link.startswith("http://charter.test:9000/projects/")


def test_site_url_is_not_learned_from_anonymous_requests(unset_site_url, client):
    """A request nobody signed in to (a health check, a bot) does not move the links."""
    client.get("/accounts/login/", HTTP_HOST="charter.test:9000")

    assert site_url() == DEFAULT_SITE_URL


def test_site_url_from_the_environment_wins(unset_site_url, settings, client_for, manager):
    """SITE_URL set in the environment is used as it is, whatever host requests come in on."""
    settings.SITE_URL = "https://charter.example.org"
    client_for(manager).get("/projects/", HTTP_HOST="charter.test:9000")

    assert site_url() == "https://charter.example.org"
    assert cache.get(CACHE_KEY) is None
