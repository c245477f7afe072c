"""Fixtures for the whole suite.

The suite runs on PostgreSQL when DATABASE_URL is set (CI always sets it) and on SQLite
otherwise; Redis, SMTP and the browser are real, never mocked.
"""

import datetime
import email
import os
import socket
import tempfile
import uuid
from email import policy

import pytest
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.http import HttpRequest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import UserFactory, project_with

PASSWORD = "correct horse battery staple"

# The suite's clock (projects/clock.py): every test sees the same "now", whatever the calendar
# says, so a test never passes on one day and fails on another. The tests marked
# ``date_sensitive`` (the demo's figures: everything seeded relative to today) run again with
# the clock moved +30 and +365 days, to prove they do not depend on the day either.
# ``--clock-shift-days=N`` moves the clock for a whole run.
FROZEN_NOW = datetime.datetime(2026, 11, 26, 12, 0, tzinfo=datetime.UTC)
DATE_SHIFTS = (0, 30, 365)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock-shift-days",
        type=int,
        default=0,
        help="Move the suite's frozen clock this many days from its fixed instant.",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("date_sensitive"):
        # First, so that fixtures which seed data (the browser tests' demo) see the moved clock.
        metafunc.fixturenames.insert(0, "clock_shift")
        metafunc.parametrize(
            "clock_shift", DATE_SHIFTS, indirect=True, ids=[f"clock+{d}d" for d in DATE_SHIFTS]
        )


@pytest.fixture
def clock_shift(request, settings) -> datetime.datetime:
    """Move the frozen clock by the test's parameter (days) for this test alone."""
    settings.CHARTER_NOW += datetime.timedelta(days=request.param)
    return settings.CHARTER_NOW


def pytest_report_header(config: pytest.Config) -> list[str]:
    db = settings.DATABASES["default"]
    where = f"{db.get('HOST') or 'local'}:{db.get('PORT') or ''}/{db.get('NAME')}"
    return [
        f"database: {db['ENGINE'].rsplit('.', 1)[-1]} ({where})",
        f"celery broker: {settings.CELERY_BROKER_URL.split('@')[-1]}",
        f"clock frozen at: {settings.CHARTER_NOW.isoformat()}",
    ]


def pytest_configure(config: pytest.Config) -> None:
    # Parallel workers (and parallel runs) share one Redis: a prefix of their own keeps their
    # cache entries, such as API throttle counters, apart. Caches are built lazily, so setting
    # this before the first test takes effect.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    settings.CACHES["default"]["KEY_PREFIX"] = f"charter-test-{worker}-{uuid.uuid4().hex[:8]}"
    # Password hashing is deliberately slow; the suite creates hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    shift = datetime.timedelta(days=config.getoption("--clock-shift-days"))
    settings.CHARTER_NOW = FROZEN_NOW + shift
    # Uploaded files (attachments) go to a folder of the run's own, never var/media.
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="charter-media-")


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


class SignInClient(Client):
    """Django's test client, whose ``login()`` passes a request to ``authenticate()``.

    The sign-in lockout's backend (django-axes, first in AUTHENTICATION_BACKENDS) refuses an
    ``authenticate()`` without the request it protects; Django's ``Client.login()`` passes none.
    A blank request is axes' own advice for tests, and counts as a sign-in from no address.
    """

    def login(self, **credentials) -> bool:
        credentials.setdefault("request", HttpRequest())
        return super().login(**credentials)


@pytest.fixture
def client() -> Client:
    """pytest-django's ``client``, able to ``login()`` with a password (``SignInClient``)."""
    return SignInClient()


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


# --- real components: an SMTP server on loopback, a Celery worker on Redis -------------------


class Mailbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd API)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[tuple[list[str], email.message.EmailMessage]]:
        return [
            (list(e.rcpt_tos), email.message_from_bytes(e.content, policy=policy.default))
            for e in self.envelopes
        ]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback, and Django's SMTP backend pointed at it."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process even when REDIS_URL points the app at a broker: the test
    must see what the task did, and no worker of this test's database is running."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


@pytest.fixture
def worker_queue():
    """A real Celery worker on Redis consuming a queue of this test's own.

    Parallel test processes share one Redis; a private queue keeps each one's tasks on the worker
    that can see its test database.
    """
    if not settings.REDIS_URL:
        if os.environ.get("CI"):
            pytest.fail("REDIS_URL is not set: CI must test Celery against a real Redis.")
        pytest.skip("REDIS_URL is not set; Celery runs eagerly (the embedded default).")
    from config.celery import app as celery_app

    queue = f"charter-test-{uuid.uuid4().hex}"
    with start_worker(
        celery_app, queues=[queue], perform_ping_check=False, pool="solo", shutdown_timeout=20
    ):
        yield queue
