"""Demo closure data: the cybersecurity project (SOC2) is closing, its checklist partly done; the
branch network refresh (WAN), finished in September, is closed: checklist done, the sponsor's
sign-off through his approval, the post-implementation review scheduled, and the lessons the
team recorded (offered to CLOUD, the infrastructure project being planned).

Everything goes through the closure and lessons services, as the pages do. Idempotent: a project
whose closure has started is left alone, and so is one that already has lessons.
"""

from __future__ import annotations

from projects.demo import DemoContext
from projects.models import Project
from reports.models import Closure, LessonLearned
from reports.services import closure as services
from reports.services.lessons import lesson_create
from stakeholders.services.approvals import approval_decide

CLOSING = "SOC2"

TICKED = {
    "Resources released": "Contractors' access ended 14 Nov; laptops returned to IT.",
    "Documentation and credentials handed over and archived": "Policies and audit evidence in "
    "the GRC tool; break-glass credentials rotated and handed to the SOC lead.",
    "Residual risks accepted by the risk owner": "Helen Carter signed the residual risk "
    "register (legacy VPN until March).",
}

NARRATIVE = (
    "MFA is enforced for every workforce account and the readiness gaps are closed; the audit "
    "window runs to May. Hardware keys arrived late, so contractors moved to passkeys (CR "
    "approved). What is left is hand-over: the service desk takes MFA support, and the last "
    "purchase order closes when the auditor's invoice is booked."
)

CLOSED = "WAN"

# Notes on the items people tick, by title; WAN ticks every item Charter does not decide.
CLOSED_NOTES = {
    "Open risks closed or handed over": "All risks closed except early-life circuit faults and "
    "run cost, handed to the NOC manager with the service.",
    "Budget reconciled (actuals final)": "Final carrier and integrator invoices booked in "
    "October; accruals released. Actual cost is final, about 3.5% over the baseline.",
    "Resources released": "Integrator engineers off site since 2 October; Tomasz and Aisha "
    "back in the infrastructure team from 5 October.",
    "Documentation and credentials handed over and archived": "As-built drawings, site packs "
    "and runbooks in the network SharePoint; orchestrator admin accounts handed to the NOC and "
    "the integrator's access removed.",
    "Support hand-over done": "NOC accepted first-line support on 28 September after two weeks "
    "of hypercare; the carrier escalation path is in the runbook.",
    "Old systems decommissioned and CMDB updated": "76 old branch routers wiped and sent for "
    "recycling with certificates; MPLS circuits ceased on 30 September; CMDB updated.",
}

CLOSED_NARRATIVE = (
    "All 38 branches moved from MPLS to SD-WAN between April and September, each with two "
    "circuits from different carriers; no branch lost more than 40 minutes of trading. The "
    "last cut-overs ran four working days past the baseline because the carrier delivered the "
    "Glasgow and Aberdeen circuits late (CR-002), and the Wi-Fi replacement added in June (CR-003) "
    "took the cost about 3.5% over the baseline. MPLS was ceased on time, so the annual saving of "
    "£260k starts in October."
)

SIGN_OFF_COMMENT = (
    "Signed off. Good delivery under a fixed cease date; please run the review in the new year "
    "with the circuit fault figures."
)

# (author, category, title, what happened, recommendation, impact, tags)
LESSONS = [
    (
        "demo",
        "vendors",
        "Order every circuit in the first month, and track each order weekly",
        "Circuits were ordered wave by wave. The carrier's quoted 30–40 working days became 60–90 "
        "at eleven sites (wayleaves, road closures), and Glasgow and Aberdeen arrived after "
        "their cut-over week.",
        "Place all circuit orders as soon as sites are confirmed, hold a weekly order review "
        "with the carrier's account team, and plan cut-overs from confirmed delivery dates, "
        "not quoted lead times.",
        "Two cut-overs moved; 4 working days late at the end; 4G back-up bought for six sites.",
        ["carrier", "circuits", "lead times"],
    ),
    (
        "tomasz",
        "planning",
        "Site surveys must check power, cable routes and access, not just the cabinet",
        "Surveys photographed the comms cabinet only. On install day five branches had no spare "
        "power socket or no route for the new cable, and one needed an asbestos check first.",
        "Use a survey checklist with photos of power, cable routes and building access, signed "
        "by the branch manager; book facilities electricians from the framework in advance.",
        "Five second visits, about £6k of extra engineer days.",
        ["site survey", "branches"],
    ),
    (
        "demo",
        "planning",
        "Put the change freezes in the schedule before planning the waves",
        "The June quarter-end freeze and the retail peak were known but not in the plan; the "
        "first wave plan had cut-overs inside the freeze and had to be redone.",
        "Enter every change freeze as non-working time on the project calendar before "
        "scheduling, and agree the freeze dates with the change manager at kick-off.",
        "One re-plan of wave 3; no cut-over inside a freeze.",
        ["change freeze", "scheduling"],
    ),
    (
        "aisha",
        "technical",
        "Rehearse the rollback at the pilot branch and time it",
        "The rollback runbook was written but first used for real at Leeds North, where it took "
        "75 minutes instead of 30 because the old router's configuration had been wiped.",
        "Rehearse the rollback at the pilot branch, keep the old router configured and racked "
        "until the branch has traded a day on the new network, and stop the cut-over at a fixed "
        "go/no-go time.",
        "One branch opened 40 minutes late; no rollback failed after the change.",
        ["cut-over", "rollback", "runbook"],
    ),
    (
        "demo",
        "vendors",
        "Ship hardware to a staging site, not to the branches",
        "Appliances shipped straight to branches were signed for by staff, put in stock rooms "
        "and twice lost; three arrived with the wrong power supply.",
        "Ship to a staging site, pre-configure and test each appliance there, and send site "
        "kits with the engineer.",
        "Three cut-overs delayed by a day; two replacement appliances ordered.",
        ["hardware", "logistics", "staging"],
    ),
]


def seed(context: DemoContext) -> None:
    project = context.projects.get(CLOSING)
    if project is not None and not Closure.objects.filter(project=project).exists():
        _closing(project, context)
    project = context.projects.get(CLOSED)
    if project is not None:
        if not Closure.objects.filter(project=project).exists():
            _closed(project, context)
        if not LessonLearned.objects.filter(project=project).exists():
            _lessons(project, context)


def _closing(project: Project, context: DemoContext) -> None:
    by = context.manager
    closure = services.closure_start(project=project, by=by)
    closure = services.closure_update(closure=closure, by=by, version=None, narrative=NARRATIVE)
    for item in closure.items.filter(title__in=TICKED):
        services.closure_item_tick(item=item, by=by, done=True, note=TICKED[item.title])


def _closed(project: Project, context: DemoContext) -> None:
    """Close WAN as its manager would: start, tick, write, submit; then the sponsor approves,
    which signs the closure off and closes the project (``reports.receivers.closure``)."""
    by = context.manager
    closure = services.closure_start(project=project, by=by)
    closure = services.closure_update(
        closure=closure, by=by, version=None, narrative=CLOSED_NARRATIVE, pir_weeks=12
    )
    for item in closure.items.filter(rule="").order_by("position"):
        services.closure_item_tick(
            item=item, by=by, done=True, note=CLOSED_NOTES.get(item.title, "")
        )
    sponsor = services.sponsor_candidates(project)[0]
    closure = services.closure_submit(
        closure=closure,
        by=by,
        sponsor=sponsor,
        note="Every branch is live and the MPLS contract ceased; please sign the project off.",
    )
    approval_decide(
        approval=closure.approval, by=sponsor.user, decision="approved", comment=SIGN_OFF_COMMENT
    )


def _lessons(project: Project, context: DemoContext) -> None:
    for author, category, title, what_happened, recommendation, impact, tags in LESSONS:
        lesson_create(
            project=project,
            by=context.users[author],
            category=category,
            title=title,
            what_happened=what_happened,
            recommendation=recommendation,
            impact=impact,
            tags=tags,
        )
