"""Helpers of the closure tests: a project ready to close, and its sponsor."""

from __future__ import annotations

from projects import services as project_services
from projects.models import Deliverable, Project
from reports.models import Closure
from reports.services import closure as closure_services
from stakeholders import services as stakeholder_services
from stakeholders.models import Approval, CommunicationPlanItem, Stakeholder


def sponsor_of(project: Project, user, *, email: str = "") -> Stakeholder:
    """``user`` (a member) in the register as the project's sponsor."""
    return stakeholder_services.stakeholder_create(
        project=project,
        by=project.memberships.filter(role="manager").first().user,
        name=user.get_full_name(),
        title="Project sponsor",
        email=email or user.email,
        user=user,
        power=5,
        interest=5,
    )


def weekly_audience(project: Project, by, people: list[Stakeholder]) -> None:
    stakeholder_services.communication_item_create(
        project=project,
        by=by,
        title="Weekly status report",
        kind=CommunicationPlanItem.Kind.WEEKLY_STATUS_REPORT,
        audience=people,
    )


def accepted_deliverable(project: Project, by, name: str) -> Deliverable:
    deliverable = project_services.deliverable_create(
        project=project, by=by, name=name, criteria=["Signed off"]
    )
    Deliverable.objects.filter(pk=deliverable.pk).update(status=Deliverable.Status.ACCEPTED)
    return deliverable


def tick_all(closure: Closure, by) -> None:
    for item in closure.items.filter(rule=""):
        closure_services.closure_item_tick(item=item, by=by, done=True, note="Done.")


def submitted(project: Project, manager, sponsor: Stakeholder) -> Closure:
    """Start, tick every manual item, submit to ``sponsor``."""
    closure = closure_services.closure_start(project=project, by=manager)
    tick_all(closure, manager)
    return closure_services.closure_submit(closure=closure, by=manager, sponsor=sponsor)


def sign_off(project: Project, manager, sponsor: Stakeholder) -> Closure:
    """Submit and have the sponsor approve: the project closes."""
    closure = submitted(project, manager, sponsor)
    stakeholder_services.approval_decide(
        approval=closure.approval, by=sponsor.user, decision=Approval.Decision.APPROVED
    )
    closure.refresh_from_db()
    return closure
