"""Demo risk data for the demo projects: a register of 12–16 realistic risks per project
(threats and a few opportunities, with causes, responses, actions, residual ratings, schedule
impacts on the project's tasks and cost impacts), two that occurred and became issues, a
closed one, three-point estimates on most unfinished tasks, and one finished Monte Carlo
forecast. A finished project's risks are closed but those handed over to operations, its issues
closed. Called by ``manage.py seed_demo`` after the budgets demo; a project that already has
risks is left alone.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from projects import clock
from projects.demo import DemoContext, is_finished
from projects.models import Membership, Project
from risks import services
from risks.models import Category, Kind, Risk, Status, Strategy
from scheduling.models import Task

C, S = Category, Strategy
FORECAST_ITERATIONS = 2_000


@dataclass(frozen=True)
class DemoRisk:
    title: str
    category: str
    probability: int
    impact: int
    cause: str
    event: str
    effect: str
    strategy: str
    response: str
    contingency: str = ""
    trigger: str = ""
    cost: int = 0
    days: int = 0
    steps: tuple[str, ...] = ()  # task name words the schedule impact falls on, in preference
    residual: tuple[int, int] | None = None
    actions: tuple[str, ...] = ()
    kind: str = Kind.THREAT
    only: tuple[str, ...] = field(default=())  # project keys it applies to (all when empty)


BUILD = ("Implement", "Build", "Configure")
TEST = ("Review and test", "Verify", "Validate", "Test")
DESIGN = ("Refine", "Design", "Analyse", "Assess")
CLOSE = ("Document", "Hand over", "Sign off", "Evidence")

# fmt: off
RISKS = [
    DemoRisk(
        "Vendor delivery slips", C.VENDOR, 4, 3,
        "The vendor's delivery depends on a release still in their beta programme.",
        "The vendor delivers the licensed component three or more weeks late.",
        "Build work waits and the integration window moves into the freeze.",
        S.MITIGATE, "Weekly vendor stand-up; contract milestone with service credits.",
        "Switch the team to work that does not need the component; escalate to the account exec.",
        "Vendor misses the beta drop or moves a roadmap date.", 18_000, 12, BUILD, (3, 3),
        ("Add delivery milestone and service credits to the order form",
         "Agree a fallback scope that needs no vendor component"),
    ),
    DemoRisk(
        "Data migration defects", C.TECHNICAL, 3, 4,
        "Legacy records have duplicates and free-text fields with no validation.",
        "Trial migrations show reconciliation errors above 0.5%.",
        "Extra migration cycles and a late cut-over; users lose trust in the new data.",
        S.MITIGATE, "Data profiling in week one; an owner per data domain signs off cleansing.",
        "Run an extra trial migration; defer low-value history to an archive.",
        "First trial migration reconciliation below 99.5%.", 25_000, 10, TEST, (2, 3),
        ("Profile the legacy data and publish the defect list",
         "Name a business owner for each data domain"),
    ),
    DemoRisk(
        "Penetration test finds critical issues", C.SECURITY, 3, 4,
        "New authentication flows and a public API widen the attack surface.",
        "The external pen test reports critical or high findings before go-live.",
        "Go-live waits for fixes and a retest.",
        S.MITIGATE, "Threat model in design; SAST/DAST in the pipeline; a pre-test with the team.",
        "Ring-fence two sprints of capacity for fixes; retest only the affected scope.",
        "Internal pre-test finds a high-severity issue.", 15_000, 8, TEST, (2, 3),
        ("Run a threat-modelling workshop", "Book the retest slot with the pen-test firm"),
    ),
    DemoRisk(
        "Low user adoption", C.ORGANISATIONAL_CHANGE, 3, 3,
        "Users are used to the old way of working and training is scheduled late.",
        "Fewer than 60% of target users use the new service a month after launch.",
        "The business case's savings are not realised; the old process keeps running.",
        S.MITIGATE, "Change champions per department; training before launch; usage dashboard.",
        "Targeted floor-walking and a second wave of training.",
        "Training sign-ups below 50% two weeks before launch.", 12_000, 0, (), (2, 2),
        ("Recruit change champions in each department", "Publish the training calendar"),
    ),
    DemoRisk(
        "Key person leaves", C.RESOURCE, 2, 4,
        "One architect holds most of the design knowledge; the job market is hot.",
        "The lead architect resigns or is moved to another programme.",
        "Design decisions stall for weeks while a replacement gets up to speed.",
        S.MITIGATE, "Pair on every design decision; keep decision records; retention talk.",
        "Bring in the partner's architect on a short contract.",
        "Signs of disengagement; a competing internal request for the person.", 20_000, 10,
        DESIGN, (1, 3), ("Write architecture decision records for open decisions",),
    ),
    DemoRisk(
        "Cloud cost overrun", C.COST, 3, 3,
        "Environments are sized for peak and left running; no budgets or alerts yet.",
        "Monthly cloud spend runs more than 20% over the forecast.",
        "The run-cost business case weakens; finance asks for cuts mid-project.",
        S.MITIGATE, "Budgets and alerts per account; auto-shutdown of non-production at night.",
        "Rightsizing sprint; reserved capacity for stable workloads.",
        "Spend above 80% of the monthly budget by day 20.", 30_000, 0, (), (2, 2),
        ("Set budgets and alerts on every cloud account",),
    ),
    DemoRisk(
        "Scope creep from stakeholder requests", C.SCHEDULE, 4, 3,
        "Stakeholders see early demos and ask for more.",
        "Unapproved features enter the sprint or work plan.",
        "Committed dates slip and the team works overtime.",
        S.AVOID, "Every request goes through change control; the sponsor decides trade-offs.",
        "Re-plan with the sponsor: drop or defer lower-value scope.",
        "More than three change requests in a month.", 10_000, 7, BUILD, (2, 2),
        ("Publish the change control procedure to stakeholders",),
    ),
    DemoRisk(
        "Third-party API instability", C.TECHNICAL, 3, 3,
        "The integration depends on a partner API with no SLA for the test environment.",
        "The partner's test environment is down or changes without notice during integration.",
        "Integration testing stalls; defects are found late.",
        S.MITIGATE, "Contract tests and a local stub of the API; named contact at the partner.",
        "Test against the stub and run a short end-to-end window when the API is back.",
        "Two outages of the partner test environment in a week.", 8_000, 6, TEST, (2, 2),
        ("Build a stub of the partner API for tests",),
    ),
    DemoRisk(
        "Regulatory change during delivery", C.COMPLIANCE, 2, 4,
        "A regulator consultation on data retention closes this year.",
        "New rules require changes to how records are kept or reported.",
        "Rework of data retention and reporting; audit findings if ignored.",
        S.ACCEPT, "Watch the consultation; legal reviews the draft rules each quarter.",
        "Raise a change request with the estimated rework.",
        "Final rules published.", 14_000, 0, (), None,
        ("Ask legal for a quarterly regulatory watch note",),
    ),
    DemoRisk(
        "Performance below target under load", C.TECHNICAL, 2, 3,
        "New architecture not yet tested at production volumes.",
        "Response times exceed targets in the load test.",
        "Tuning work before go-live; possible extra infrastructure cost.",
        S.MITIGATE, "Load test early on a production-like environment; performance budget.",
        "Scale out and optimise the slowest queries first.",
        "First load test misses the p95 target.", 9_000, 5, TEST, (1, 3),
        ("Schedule an early load test",),
    ),
    DemoRisk(
        "Contractor fixed-price claim", C.VENDOR, 2, 3,
        "The statement of work leaves interfaces loosely defined.",
        "The contractor claims extra cost for interface work.",
        "Budget overrun and a dispute that slows delivery.",
        S.TRANSFER, "Tighten the statement of work; interface specs signed off before build.",
        "Negotiate against the change budget; escalate to procurement.",
        "Contractor raises a variation notice.", 22_000, 0, (), (1, 3),
        ("Review the statement of work with procurement",),
    ),
    DemoRisk(
        "Test environment not ready", C.SCHEDULE, 3, 3,
        "Environments are built by a shared infrastructure team with other priorities.",
        "The integrated test environment is late or unstable.",
        "Testing starts late and is compressed.",
        S.MITIGATE, "Infrastructure as code for the test environment; booked capacity.",
        "Test in a reduced environment first; extend the test window.",
        "Environment build not started four weeks before testing.", 6_000, 8, TEST, (2, 2),
        ("Agree the environment build date with infrastructure",),
    ),
    DemoRisk(
        "Reuse the shared design system", C.TECHNICAL, 3, 3,
        "Another team published a tested design system and component library.",
        "We adopt it instead of building our own components.",
        "Less front-end build and test effort; consistent look.",
        S.EXPLOIT, "Assign a developer to adopt it in the next increment.",
        trigger="Design system reaches version 1.0.", cost=15_000, days=6, steps=BUILD,
        residual=(4, 3), actions=("Spike: build one page with the shared components",),
        kind=Kind.OPPORTUNITY, only=("PORTAL",),
    ),
    DemoRisk(
        "Early-commitment discount from the cloud provider", C.COST, 3, 3,
        "The provider offers discounts for a committed spend agreed this quarter.",
        "We sign a committed-spend agreement at a discount.",
        "Lower run cost from the first migration wave.",
        S.ENHANCE, "Finance models the committed spend; procurement negotiates.",
        trigger="Provider's quarter-end offer.", cost=40_000, residual=(4, 3),
        actions=("Model the committed spend with finance",),
        kind=Kind.OPPORTUNITY, only=("CLOUD", "ERP"),
    ),
    DemoRisk(
        "Automated evidence collection", C.COMPLIANCE, 3, 2,
        "The compliance platform can collect most audit evidence automatically.",
        "Evidence collection is automated for most controls.",
        "Less manual evidence work in the audit window.",
        S.SHARE, "Work with the platform vendor on the connectors; share the savings.",
        trigger="Vendor ships the connectors we need.", cost=10_000, days=4, steps=CLOSE,
        actions=("Trial the evidence connectors on two controls",),
        kind=Kind.OPPORTUNITY, only=("SOC2",),
    ),
    DemoRisk(
        "Hardware security keys arrive late", C.VENDOR, 3, 4,
        "Global shortage of FIDO2 keys; one supplier.",
        "Keys for 1,200 staff arrive more than four weeks late.",
        "MFA enforcement and the audit window slip.",
        S.MITIGATE, "Order in two batches from two suppliers; platform authenticators first.",
        "Enforce MFA with platform authenticators and issue keys as they arrive.",
        "Supplier confirms a later ship date.", 12_000, 15, BUILD, (2, 3),
        ("Place a second order with another supplier",), only=("SOC2",),
    ),
    DemoRisk(
        "Carrier circuit lead times exceed the plan", C.VENDOR, 4, 4,
        "Fibre and broadband orders need carrier surveys and, at some sites, wayleaves.",
        "Circuits at some branches are delivered after their planned cut-over week.",
        "Cut-overs move; the MPLS cease date is at risk and with it an overlap of rental.",
        S.MITIGATE, "Order all circuits in the first month; weekly order review with the carrier.",
        "Re-sequence cut-overs; 4G back-up as an interim second path.",
        "Carrier moves a committed delivery date.", 24_000, 10, BUILD, (3, 3),
        ("Place every circuit order in the first month",
         "Agree a weekly order review with the carrier account team"),
        only=("WAN",),
    ),
    DemoRisk(
        "Branch cut-over fails during trading hours", C.TECHNICAL, 3, 5,
        "Each cut-over swaps the branch's only router for the night.",
        "A branch has no network when it opens after a cut-over.",
        "Tills and stock systems offline; lost sales and complaints.",
        S.MITIGATE, "Cut-overs after close of trading; tested rollback to MPLS within 30 minutes.",
        "Roll back to the old router and MPLS; re-plan the site.",
        "Post-cut-over tests not passed by 05:00.", 15_000, 4, TEST, (1, 5),
        ("Write and rehearse the rollback runbook at the pilot branch",),
        only=("WAN",),
    ),
    DemoRisk(
        "Site surveys miss cabling and power problems", C.SCHEDULE, 3, 3,
        "Survey templates focus on the comms cabinet, not the building.",
        "Install day finds no spare power, no cable route or asbestos warnings.",
        "Second site visits and delayed cut-overs.",
        S.MITIGATE, "Survey checklist with photos of power, cable routes and access.",
        "Book electricians from the facilities framework at short notice.",
        "Install team reports a blocked site.", 9_000, 5, DESIGN, (2, 2),
        ("Add power, cable route and access photos to the survey checklist",),
        only=("WAN",),
    ),
    DemoRisk(
        "Early-life faults on new circuits", C.TECHNICAL, 3, 3,
        "New circuits and appliances fail more often in their first months.",
        "Circuit faults at several branches in the first three months after go-live.",
        "Branches run on one path; the service desk gets more calls.",
        S.MITIGATE, "Dual circuits from different carriers; fault alerts to the NOC.",
        "Carrier escalation path in the NOC runbook.",
        "More than three circuit faults a month.", 6_000, 0, (), (2, 2),
        ("Hand circuit fault handling to the NOC",),
        only=("WAN",),
    ),
    DemoRisk(
        "Bundle discount for dual circuits", C.COST, 3, 3,
        "The carrier offers a discount for ordering both circuits at all sites together.",
        "We place one bundled order and get the discount.",
        "Lower circuit rental for the whole contract term.",
        S.ENHANCE, "Procurement negotiates a single order for all 76 circuits.",
        trigger="Carrier's quarter-end offer.", cost=18_000, residual=(4, 3),
        actions=("Ask procurement to negotiate the bundled order",),
        kind=Kind.OPPORTUNITY, only=("WAN",),
    ),
]
# fmt: on

# Which demo risks happened (by title prefix) and which were closed, per project.
OCCURRED = {
    "PORTAL": ("Third-party API instability", "Scope creep"),
    "CLOUD": ("Test environment not ready",),
    "SOC2": ("Hardware security keys", "Vendor delivery slips"),
    "ERP": ("Key person leaves",),
    "WAN": ("Carrier circuit lead times", "Site surveys miss"),
}
CLOSED = {"PORTAL": "Regulatory change", "SOC2": "Contractor fixed-price", "CLOUD": "Key person"}
# A finished project closed every risk but these, handed over to operations with the service.
HANDED_OVER = ("Early-life faults", "Cloud cost overrun")


def seed(context: DemoContext) -> None:
    today = clock.today()
    for key, project in context.projects.items():
        if project.risks.exists():
            continue
        rng = random.Random(f"risks-{key}")
        with transaction.atomic():
            _estimates(project, rng)
            _register(project, context, rng, today)
        services.forecast_run_now(
            project=project,
            by=context.manager,
            iterations=FORECAST_ITERATIONS,
            seed=sum(map(ord, key)),
        )


def _estimates(project: Project, rng: random.Random) -> None:
    """Three-point estimates on about three quarters of the unfinished work: optimistic 80%,
    most likely the plan, pessimistic 150–200% (IT estimates skew late)."""
    tasks = list(Task.objects.filter(project=project, duration__gt=0, actual_finish__isnull=True))
    for task in tasks:
        if rng.random() < 0.75:
            task.optimistic_duration = max(1, round(task.duration * 0.8))
            task.most_likely_duration = task.duration
            task.pessimistic_duration = max(
                task.duration + 1, round(task.duration * rng.uniform(1.5, 2.0))
            )
    Task.objects.bulk_update(
        tasks, ["optimistic_duration", "most_likely_duration", "pessimistic_duration"]
    )


def _open_tasks(project: Project, steps: tuple[str, ...], finished: bool) -> list[Task]:
    """The unfinished tasks a risk's schedule impact falls on; in a finished project, the tasks
    it fell on while they were still ahead."""
    open_tasks = Task.objects.filter(project=project, duration__gt=0)
    if not finished:
        open_tasks = open_tasks.filter(actual_finish__isnull=True)
    for step in steps:
        found = list(open_tasks.filter(name__startswith=f"{step}:").order_by("id"))
        if found:
            return found
    return []


def _register(
    project: Project, context: DemoContext, rng: random.Random, today: datetime.date
) -> None:
    by = context.manager
    people: list[AbstractBaseUser] = [
        m.user
        for m in Membership.objects.filter(project=project)
        .exclude(role="viewer")
        .select_related("user")
        .order_by("user__username")
    ]
    scale = {"GBP": Decimal("0.85"), "USD": Decimal("1.10")}.get(project.currency, Decimal(1))
    made: list[Risk] = []
    skipped = 0
    finished = is_finished(project, today)
    # When risks are reviewed: a finished project's register was last reviewed during the work.
    review = project.start_date + datetime.timedelta(days=60) if finished else today
    for spec in RISKS:
        if spec.only and project.key not in spec.only:
            continue
        if not spec.only and skipped < 2 and rng.random() < 0.15:
            skipped += 1  # not every project has every common risk
            continue
        probability = min(5, max(1, spec.probability + rng.choice([-1, 0, 0, 0, 1])))
        tasks = _open_tasks(project, spec.steps, finished) if spec.days else []
        impacts = {task: spec.days for task in rng.sample(tasks, min(len(tasks), 2))}
        residual = spec.residual or (None, None)
        risk = services.risk_create(
            project=project,
            by=by,
            title=spec.title,
            category=spec.category,
            kind=spec.kind,
            probability=probability,
            impact=spec.impact,
            cause=spec.cause,
            event=spec.event,
            effect=spec.effect,
            owner=rng.choice(people),
            trigger=spec.trigger,
            proximity=review + datetime.timedelta(days=rng.randint(10, 150)),
            status=Status.MONITORING if rng.random() < 0.2 else Status.OPEN,
            response_strategy=spec.strategy,
            response_plan=spec.response,
            contingency_plan=spec.contingency,
            residual_probability=residual[0],
            residual_impact=residual[1],
            cost_impact=(Decimal(spec.cost) * scale).quantize(Decimal(1)),
            schedule_impacts=impacts,
        )
        for n, title in enumerate(spec.actions):
            action = services.risk_action_create(
                risk=risk,
                by=by,
                title=title,
                owner=rng.choice(people),
                due_date=review + datetime.timedelta(days=7 + 14 * n + rng.randint(-10, 10)),
                task=next(iter(impacts), None) if n == 0 else None,
            )
            if finished or rng.random() < 0.3:
                services.risk_action_set_done(action=action, by=by, today=today)
        made.append(risk)
    issues = []
    for risk in made:
        if risk.title.startswith(OCCURRED.get(project.key, ())):
            issue = services.risk_occurred(
                risk=risk, by=by, due_date=review + datetime.timedelta(days=14)
            )
            issues.append(
                services.issue_update(issue=issue, by=by, version=None, status="in_progress")
            )
        elif risk.title.startswith(CLOSED.get(project.key, "-")) or (
            finished and not risk.title.startswith(HANDED_OVER)
        ):
            services.risk_update(risk=risk, by=by, version=None, status=Status.CLOSED)
    issues.append(
        services.issue_create(
            project=project,
            by=by,
            title="Steering committee date clashes with the release",
            description="The monthly steering committee falls on release day; move one of them.",
            priority="low",
            owner=by,
            due_date=review + datetime.timedelta(days=10),
        )
    )
    if finished:  # every issue dealt with before the work ended
        for issue in issues:
            services.issue_update(
                issue=issue,
                by=by,
                version=None,
                status="closed",
                resolution="Worked around and closed at the go-live review.",
                today=min(issue.due_date, project.target_finish),
            )
