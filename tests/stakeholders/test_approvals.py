"""Approvals: decided by their approver only, once; e-mailed; holding scope decisions."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, connection
from django.utils import timezone

from projects import services as project_services
from projects.models import ChangeRequest, Deliverable, Event
from stakeholders import selectors, services
from stakeholders.models import Approval
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def change(project, manager):
    """CR-001, submitted."""
    draft = project_services.change_request_create(
        project=project, by=manager, title="Dark mode", schedule_impact=4
    )
    return project_services.change_request_transition(
        change_request=draft, by=manager, to=ChangeRequest.Status.SUBMITTED
    )


@pytest.fixture
def deliverable(project, manager, member):
    """“Runbook”, submitted with its one criterion met."""
    runbook = project_services.deliverable_create(
        project=project, by=manager, name="Runbook", criteria=["Reviewed by operations"]
    )
    project_services.criterion_set_met(criterion=runbook.criteria.get(), by=member, met=True)
    for status in ("in_progress", "submitted"):
        runbook = project_services.deliverable_transition(deliverable=runbook, by=member, to=status)
    return runbook


def ask(project, manager, subject, approver, **kwargs):
    return services.approval_request(
        project=project, by=manager, subject=subject, approver=approver, **kwargs
    )


def test_approval_decide_only_by_its_approver(project, manager, viewer, change):
    """The project manager cannot decide an approval addressed to the viewer; the viewer can."""
    approval = ask(project, manager, change, viewer)
    with pytest.raises(PermissionDenied, match="Only Vic Viewer can decide"):
        services.approval_decide(approval=approval, by=manager, decision="approved")
    decided = services.approval_decide(
        approval=approval, by=viewer, decision="approved", comment="Fine."
    )
    assert decided.decision == Approval.Decision.APPROVED and decided.decided_at is not None


def test_approval_decide_only_once(project, manager, viewer, change):
    """A decided approval cannot be decided again, neither the same way nor the other."""
    approval = ask(project, manager, change, viewer)
    services.approval_decide(approval=approval, by=viewer, decision="approved")
    for decision in ("approved", "rejected"):
        with pytest.raises(ValidationError, match="already approved .* a decision is final"):
            services.approval_decide(approval=approval, by=viewer, decision=decision, comment="x")
    assert approval.history.count() == 2  # requested, decided


def test_approval_rejection_needs_a_comment(project, manager, viewer, change):
    """Rejecting without saying why is refused."""
    approval = ask(project, manager, change, viewer)
    with pytest.raises(ValidationError, match="Say why"):
        services.approval_decide(approval=approval, by=viewer, decision="rejected")


def test_approval_approved_moves_the_change_request_through_the_signal(
    project, manager, viewer, change
):
    """Once its approver approves, the change request is approved, by them, with their comment."""
    approval = ask(project, manager, change, viewer)
    services.approval_decide(approval=approval, by=viewer, decision="approved", comment="Go.")
    change.refresh_from_db()
    assert change.status == ChangeRequest.Status.APPROVED
    assert (change.decided_by, change.decision_reason) == (viewer, "Go.")


def test_approval_rejected_rejects_the_change_and_withdraws_other_requests(
    project, manager, member, viewer, change
):
    """One rejection rejects the change request; the other approver's request is withdrawn."""
    first = ask(project, manager, change, viewer)
    second = ask(project, manager, change, member)
    services.approval_decide(approval=first, by=viewer, decision="rejected", comment="Too dear.")
    change.refresh_from_db()
    second.refresh_from_db()
    assert change.status == ChangeRequest.Status.REJECTED
    assert change.decision_reason == "Too dear."
    assert second.decision == Approval.Decision.WITHDRAWN


def test_approval_with_two_approvers_waits_for_both(project, manager, member, viewer, change):
    """The change request moves only when the last of its approvers has approved."""
    first = ask(project, manager, change, viewer)
    second = ask(project, manager, change, member)
    services.approval_decide(approval=first, by=viewer, decision="approved")
    change.refresh_from_db()
    assert change.status == ChangeRequest.Status.SUBMITTED
    services.approval_decide(approval=second, by=member, decision="approved")
    change.refresh_from_db()
    assert change.status == ChangeRequest.Status.APPROVED


def test_change_request_approval_waits_for_a_pending_approval(project, manager, viewer, change):
    """While an approval is pending, the manager cannot approve by hand: the yes needs it."""
    ask(project, manager, change, viewer)
    with pytest.raises(ValidationError) as error:
        project_services.change_request_transition(
            change_request=change, by=manager, to="approved", reason="Board said so."
        )
    assert (
        "CR-001 Dark mode is waiting for approval by Vic Viewer"
        in error.value.message_dict["status"][0]
    )


def test_change_request_rejected_by_the_manager_withdraws_pending_approvals(
    project, manager, member, viewer, change
):
    """A manager's reject takes effect with its reason; each pending approval is withdrawn
    automatically, saying after whose rejection."""
    first = ask(project, manager, change, viewer)
    second = ask(project, manager, change, member)
    rejected = project_services.change_request_transition(
        change_request=change, by=manager, to="rejected", reason="Out of budget."
    )
    assert rejected.status == ChangeRequest.Status.REJECTED
    assert (rejected.decided_by, rejected.decision_reason) == (manager, "Out of budget.")
    for approval in (first, second):
        approval.refresh_from_db()
        assert approval.decision == Approval.Decision.WITHDRAWN
        assert approval.comment == (
            "Withdrawn automatically after Maria Manager rejected CR-001 Dark mode."
        )


def test_change_request_reject_without_reason_leaves_the_approvals_pending(
    project, manager, viewer, change
):
    """A reject refused for want of a reason withdraws nothing."""
    approval = ask(project, manager, change, viewer)
    with pytest.raises(ValidationError, match="Record why"):
        project_services.change_request_transition(
            change_request=change, by=manager, to="rejected", reason=" "
        )
    approval.refresh_from_db()
    assert approval.is_pending


def test_approval_withdrawn_after_a_rejection_names_who_rejected(
    project, manager, member, viewer, change
):
    """The approval withdrawn by the system says it was automatic and names the approver who
    rejected, not its own approver."""
    first = ask(project, manager, change, viewer)
    second = ask(project, manager, change, member)
    services.approval_decide(approval=first, by=viewer, decision="rejected", comment="No.")
    second.refresh_from_db()
    assert second.comment == "Withdrawn automatically after Vic Viewer rejected."
    outcome = services.approval_outcome(second)
    day = timezone.localtime(second.decided_at)
    assert outcome == (
        f"On {day.day} {day:%b %Y}, withdrawn automatically after Vic Viewer rejected; "
        "Mo Member has nothing left to decide."
    )
    assert "Mo Member withdrawn" not in outcome


def test_change_request_without_approvals_is_decided_by_hand(project, manager, change):
    """Asking for an approval is optional: without one, change control works as before."""
    approved = project_services.change_request_transition(
        change_request=change, by=manager, to="approved", reason="Agreed."
    )
    assert approved.status == ChangeRequest.Status.APPROVED


def test_approval_withdrawn_lets_the_manager_decide(project, manager, viewer, change):
    """Withdrawing the request (requester or manager) releases the decision."""
    approval = ask(project, manager, change, viewer)
    with pytest.raises(PermissionDenied):
        services.approval_withdraw(approval=approval, by=viewer)
    services.approval_withdraw(approval=approval, by=manager)
    approved = project_services.change_request_transition(
        change_request=change, by=manager, to="approved", reason="Agreed."
    )
    assert approved.status == ChangeRequest.Status.APPROVED


def test_approval_accepts_a_deliverable_with_its_criteria_met(
    project, manager, viewer, deliverable
):
    """An approved deliverable acceptance accepts the deliverable in the same transaction."""
    approval = ask(project, manager, deliverable, viewer)
    assert approval.kind == Approval.Kind.DELIVERABLE_ACCEPTANCE
    services.approval_decide(approval=approval, by=viewer, decision="approved")
    deliverable.refresh_from_db()
    assert (deliverable.status, deliverable.decided_by) == (Deliverable.Status.ACCEPTED, viewer)


def test_approval_of_a_deliverable_with_unmet_criteria_is_refused_and_stays_pending(
    project, manager, viewer, deliverable
):
    """Approving cannot skip the acceptance criteria: the decision is refused as a whole."""
    approval = ask(project, manager, deliverable, viewer)
    criterion = deliverable.criteria.get()
    project_services.criterion_set_met(criterion=criterion, by=manager, met=False)
    with pytest.raises(ValidationError, match="Every acceptance criterion must be met"):
        services.approval_decide(approval=approval, by=viewer, decision="approved")
    approval.refresh_from_db()
    assert approval.decision == Approval.Decision.PENDING


def test_deliverable_rejected_through_approval_needs_a_new_approval_to_be_accepted(
    project, manager, member, viewer, deliverable
):
    """After its approver rejected it, a resubmitted deliverable cannot be accepted by hand
    until someone approves it in a new request."""
    first = ask(project, manager, deliverable, viewer)
    services.approval_decide(approval=first, by=viewer, decision="rejected", comment="Typos.")
    deliverable.refresh_from_db()
    assert deliverable.status == Deliverable.Status.REJECTED
    assert deliverable.rejection_reason == "Typos."
    for status in ("in_progress", "submitted"):
        deliverable = project_services.deliverable_transition(
            deliverable=deliverable, by=member, to=status
        )
    with pytest.raises(ValidationError, match="Vic Viewer rejected the approval"):
        project_services.deliverable_transition(deliverable=deliverable, by=manager, to="accepted")
    second = ask(project, manager, deliverable, viewer)
    services.approval_decide(approval=second, by=viewer, decision="approved")
    deliverable.refresh_from_db()
    assert deliverable.status == Deliverable.Status.ACCEPTED


def test_deliverable_cannot_be_taken_back_while_its_approval_is_pending(
    project, manager, member, viewer, deliverable
):
    """A submitted deliverable awaiting approval stays submitted until the approver decides."""
    ask(project, manager, deliverable, viewer)
    with pytest.raises(ValidationError, match="waiting for approval by Vic Viewer"):
        project_services.deliverable_transition(
            deliverable=deliverable, by=member, to="in_progress"
        )


def test_approval_request_refuses_drafts_foreign_subjects_and_outsiders(
    project, manager, viewer, change
):
    """Only a submitted change is sent for approval; subjects of another project and approvers
    outside the project are refused; the same person is not asked twice at once."""
    draft = project_services.change_request_create(project=project, by=manager, title="Draft")
    with pytest.raises(ValidationError, match="only a submitted change request"):
        ask(project, manager, draft, viewer)
    other = project_with(manager=manager)
    foreign = project_services.change_request_create(project=other, by=manager, title="Theirs")
    with pytest.raises(ValidationError, match="another project"):
        ask(project, manager, foreign, viewer)
    with pytest.raises(ValidationError, match="is not a member"):
        ask(project, manager, change, UserFactory(username="ext"))
    ask(project, manager, change, viewer)
    with pytest.raises(ValidationError, match="already has this approval waiting"):
        ask(project, manager, change, viewer)


def test_approval_request_through_a_stakeholder_needs_a_linked_account(
    project, manager, viewer, change
):
    """A stakeholder approves through their linked account; one without an account cannot."""
    nobody = services.stakeholder_create(project=project, by=manager, name="No Account")
    with pytest.raises(ValidationError, match="has no Charter account linked"):
        services.approval_request(project=project, by=manager, subject=change, stakeholder=nobody)
    sponsor = services.stakeholder_create(project=project, by=manager, name="Vic", user=viewer)
    approval = services.approval_request(
        project=project, by=manager, subject=change, stakeholder=sponsor
    )
    assert (approval.approver, approval.stakeholder) == (viewer, sponsor)


def test_approval_for_project_closure_is_recorded_without_moving_anything(project, manager, viewer):
    """Closure sign-off is an approval of the project itself; deciding it changes no stage."""
    approval = ask(project, manager, project, viewer)
    assert approval.kind == Approval.Kind.PROJECT_CLOSURE
    services.approval_decide(approval=approval, by=viewer, decision="approved")
    project.refresh_from_db()
    assert project.stage != "closed"


def test_approvals_waiting_for_me_across_projects_in_constant_queries(
    project, manager, viewer, change, django_assert_max_num_queries
):
    """My waiting list spans my projects, skips decided ones and other people's, and reads
    subjects without a query per approval."""
    second = project_with(manager=manager, viewer=viewer)
    mine = [ask(project, manager, change, viewer), ask(project, manager, project, viewer)]
    for i in range(3):
        cr = project_services.change_request_create(project=second, by=manager, title=f"C{i}")
        cr = project_services.change_request_transition(
            change_request=cr, by=manager, to="submitted"
        )
        mine.append(ask(second, manager, cr, viewer))
    services.approval_decide(approval=mine.pop(), by=viewer, decision="approved")
    ask(second, manager, second, manager)  # someone else's
    with django_assert_max_num_queries(4):
        rows = [
            (a.project.key, a.requested_by.username, services.subject_label(a.subject))
            for a in selectors.approvals_waiting_for(viewer)
        ]
    assert [r[2] for r in rows] == [
        "CR-001 Dark mode",
        f"closure of {project.key} {project.name}",
        "CR-001 C0",
        "CR-002 C1",
    ]


def test_deleting_a_subject_deletes_its_approvals(project, manager, viewer, deliverable):
    """A generic subject has no cascade: deleting a deliverable removes its approvals too."""
    ask(project, manager, deliverable, viewer)
    Deliverable.objects.filter(pk=deliverable.pk).get().delete()
    assert not Approval.objects.exists()


def test_approval_request_emails_the_approver_a_link_over_smtp(
    project,
    manager,
    viewer,
    change,
    smtp_server,
    settings,
    eager_tasks,
    django_capture_on_commit_callbacks,
):
    """Once the request commits, the approver receives an HTML and text e-mail, through a real
    SMTP server, with a link to the approval built from SITE_URL; a second run sends nothing."""
    settings.SITE_URL = "https://charter.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        approval = ask(project, manager, change, viewer, note="Please check the cost.")
    assert len(smtp_server.messages) == 1
    recipients, message = smtp_server.messages[0]
    assert recipients == [viewer.email]
    assert message["To"] == viewer.email
    assert message["Subject"] == f"[{project.key}] Approval requested: CR-001 Dark mode"
    link = f"https://charter.example.org/projects/{project.pk}/approvals/{approval.pk}/"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert link in text and f'href="{link}"' in html
    assert "Please check the cost." in text
    approval.refresh_from_db()
    assert approval.notified_at is not None
    assert services.approval_notify(approval_id=approval.pk) is False
    assert len(smtp_server.messages) == 1


def test_approval_request_sends_no_email_when_the_transaction_rolls_back(
    project,
    manager,
    viewer,
    change,
    smtp_server,
    eager_tasks,
    django_capture_on_commit_callbacks,
):
    """The e-mail is queued on commit: a request that fails later in its transaction sends
    nothing."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ask(project, manager, change, viewer)
        with pytest.raises(ValidationError):
            ask(project, manager, change, viewer)
    # The first request's e-mail and its event; nothing of the second.
    assert len(smtp_server.messages) == 1
    assert [event.type for event in Event.objects.all()] == ["approval.requested"]
    assert callbacks


@pytest.mark.django_db(transaction=True)
def test_approval_decide_concurrently_decides_once(project, manager, viewer, change):
    """Two simultaneous decisions by the approver (two tabs): exactly one wins (PostgreSQL)."""
    if connection.vendor != "postgresql":
        pytest.skip("Row locks (select_for_update) need PostgreSQL.")
    approval = ask(project, manager, change, viewer)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def decide(decision: str) -> None:
        try:
            barrier.wait(timeout=10)
            services.approval_decide(
                approval=approval, by=viewer, decision=decision, comment="Tab " + decision
            )
            results.append("ok")
        except ValidationError:
            results.append("refused")
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=decide, args=(d,)) for d in ("approved", "rejected")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == ["ok", "refused"]
    approval.refresh_from_db()
    change.refresh_from_db()
    assert approval.decided_at <= datetime.datetime.now(datetime.UTC)
    assert change.status == approval.decision  # approved → approved, rejected → rejected


def test_approval_of_a_stage_gate_names_the_phase(project, manager, viewer):
    """A phase's gate is approved like anything else; its approval is a stage-gate approval."""
    from scheduling import services as scheduling_services

    phase = scheduling_services.phase_create(project=project, by=manager, name="Design stage")
    approval = ask(project, manager, phase, viewer)
    assert approval.kind == Approval.Kind.STAGE_GATE
    assert services.subject_label(approval.subject) == "stage gate “Design stage”"
    phase.delete()
    assert not Approval.objects.exists()
