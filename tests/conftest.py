"""Fixtures for the whole suite.

The suite runs on PostgreSQL when DATABASE_URL is set (CI always sets it) and on SQLite
otherwise; Redis, SMTP and the browser are real, never mocked.
"""

import os
import uuid

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.factories import UserFactory, project_with

PASSWORD = "correct horse battery staple"


def pytest_report_header(config: pytest.Config) -> list[str]:
    db = settings.DATABASES["default"]
    where = f"{db.get('HOST') or 'local'}:{db.get('PORT') or ''}/{db.get('NAME')}"
    return [
        f"database: {db['ENGINE'].rsplit('.', 1)[-1]} ({where})",
        f"celery broker: {settings.CELERY_BROKER_URL.split('@')[-1]}",
    ]


def pytest_configure(config: pytest.Config) -> None:
    # Parallel workers (and parallel runs) share one Redis: a prefix of their own keeps their
    # cache entries, such as API throttle counters, apart. Caches are built lazily, so setting
    # this before the first test takes effect.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    settings.CACHES["default"]["KEY_PREFIX"] = f"charter-test-{worker}-{uuid.uuid4().hex[:8]}"
    # Password hashing is deliberately slow; the suite creates hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def manager(db):
    return UserFactory(username="maria", first_name="Maria", last_name="Manager")


@pytest.fixture
def member(db):
    return UserFactory(username="mo", first_name="Mo", last_name="Member")


@pytest.fixture
def viewer(db):
    return UserFactory(username="vic", first_name="Vic", last_name="Viewer")


@pytest.fixture
def outsider(db):
    """A user with projects of their own but no membership in ``project``."""
    user = UserFactory(username="oscar", first_name="Oscar", last_name="Outsider")
    project_with(manager=user)
    return user


@pytest.fixture
def project(manager, member, viewer):
    return project_with(manager=manager, member=member, viewer=viewer)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for(client):
    """Log the Django test client in as a user: ``client_for(manager)``."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def api_for(api_client):
    """Authenticate the DRF test client as a user: ``api_for(manager)``."""

    def login(user):
        api_client.force_authenticate(user)
        return api_client

    return login
