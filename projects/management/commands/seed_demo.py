"""Load Charter's demo data: five realistic IT projects (one of them closed), a demo manager,
team members and viewers.

The users, projects and memberships are made here; then each Charter app that has demo data
adds its part through the ``seed(context)`` it registered from its ``AppConfig.ready()``
(``projects.demo.register_demo_seeder``), in the apps' floor order. Idempotent: running it again
changes nothing that is already there (users keep their passwords unless --reset-passwords is
given).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from projects import clock, services
from projects.demo import DemoContext, demo_seeders, demo_shift
from projects.models import Membership, NotificationPreference, Project, Role
from projects.services.accounts import email_address_verify
from projects.services.notifications import DEFAULT_CHANNELS

Channel = NotificationPreference.Channel

DEMO_PASSWORD = "charter-demo"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str


USERS = [
    DemoUser("demo", "Dana", "Morgan"),
    DemoUser("priya", "Priya", "Raman"),
    DemoUser("tomasz", "Tomasz", "Nowak"),
    DemoUser("aisha", "Aisha", "Bello"),
    DemoUser("lucas", "Lucas", "Ferreira"),
    DemoUser("helen", "Helen", "Carter"),
    DemoUser("omar", "Omar", "Haddad"),
]


@dataclass(frozen=True)
class DemoProject:
    key: str
    name: str
    type: str
    methodology: str
    stage: str
    sponsor: str
    start: datetime.date
    finish: datetime.date
    currency: str
    time_zone: str
    description: str
    members: dict[str, str] = field(default_factory=dict)


PROJECTS = [
    DemoProject(
        key="PORTAL",
        name="Customer Portal 2.0",
        type=Project.Type.SOFTWARE,
        methodology=Project.Methodology.SCRUM,
        stage=Project.Stage.EXECUTING,
        sponsor="Omar Haddad, CIO",
        start=datetime.date(2026, 9, 7),
        finish=datetime.date(2027, 3, 26),
        currency="EUR",
        time_zone="Europe/Berlin",
        description=(
            "Rebuild the customer self-service portal: single sign-on, invoice download, "
            "ticket tracking and a public API for partners. Released in two-week sprints, "
            "with a public beta in January and general availability at the end of March."
        ),
        members={"priya": Role.MEMBER, "lucas": Role.MEMBER, "omar": Role.VIEWER},
    ),
    DemoProject(
        key="CLOUD",
        name="Data-centre to cloud migration",
        type=Project.Type.INFRASTRUCTURE,
        methodology=Project.Methodology.WATERFALL,
        stage=Project.Stage.PLANNING,
        sponsor="Omar Haddad, CIO",
        start=datetime.date(2026, 10, 5),
        finish=datetime.date(2027, 9, 30),
        currency="GBP",
        time_zone="Europe/London",
        description=(
            "Move 140 workloads from the Leeds data centre to the cloud before the co-location "
            "contract ends: landing zone, network and identity, migration waves by business "
            "criticality, and decommissioning of the old racks."
        ),
        members={"tomasz": Role.MEMBER, "aisha": Role.MEMBER, "helen": Role.VIEWER},
    ),
    DemoProject(
        key="SOC2",
        name="MFA roll-out and SOC 2 Type II readiness",
        type=Project.Type.CYBERSECURITY,
        methodology=Project.Methodology.HYBRID,
        stage=Project.Stage.EXECUTING,
        sponsor="Helen Carter, CFO",
        start=datetime.date(2026, 6, 1),
        finish=datetime.date(2027, 5, 28),
        currency="USD",
        time_zone="America/New_York",
        description=(
            "Enforce phishing-resistant multi-factor authentication for all 1,200 staff and "
            "contractors, close the gaps from the SOC 2 readiness assessment and pass the "
            "Type II audit window without exceptions."
        ),
        members={"aisha": Role.MEMBER, "tomasz": Role.MEMBER, "helen": Role.VIEWER},
    ),
    DemoProject(
        key="ERP",
        name="ERP roll-out: finance and procurement",
        type=Project.Type.DIGITAL_TRANSFORMATION,
        methodology=Project.Methodology.PRINCE2,
        stage=Project.Stage.INITIATING,
        sponsor="Helen Carter, CFO",
        start=datetime.date(2026, 11, 2),
        finish=datetime.date(2028, 1, 31),
        currency="EUR",
        time_zone="Europe/Amsterdam",
        description=(
            "Replace the legacy finance system with a cloud ERP for general ledger, accounts "
            "payable and purchasing across three countries; data migration, integrations with "
            "payroll and banking, training and a phased go-live by country."
        ),
        members={"lucas": Role.MEMBER, "priya": Role.MEMBER, "helen": Role.VIEWER},
    ),
    # Finished in September; ``reports.demo.closure`` closes it with the sponsor's sign-off and
    # records its lessons, which CLOUD (same type, in planning) is offered.
    DemoProject(
        key="WAN",
        name="Branch network refresh (SD-WAN)",
        type=Project.Type.INFRASTRUCTURE,
        methodology=Project.Methodology.WATERFALL,
        stage=Project.Stage.EXECUTING,
        sponsor="Omar Haddad, CIO",
        start=datetime.date(2026, 2, 2),
        finish=datetime.date(2026, 9, 25),
        currency="GBP",
        time_zone="Europe/London",
        description=(
            "Replace the MPLS network and end-of-life branch routers at 38 UK offices with "
            "SD-WAN: dual broadband or fibre circuits per site, new edge appliances and Wi-Fi, "
            "cut over site by site outside trading hours, then cease the MPLS contract."
        ),
        members={
            "tomasz": Role.MEMBER,
            "aisha": Role.MEMBER,
            "omar": Role.VIEWER,
            "helen": Role.VIEWER,
        },
    ),
]


class Command(BaseCommand):
    help = "Load demo users and projects (idempotent). Demo login: demo / charter-demo."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help=f"Set every demo user's password back to {DEMO_PASSWORD!r}.",
        )

    @transaction.atomic
    def handle(self, *args, reset_passwords: bool = False, **options) -> None:
        users = {u.username: self._user(u, reset_passwords) for u in USERS}
        shift = demo_shift(clock.today())
        manager = users["demo"]
        created = 0
        projects: dict[str, Project] = {}
        for spec in PROJECTS:
            project = Project.objects.filter(key=spec.key).first()
            if project is None:
                project = services.project_create(
                    by=manager,
                    name=spec.name,
                    key=spec.key,
                    type=spec.type,
                    methodology=spec.methodology,
                    stage=spec.stage,
                    sponsor=spec.sponsor,
                    start_date=spec.start + shift,
                    target_finish=spec.finish + shift,
                    currency=spec.currency,
                    time_zone=spec.time_zone,
                    description=spec.description,
                )
                created += 1
            projects[spec.key] = project
            for username, role in spec.members.items():
                if not Membership.objects.filter(project=project, user=users[username]).exists():
                    services.membership_add(
                        project=project, by=manager, user=users[username], role=role
                    )
        context = DemoContext(users=users, projects=projects, manager=manager)
        # Each app's seeder, in floor order: each one's demo data may build on the ones before.
        for _app, seed in demo_seeders():
            seed(context)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(PROJECTS)} projects ({created} new), {len(USERS)} users. "
                f"Log in as demo / {DEMO_PASSWORD}."
            )
        )

    def _user(self, spec: DemoUser, reset_password: bool):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.username}@charter.example",
            },
        )
        if created or reset_password:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        # Sign-in asks for a verified address: the demo's are (they receive nothing anyway).
        email_address_verify(user=user, email=user.email)
        if created:
            # The demo team reads its news in Charter and in the morning digest: seeding the
            # demo's assignments must not send a hundred e-mails to example.com addresses.
            NotificationPreference.objects.bulk_create(
                [
                    NotificationPreference(user=user, reason=reason, channel=Channel.DIGEST)
                    for reason, channel in DEFAULT_CHANNELS.items()
                    if channel == Channel.EMAIL
                ]
            )
        return user
