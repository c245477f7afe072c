"""Fixtures of the stakeholders tests: a small WBS and register, a real SMTP server."""

import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller

from projects import services as project_services
from stakeholders import services


@pytest.fixture
def wbs(project, manager):
    """1 Design · 2 Build (2.1 Backend) · 3 Test."""
    design = project_services.work_package_add(project=project, by=manager, name="Design")
    build = project_services.work_package_add(project=project, by=manager, name="Build")
    backend = project_services.work_package_add(
        project=project, by=manager, name="Backend", parent=build
    )
    test = project_services.work_package_add(project=project, by=manager, name="Test")
    return {"Design": design, "Build": build, "Backend": backend, "Test": test}


@pytest.fixture
def people(project, manager):
    """Four stakeholders, one per quadrant, each at the edge of it (power/interest 2 or 3)."""
    spec = {
        "Sam Sponsor": (3, 3),  # manage closely
        "Cora CISO": (3, 2),  # keep satisfied
        "Ian Interested": (2, 3),  # keep informed
        "Mona Monitor": (2, 2),  # monitor
    }
    return {
        name: services.stakeholder_create(
            project=project,
            by=manager,
            name=name,
            email=f"{name.split()[0].lower()}@client.example",
            power=power,
            interest=interest,
        )
        for name, (power, interest) in spec.items()
    }


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
