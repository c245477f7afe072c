"""Demo stakeholder data for the demo projects: a register across the four power/interest
quadrants, a RACI for the top of the WBS, a communication plan (the weekly status report with
its audience), meetings with decisions and actions (some overdue) and pending approvals
addressed to demo users; a finished project has only past meetings and done actions. Called by
``manage.py seed_demo``; a project that already has stakeholders is left alone.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser

from projects import clock
from projects.demo import DemoContext, is_finished
from projects.models import ChangeRequest, Deliverable, Membership, Project, Role
from stakeholders import services
from stakeholders.models import CommunicationPlanItem, Engagement, Meeting, Quadrant, Stakeholder

E = Engagement
# (name, organisation, title, kind, power, interest, current, desired, needs)
# fmt: off
PEOPLE = {
    "PORTAL": [
        ("Customer Advisory Board", "Key accounts", "Customer representatives", "external",
         3, 5, E.SUPPORTIVE, E.LEADING,
         "Beta previews and a vote on the backlog top ten."),
        ("Julia Weber", "Service Desk", "Head of Service Desk", "internal",
         3, 5, E.NEUTRAL, E.SUPPORTIVE,
         "Call-volume forecasts; training plan for agents."),
        ("Marco Rossi", "Finance", "Billing Manager", "internal",
         2, 4, E.SUPPORTIVE, E.SUPPORTIVE,
         "Invoice module demos before each release."),
        ("Sven Olsen", "Information Security", "CISO", "internal",
         5, 2, E.RESISTANT, E.SUPPORTIVE,
         "Security review results; OIDC design early."),
        ("Legal & Privacy", "Legal", "Data Protection Officer", "internal",
         4, 2, E.UNAWARE, E.NEUTRAL,
         "DPIA draft; data retention decisions."),
        ("Partner Integrators", "Partners", "API partners", "external",
         1, 4, E.NEUTRAL, E.SUPPORTIVE,
         "API changelog and sandbox access."),
        ("Accessibility Auditors", "A11y Labs", "External auditor", "external",
         1, 2, E.UNAWARE, E.NEUTRAL,
         "Audit windows and test accounts."),
        ("Works Council", "Staff", "Employee representatives", "internal",
         2, 1, E.UNAWARE, E.NEUTRAL,
         "Notice of changes to service desk work."),
    ],
    "CLOUD": [
        ("Application Owners Forum", "IT", "Application owners", "internal",
         3, 5, E.RESISTANT, E.SUPPORTIVE,
         "Wave plan, test windows, cut-over dates."),
        ("Rachel Green", "Procurement", "Head of Procurement", "internal",
         4, 2, E.NEUTRAL, E.SUPPORTIVE,
         "Contract exit dates and cloud commitments."),
        ("Leeds Colo Ltd", "Leeds Colo", "Account Manager", "external",
         2, 3, E.NEUTRAL, E.NEUTRAL,
         "Decommissioning notice and rack return dates."),
        ("Cloud Vendor TAM", "Cloud provider", "Technical Account Manager", "external",
         2, 4, E.SUPPORTIVE, E.LEADING,
         "Landing zone reviews; support cases."),
        ("Internal Audit", "Audit", "Head of Internal Audit", "internal",
         4, 1, E.UNAWARE, E.NEUTRAL,
         "Control changes; evidence of backups and restores."),
        ("Service Operations", "IT Operations", "Operations Manager", "internal",
         3, 4, E.NEUTRAL, E.LEADING,
         "Runbooks, on-call changes, monitoring hand-over."),
        ("Network Team", "IT", "Network Lead", "internal",
         2, 2, E.SUPPORTIVE, E.SUPPORTIVE,
         "Change windows for the interconnect."),
        ("End Users", "Whole company", "Staff", "internal",
         1, 1, E.UNAWARE, E.NEUTRAL,
         "Outage notices a week ahead."),
    ],
    "SOC2": [
        ("External Auditor", "Audit & Co", "Engagement Partner", "external",
         5, 4, E.NEUTRAL, E.SUPPORTIVE,
         "Evidence requests; status of the audit window."),
        ("Sales Leadership", "Sales", "VP Sales", "internal",
         4, 4, E.SUPPORTIVE, E.LEADING,
         "Audit timeline for prospects' security reviews."),
        ("Contractor Agencies", "Agencies", "Account managers", "external",
         1, 3, E.RESISTANT, E.NEUTRAL,
         "MFA enrolment steps for contractors."),
        ("HR Business Partners", "HR", "HR Business Partner", "internal",
         2, 3, E.NEUTRAL, E.SUPPORTIVE,
         "Awareness training completion per department."),
        ("Hardware Key Supplier", "KeyCorp", "Account Manager", "external",
         2, 2, E.SUPPORTIVE, E.SUPPORTIVE,
         "Delivery schedule and replacement stock."),
        ("Engineering Managers", "Engineering", "Engineering managers", "internal",
         3, 4, E.RESISTANT, E.SUPPORTIVE,
         "Vulnerability SLAs; access reviews per team."),
        ("Board Risk Committee", "Board", "Committee chair", "internal",
         5, 2, E.UNAWARE, E.SUPPORTIVE,
         "Quarterly risk summary."),
        ("All Staff", "Whole company", "Staff", "internal",
         1, 2, E.UNAWARE, E.NEUTRAL,
         "Enrolment deadlines and help."),
    ],
    "ERP": [
        ("Country Finance Directors", "Finance NL/DE/BE", "Finance directors", "internal",
         4, 5, E.NEUTRAL, E.LEADING,
         "Design decisions; chart of accounts sign-off."),
        ("ERP Vendor", "CloudERP", "Partner Manager", "external",
         3, 4, E.SUPPORTIVE, E.SUPPORTIVE,
         "Scope changes and licence counts."),
        ("Accounts Payable Team", "Finance", "AP Team Leads", "internal",
         2, 5, E.RESISTANT, E.SUPPORTIVE,
         "Process walk-throughs and training dates."),
        ("Payroll Provider", "PayFlow", "Integration Lead", "external",
         2, 2, E.NEUTRAL, E.NEUTRAL,
         "Interface specs and test cycles."),
        ("Banks", "Three banks", "Relationship managers", "external",
         1, 2, E.UNAWARE, E.NEUTRAL,
         "Bank statement format and connectivity tests."),
        ("Tax Advisers", "TaxPartners", "VAT specialist", "external",
         3, 2, E.NEUTRAL, E.SUPPORTIVE,
         "VAT return formats per country."),
        ("Internal Audit", "Audit", "Head of Internal Audit", "internal",
         4, 3, E.NEUTRAL, E.SUPPORTIVE,
         "Segregation of duties design."),
        ("Procurement Buyers", "Procurement", "Buyers", "internal",
         1, 4, E.NEUTRAL, E.SUPPORTIVE,
         "Purchase order process changes."),
    ],
    "WAN": [
        ("Branch Managers", "Retail operations", "Regional branch managers", "internal",
         3, 5, E.RESISTANT, E.SUPPORTIVE,
         "Cut-over dates per branch four weeks ahead; who to call on the night."),
        ("Carrier Account Team", "Openreach partner", "Account Manager", "external",
         3, 4, E.NEUTRAL, E.SUPPORTIVE,
         "Circuit order status per site; escalations for missed dates."),
        ("SD-WAN Integrator", "Netbridge Ltd", "Delivery Lead", "external",
         2, 4, E.SUPPORTIVE, E.LEADING,
         "Site survey results, build packs and cut-over runbooks."),
        ("Rachel Green", "Procurement", "Head of Procurement", "internal",
         4, 2, E.NEUTRAL, E.SUPPORTIVE,
         "MPLS cease notice and early-termination terms."),
        ("Information Security", "Security", "CISO", "internal",
         4, 3, E.NEUTRAL, E.SUPPORTIVE,
         "Segmentation design and firewall policy reviews."),
        ("Network Operations Centre", "IT Operations", "NOC Manager", "internal",
         2, 5, E.NEUTRAL, E.LEADING,
         "Monitoring hand-over, alert routing and support runbooks."),
        ("Facilities", "Estates", "Facilities Manager", "internal",
         2, 2, E.UNAWARE, E.NEUTRAL,
         "Comms room access and power for new equipment."),
        ("Branch Staff", "Retail operations", "Staff", "internal",
         1, 1, E.UNAWARE, E.NEUTRAL,
         "Notice of overnight work and what to do if the till is offline."),
    ],
}
# fmt: on


def seed(context: DemoContext) -> None:
    today = clock.today()
    for key, project in context.projects.items():
        if project.stakeholders.exists() or key not in PEOPLE:
            continue
        by = context.manager
        team = _team(project)
        people = _register(project, by, key)
        _raci(project, by, people, team)
        finished = is_finished(project, today)
        _plan(project, by, people, team, today, finished)
        if finished:
            _finished_meetings(project, by, people, team)
            continue  # nothing left to approve but the closure (reports.demo.closure)
        _meetings(project, by, people, team, today)
        _approvals(project, by, people, team)


def _team(project: Project) -> list[AbstractBaseUser]:
    """Managers and members (who do the work), managers first."""
    memberships = Membership.objects.filter(
        project=project, role__in=[Role.MANAGER, Role.MEMBER], user__is_active=True
    ).select_related("user")
    ordered = sorted(memberships, key=lambda m: (m.role != Role.MANAGER, m.user.username))
    return [m.user for m in ordered]


def _register(project: Project, by: AbstractBaseUser, key: str) -> list[Stakeholder]:
    people = []
    # The sponsor is a demo viewer with an account, so they can approve: the one the project
    # names as its sponsor, else the first viewer.
    viewers = list(
        Membership.objects.filter(project=project, role=Role.VIEWER)
        .select_related("user")
        .order_by("pk")
    )
    named = [
        m for m in viewers if m.user.get_full_name() and m.user.get_full_name() in project.sponsor
    ]
    sponsor = (named or viewers or [None])[0]
    if sponsor is not None:
        people.append(
            services.stakeholder_create(
                project=project,
                by=by,
                name=sponsor.user.get_full_name(),
                organisation="Executive board",
                title="Project sponsor",
                user=sponsor.user,
                power=5,
                interest=4,
                engagement_current=E.SUPPORTIVE,
                engagement_desired=E.LEADING,
                communication_needs="Weekly status report; steering committee every month.",
            )
        )
    for name, org, title, kind, power, interest, current, desired, needs in PEOPLE[key]:
        words = "".join(ch if ch.isalnum() else " " for ch in name.lower()).split()
        slug = ".".join(words)
        people.append(
            services.stakeholder_create(
                project=project,
                by=by,
                name=name,
                organisation=org,
                title=title,
                email=f"{slug}@{key.lower()}.stakeholders.example",
                kind=kind,
                power=power,
                interest=interest,
                engagement_current=current,
                engagement_desired=desired,
                communication_needs=needs,
            )
        )
    return people


def _raci(project, by, people, team) -> None:
    """A valid RACI (one A, at least one R) for each top-level work package."""
    manage_closely = [p for p in people if p.quadrant == Quadrant.MANAGE_CLOSELY]
    keep_informed = [p for p in people if p.quadrant == Quadrant.KEEP_INFORMED]
    keep_satisfied = [p for p in people if p.quadrant == Quadrant.KEEP_SATISFIED]
    doers = team[1:] or team
    top = project.work_packages.filter(parent=None).order_by("position")
    for index, package in enumerate(top):
        cells: dict = {team[0]: "A", doers[index % len(doers)]: "R"}
        if len(doers) > 1 and index % 2:
            cells[doers[(index + 1) % len(doers)]] = "C"
        for group, role in ((manage_closely, "C"), (keep_satisfied, "I"), (keep_informed, "I")):
            if group:
                cells.setdefault(group[index % len(group)], role)
        services.raci_set_row(project=project, by=by, row=package, cells=cells)


def _plan(project, by, people, team, today, finished=False) -> None:
    C = CommunicationPlanItem
    weekly = [p for p in people if p.quadrant in (Quadrant.MANAGE_CLOSELY, Quadrant.KEEP_INFORMED)]
    powerful = [p for p in people if p.power >= 3]
    days_to_report = (project.report_weekday - today.isoweekday()) % 7
    items = [
        (
            C.Kind.WEEKLY_STATUS_REPORT,
            "Weekly status report",
            weekly,
            C.Frequency.WEEKLY,
            C.Channel.EMAIL,
            today + datetime.timedelta(days=days_to_report),
        ),
        (
            C.Kind.STEERING_COMMITTEE_PACK,
            "Steering committee pack",
            powerful,
            C.Frequency.MONTHLY,
            C.Channel.MEETING,
            today + datetime.timedelta(days=12),
        ),
        (
            C.Kind.RELEASE_NOTES,
            "Release notes",
            [p for p in people if p.interest >= 4],
            C.Frequency.PER_MILESTONE,
            C.Channel.PORTAL,
            None,
        ),
        (
            C.Kind.CUSTOM,
            "Outage and cut-over notices",
            [p for p in people if p.interest <= 2],
            C.Frequency.AD_HOC,
            C.Channel.EMAIL,
            None,
        ),
    ]
    for kind, title, audience, frequency, channel, next_due in items:
        if finished:  # the plan ran its course: nothing more is due
            next_due = None
        services.communication_item_create(
            project=project,
            by=by,
            kind=kind,
            title=title,
            audience=audience,
            frequency=frequency,
            channel=channel,
            owner=team[0],
            next_due=next_due,
        )


def _at(project: Project, day: datetime.date, hour: int, minutes: int = 0) -> datetime.datetime:
    tz = project.zone
    return datetime.datetime.combine(day, datetime.time(hour, minutes), tzinfo=tz)


KICK_OFF_AGENDA = (
    "1. Why this project\n2. Scope and milestones\n3. Roles (RACI)\n4. Ways of working"
)
STEERING_AGENDA = "1. Status and RAG\n2. Change requests\n3. Top risks\n4. Decisions needed"
WEEKLY_REPORTS = "Weekly status reports go out on the project's report day"
WEEKLY_REPORTS_WHY = "One fixed day lets stakeholders plan their reading."


def _meetings(project, by, people, team, today) -> None:
    board = [p for p in people if p.power >= 4][:4]
    kick_off_day = min(project.start_date, today - datetime.timedelta(days=28))
    steering_day = today - datetime.timedelta(days=14)
    next_day = today + datetime.timedelta(days=7)
    scrum = project.methodology == Project.Methodology.SCRUM
    kick_off, steering, _ = _add_meetings(
        project,
        by,
        [
            (
                Meeting.Kind.KICK_OFF,
                f"{project.key} kick-off",
                _at(project, kick_off_day, 10),
                _at(project, kick_off_day, 11, 30),
                "Main boardroom",
                KICK_OFF_AGENDA,
                "Charter walked through; RACI agreed for the top of the WBS.",
                board,
                team,
            ),
            (
                Meeting.Kind.STEERING_COMMITTEE,
                "Steering committee",
                _at(project, steering_day, 14),
                _at(project, steering_day, 15),
                "Video call",
                STEERING_AGENDA,
                "Status amber on schedule; recovery plan requested.",
                board,
                team[:2],
            ),
            (
                Meeting.Kind.SPRINT_REVIEW if scrum else Meeting.Kind.STEERING_COMMITTEE,
                "Next review",
                _at(project, next_day, 11),
                _at(project, next_day, 12),
                "Video call",
                "Progress since the last review; decisions needed.",
                "",
                [p for p in people if p.quadrant == Quadrant.MANAGE_CLOSELY],
                team,
            ),
        ],
    )
    _record_decisions(
        project,
        by,
        [
            (WEEKLY_REPORTS, "Kick-off meeting", kick_off_day, WEEKLY_REPORTS_WHY, kick_off),
            (
                "Recovery plan before adding scope",
                "Steering committee",
                steering_day,
                "The schedule is behind; no new scope until the plan is back on track.",
                steering,
            ),
        ],
    )
    owners = team[1:] or team
    actions = [
        ("Send the recovery plan to the steering committee", owners[0], -4, steering),
        ("Update the risk register after the steering committee", team[0], -1, steering),
        ("Book the next gate review", owners[-1], 5, steering),
        ("Share the RACI with every stakeholder", team[0], -20, kick_off),
    ]
    _add_actions(
        project,
        by,
        [
            (title, owner, today + datetime.timedelta(days=days), meeting, days <= -20)
            for title, owner, days, meeting in actions
        ],
    )


def _finished_meetings(project, by, people, team) -> None:
    """A finished project's meetings, all past: kick-off, a steering committee that agreed a
    change, the go-live review; their decisions taken and their actions done."""
    board = [p for p in people if p.power >= 4][:4]
    start, finish = project.start_date, project.target_finish
    middle = start + (finish - start) // 2
    meetings = [
        (
            Meeting.Kind.KICK_OFF,
            f"{project.key} kick-off",
            start,
            KICK_OFF_AGENDA,
            "Charter walked through; RACI agreed; pilot branches chosen.",
        ),
        (
            Meeting.Kind.STEERING_COMMITTEE,
            "Steering committee",
            middle,
            STEERING_AGENDA,
            "Two circuits late from the carrier; cut-overs re-sequenced, end date held.",
        ),
        (
            Meeting.Kind.STEERING_COMMITTEE,
            "Go-live review",
            finish - datetime.timedelta(days=3),
            "1. Last cut-overs\n2. Open defects\n3. MPLS cease\n4. Closure plan",
            "Every branch live on SD-WAN; MPLS cease confirmed; closure to start.",
        ),
    ]
    made = _add_meetings(
        project,
        by,
        [
            (
                kind,
                title,
                _at(project, day, 10),
                _at(project, day, 11, 30),
                "Main boardroom" if kind == Meeting.Kind.KICK_OFF else "Video call",
                agenda,
                minutes,
                board,
                team,
            )
            for kind, title, day, agenda, minutes in meetings
        ],
    )
    decisions = [
        (WEEKLY_REPORTS, "Kick-off meeting", 0, WEEKLY_REPORTS_WHY),
        (
            "Re-sequence cut-overs around late circuits rather than move the end date",
            "Steering committee",
            1,
            "The MPLS cease date is fixed; other branches were ready to go first.",
        ),
        (
            "Serve the MPLS cease notice",
            "Go-live review",
            2,
            "All branches have run on SD-WAN for two weeks without a priority-1 incident.",
        ),
    ]
    _record_decisions(
        project,
        by,
        [
            (title, decided_by, made[index].starts_at.date(), rationale, made[index])
            for title, decided_by, index, rationale in decisions
        ],
    )
    owners = team[1:] or team
    actions = [
        ("Share the RACI with every stakeholder", team[0], 0, 14),
        ("Chase the carrier for the Glasgow and Aberdeen circuits", owners[0], 1, 7),
        ("Hand the monitoring runbooks to the NOC", owners[-1], 2, 5),
    ]
    _add_actions(
        project,
        by,
        [
            (
                title,
                owner,
                made[index].starts_at.date() + datetime.timedelta(days=days),
                made[index],
                True,
            )
            for title, owner, index, days in actions
        ],
    )


def _add_meetings(project, by, meetings) -> list[Meeting]:
    """(kind, title, starts, ends, location, agenda, minutes, stakeholders, attendees) each."""
    return [
        services.meeting_create(
            project=project,
            by=by,
            kind=kind,
            title=title,
            starts_at=starts,
            ends_at=ends,
            location=place,
            agenda=agenda,
            minutes=minutes,
            stakeholders=invited,
            attendees=attendees,
        )
        for kind, title, starts, ends, place, agenda, minutes, invited, attendees in meetings
    ]


def _record_decisions(project, by, decisions) -> None:
    """(title, decided by, date, rationale, meeting) each."""
    for title, decided_by, date, rationale, meeting in decisions:
        services.decision_record(
            project=project,
            by=by,
            title=title,
            decided_by=decided_by,
            date=date,
            rationale=rationale,
            meeting=meeting,
        )


def _add_actions(project, by, actions) -> None:
    """(title, owner, due date, meeting, done) each."""
    for title, owner, due_date, meeting, done in actions:
        action = services.action_item_create(
            project=project, by=by, title=title, owner=owner, due_date=due_date, meeting=meeting
        )
        if done:
            services.action_item_set_status(action=action, by=by, status="done")


def _approvals(project, by, people, team) -> None:
    """Pending approvals: the sponsor (a viewer) on a submitted change request or deliverable,
    and the demo manager on another, so both find something waiting for them."""
    sponsor = next((p for p in people if p.user_id), None)
    changes = list(
        ChangeRequest.objects.filter(project=project, status=ChangeRequest.Status.SUBMITTED)
    )
    deliverables = list(
        Deliverable.objects.filter(project=project, status=Deliverable.Status.SUBMITTED)
    )
    if sponsor is not None and changes:
        services.approval_request(
            project=project,
            by=by,
            subject=changes[0],
            stakeholder=sponsor,
            note="Impact assessed by the team; please approve or reject before Friday.",
        )
    if sponsor is not None and deliverables:
        services.approval_request(
            project=project,
            by=by,
            subject=deliverables[0],
            stakeholder=sponsor,
            note="All acceptance criteria are met; see the test report attached to it.",
        )
    if len(team) > 1 and changes:
        # A team member asks the demo manager: "waiting for my approval" is not empty for demo.
        services.approval_request(
            project=project,
            by=team[1],
            subject=changes[-1] if len(changes) > 1 else changes[0],
            approver=team[0],
            note="Needed to keep the release date.",
        )
