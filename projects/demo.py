"""Demo scope for the five demo projects: charter, objectives, WBS, deliverables, requirements
and change requests in different states (in a finished project, all delivered and decided).
Called by ``manage.py seed_demo``; each app that has demo data provides a ``demo.py`` with
``seed(context)`` the same way, and registers it from its ``AppConfig.ready()`` with
``register_demo_seeder`` (so this ground floor never imports, or looks up, a higher app).

Seeding a project's scope happens once: a project that already has a WBS is left alone.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser

from projects import clock, services
from projects.models import Project, ProjectTemplate
from projects.template_library import install_builtin_templates


@dataclass
class DemoContext:
    """What seed_demo made so far: users by username, projects by key, the demo manager."""

    users: dict[str, AbstractBaseUser]
    projects: dict[str, Project]
    manager: AbstractBaseUser


Seeder = Callable[[DemoContext], None]

# app label -> (floor order, seed); filled once at start-up by each app's AppConfig.ready().
_seeders: dict[str, tuple[int, Seeder]] = {}


def register_demo_seeder(app_label: str, seed: Seeder, order: int) -> None:
    """Say how ``app_label`` adds its demo data; ``order`` is its floor (projects 0, scheduling
    1, stakeholders 2, budgets 3, risks 4, reports 5): each app's data may build on the lower
    ones'."""
    _seeders[app_label] = (order, seed)


def demo_seeders() -> list[tuple[str, Seeder]]:
    """The registered seeders in floor order (app label as the tie-break)."""
    ordered = sorted(_seeders.items(), key=lambda item: (item[1][0], item[0]))
    return [(label, seed) for label, (_order, seed) in ordered]


# The demo's dates are written for the week of Monday 23 November 2026. Seeded in another week,
# every date moves by the same whole number of weeks (a Monday start stays a Monday), so the
# demo looks the same, and its figures come out the same, on any day it is loaded.
DEMO_WEEK = datetime.date(2026, 11, 23)


def demo_shift(today: datetime.date) -> datetime.timedelta:
    """How far the demo's written dates move to sit around ``today``: whole weeks."""
    monday = today - datetime.timedelta(days=today.weekday())
    return monday - DEMO_WEEK


def is_finished(project: Project, today: datetime.date) -> bool:
    """A demo project whose target finish has passed: all its work is done (WAN)."""
    return project.target_finish is not None and project.target_finish < today


CHARTERS = {
    "PORTAL": {
        "business_case": "Customers call the service desk 4,100 times a month for invoices and "
        "ticket updates. A self-service portal with single sign-on cuts those calls by half, "
        "saving about €380k a year, and is a condition of two enterprise renewals.",
        "in_scope": "Single sign-on; invoice list and PDF download; support tickets (create, "
        "track, comment); partner API with OAuth client credentials; English and German.",
        "out_of_scope": "Payments; mobile apps; migration of tickets older than two years.",
        "assumptions": "The identity provider supports OIDC; the billing API is stable.",
        "constraints": "General availability before the end of Q1 2027; WCAG 2.2 AA.",
        "success_criteria": "50% fewer invoice and ticket-status calls within three months of "
        "release; portal satisfaction of at least 4 out of 5.",
    },
    "CLOUD": {
        "business_case": "The Leeds co-location contract ends in October 2027. Renewing costs "
        "£1.9m over three years; moving to the cloud costs £1.2m once and lowers run cost by 18%.",
        "in_scope": "140 workloads in the application inventory; landing zone; network and "
        "identity; backups and monitoring; decommissioning of the Leeds racks.",
        "out_of_scope": "Re-architecting applications beyond what the move needs; end-user "
        "devices; the telephony platform.",
        "assumptions": "Application owners are available for their wave's testing window.",
        "constraints": "No migrations in the financial year-end freeze (March–April).",
        "success_criteria": "All in-scope workloads migrated and the racks empty by 30 September "
        "2027 with no priority-1 incident caused by a cut-over.",
    },
    "SOC2": {
        "business_case": "Three of our five largest prospects require a SOC 2 Type II report; "
        "the readiness assessment found 37 gaps, 9 of them high. MFA alone removes the most "
        "common breach path in our incident history.",
        "in_scope": "Phishing-resistant MFA for staff and contractors; logging and alerting; "
        "vulnerability management; security policies; evidence for the audit window.",
        "out_of_scope": "ISO 27001 certification; customer-facing MFA (separate project).",
        "assumptions": "The auditor is contracted by March; hardware keys arrive in six weeks.",
        "constraints": "Type II window of six months must close before May 2027.",
        "success_criteria": "Audit report with no exceptions; 100% of accounts with MFA enforced.",
    },
    "ERP": {
        "business_case": "The legacy finance system is out of vendor support from 2028, month-end "
        "takes 9 working days, and three countries run three charts of accounts. One cloud ERP "
        "closes the month in 4 days and retires five systems.",
        "in_scope": "General ledger, accounts payable, purchasing, fixed assets for the "
        "Netherlands, Germany and Belgium; payroll and bank integrations; data migration.",
        "out_of_scope": "Sales and inventory modules (phase 2); HR system replacement.",
        "assumptions": "A single global chart of accounts is agreed by the finance directors.",
        "constraints": "Go-live only at the start of a fiscal quarter; budget €2.4m.",
        "success_criteria": "All three countries live by January 2028; month-end close in 4 days.",
    },
    "WAN": {
        "business_case": "The MPLS contract for 38 branches ends in October 2026 and the branch "
        "routers are out of support. SD-WAN over dual broadband costs £410k once and saves "
        "£260k a year in circuit rental, with four times the bandwidth per site.",
        "in_scope": "38 UK branch offices: dual circuits, SD-WAN edge appliances, branch Wi-Fi "
        "access points, central orchestration and monitoring, cease of the MPLS circuits.",
        "out_of_scope": "Head office and data-centre core network; telephony handsets; "
        "overseas offices.",
        "assumptions": "Carriers deliver circuits within 60 working days of order; branch "
        "managers give access for surveys and out-of-hours cut-overs.",
        "constraints": "No cut-overs in the retail peak (November–December) nor in the "
        "quarter-end change freezes; every branch cut over before the MPLS cease date.",
        "success_criteria": "All 38 branches on SD-WAN by September 2026 with no branch down "
        "for more than one trading hour; MPLS ceased with no early-termination charge.",
    },
}

REQUIREMENTS = {
    "PORTAL": [
        ("Customers sign in once with their company identity (OIDC).", "Security", "must"),
        ("Customers list and download their invoices as PDF.", "Functional", "must"),
        ("Customers open, follow and comment on support tickets.", "Functional", "must"),
        ("Pages load in under 2 s at the 95th percentile.", "Performance", "should"),
        ("The portal meets WCAG 2.2 AA.", "Accessibility", "must"),
        ("Partners read ticket status through a documented API.", "Integration", "should"),
        ("Customers choose German or English.", "Usability", "could"),
    ],
    "CLOUD": [
        (
            "Every production workload has a tested restore under 4 hours.",
            "Backup and recovery",
            "must",
        ),
        ("Network latency between sites stays under 20 ms.", "Performance", "must"),
        ("Administrative access only through the privileged access platform.", "Security", "must"),
        ("Cost allocation tags on every resource.", "Operations", "should"),
        ("Data of EU customers stays in EU regions.", "Compliance", "must"),
        ("Monitoring alerts reach the on-call engineer within 5 minutes.", "Operations", "should"),
    ],
    "SOC2": [
        (
            "MFA with hardware keys or passkeys for every workforce account.",
            "Access control",
            "must",
        ),
        ("Security logs kept 12 months and searchable.", "Logging", "must"),
        ("Critical vulnerabilities fixed within 14 days.", "Compliance", "must"),
        ("Quarterly access reviews for production systems.", "Access control", "must"),
        ("Incident response plan tested twice a year.", "Incident response", "should"),
        ("Annual security awareness training for all staff.", "Training", "should"),
    ],
    "ERP": [
        ("One chart of accounts for all three countries.", "Business process", "must"),
        ("Three-way match of purchase order, receipt and invoice.", "Business process", "must"),
        ("Daily bank statement import for every bank account.", "Integration", "must"),
        ("Segregation of duties between purchasing and payment.", "Security and roles", "must"),
        ("VAT returns in the format of each country.", "Regulatory", "must"),
        ("Management reports available on the first working day.", "Reporting", "should"),
        ("Historical balances for five years migrated.", "Data", "could"),
    ],
    "WAN": [
        ("Every branch has two circuits from different carriers.", "Resilience", "must"),
        ("Fail-over between circuits within 3 seconds, calls kept up.", "Performance", "must"),
        ("Point-of-sale traffic prioritised over guest Wi-Fi.", "Network policy", "must"),
        ("Branch devices managed only from the central orchestrator.", "Security", "must"),
        ("Alerts for a lost circuit reach the NOC within 2 minutes.", "Operations", "should"),
        ("Guest Wi-Fi separated from the corporate network.", "Security", "must"),
    ],
}

CHANGE_REQUESTS = {
    "PORTAL": [
        (
            "Add Safari 16 support",
            "Two enterprise customers still run Safari 16.",
            3,
            "4500",
            "approved",
        ),
        (
            "Move the partner API to phase 2",
            "Frees two sprints for the invoice module.",
            -10,
            "-18000",
            "implemented",
        ),
        ("Dark mode", "Requested in beta feedback.", 4, "6000", "submitted"),
        ("Live chat in the portal", "Sales asked for a chat widget.", 15, "22000", "draft"),
    ],
    "CLOUD": [
        (
            "Add the reporting warehouse to wave 2",
            "Its hardware is out of support in June.",
            8,
            "36000",
            "submitted",
        ),
        (
            "Keep the mainframe on-premises",
            "Licensing makes the move uneconomic.",
            -15,
            "-120000",
            "approved",
        ),
        (
            "Second region for disaster recovery",
            "Not required by the current BIA.",
            25,
            "210000",
            "rejected",
        ),
    ],
    "SOC2": [
        (
            "Passkeys instead of hardware keys for contractors",
            "Faster to roll out remotely.",
            -5,
            "-9000",
            "approved",
        ),
        (
            "Extend the audit window by one month",
            "Hardware key delivery slipped.",
            20,
            "15000",
            "submitted",
        ),
        (
            "Add the marketing SaaS tools to scope",
            "The auditor flagged them as in scope.",
            12,
            "8000",
            "draft",
        ),
    ],
    "ERP": [
        (
            "Include fixed assets in phase 1",
            "Depreciation runs in the legacy system otherwise.",
            15,
            "85000",
            "approved",
        ),
        (
            "Add Luxembourg to the roll-out",
            "New subsidiary acquired in October.",
            30,
            "160000",
            "submitted",
        ),
        (
            "Custom approval workflow for capex",
            "The standard workflow fits with one rule.",
            10,
            "40000",
            "rejected",
        ),
    ],
    # Closed: every change decided (the closure checklist checks it).
    "WAN": [
        (
            "Add 4G back-up at the six rural branches",
            "Only one carrier offers fibre there; a second fixed line would take five months.",
            0,
            "7800",
            "implemented",
        ),
        (
            "Move the Glasgow and Aberdeen cut-overs after the June freeze",
            "The carrier missed the circuit date for both sites.",
            5,
            "2400",
            "implemented",
        ),
        (
            "Replace the branch Wi-Fi access points too",
            "The old access points cannot be managed from the SD-WAN orchestrator.",
            10,
            "38000",
            "approved",
        ),
        (
            "Keep MPLS at head office for another year",
            "The core network is out of scope; no business need after the cut-overs.",
            0,
            "52000",
            "rejected",
        ),
    ],
}


def seed(context: DemoContext) -> None:
    by = context.manager
    today = clock.today()
    install_builtin_templates()
    templates = {t.type: t for t in ProjectTemplate.objects.order_by("pk")}
    for key, project in context.projects.items():
        if project.work_packages.exists():
            continue
        template = templates.get(project.type)
        if template:
            services.template_apply(project=project, by=by, template=template)
        services.charter_update(project=project, by=by, version=None, **CHARTERS[key])
        finished = is_finished(project, today)
        _progress_deliverables(project, by, finished)
        deliverables = list(project.deliverables.order_by("pk"))
        for i, (text, category, priority) in enumerate(REQUIREMENTS[key]):
            status = ("approved", "implemented", "verified", "proposed")[i % 4]
            if finished:
                status = "verified"
            traced = [deliverables[i % len(deliverables)]] if deliverables and i % 5 != 4 else []
            services.requirement_create(
                project=project,
                by=by,
                text=text,
                category=category,
                priority=priority,
                status=status,
                source="Charter workshop",
                deliverables=traced,
            )
        for title, reason, days, cost, status in CHANGE_REQUESTS[key]:
            _change_request(project, by, title, reason, days, Decimal(cost), status)


# How far each demo deliverable has come, by its order in the project.
DELIVERABLE_PROGRESS = (
    ["in_progress", "submitted", "accepted"],
    ["in_progress", "submitted"],
    ["in_progress"],
)


def _progress_deliverables(project: Project, by: AbstractBaseUser, finished: bool) -> None:
    """Spread due dates over the project; in started projects move the first ones along, in a
    finished one accept them all."""
    deliverables = list(project.deliverables.order_by("pk"))
    span = (project.target_finish - project.start_date).days
    for index, deliverable in enumerate(deliverables):
        due = project.start_date + datetime.timedelta(
            days=span * (index + 1) // (len(deliverables) + 1)
        )
        deliverable = services.deliverable_update(
            deliverable=deliverable, by=by, version=None, due_date=due
        )
        if finished:
            steps = DELIVERABLE_PROGRESS[0]
        elif project.stage == Project.Stage.INITIATING or index >= len(DELIVERABLE_PROGRESS):
            continue
        else:
            steps = DELIVERABLE_PROGRESS[index]
        if "accepted" in steps:
            for criterion in deliverable.criteria.all():
                services.criterion_set_met(criterion=criterion, by=by, met=True)
        for status in steps:
            deliverable = services.deliverable_transition(deliverable=deliverable, by=by, to=status)


def _change_request(project, by, title, reason, days, cost, status) -> None:
    change = services.change_request_create(
        project=project,
        by=by,
        title=title,
        reason=reason,
        description=reason,
        schedule_impact=days,
        cost_impact=cost,
    )
    path = {
        "draft": [],
        "submitted": ["submitted"],
        "approved": ["submitted", "approved"],
        "rejected": ["submitted", "rejected"],
        "implemented": ["submitted", "approved", "implemented"],
    }[status]
    for step in path:
        decision = "Agreed at the change board." if step != "rejected" else "Not worth the cost."
        change = services.change_request_transition(
            change_request=change, by=by, to=step, reason=decision
        )
