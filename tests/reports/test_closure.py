"""Closure services and selectors: the checklist (computed and ticked), the final review,
submission, the sponsor's sign-off through an Approval, rejection, reopening (DESIGN §4)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from budgets import services as budget_services
from projects import services as project_services
from projects.exceptions import StaleEdit
from projects.models import ChangeRequest, Deliverable, Project, ProjectTemplate
from projects.models.scope import validate_template_content
from reports.models import Closure, KpiSnapshot, PostImplementationReview
from reports.selectors import closure as selectors
from reports.services import closure as services
from reports.services.kpi import kpi_snapshot_refresh
from reports.tasks.kpi import refresh_kpi_snapshot
from risks import services as risk_services
from scheduling import services as schedule_services
from stakeholders import services as stakeholder_services
from stakeholders.models import Approval
from tests.reports.closure_support import (
    accepted_deliverable,
    sign_off,
    sponsor_of,
    submitted,
    tick_all,
)

pytestmark = pytest.mark.django_db


def _rows(closure):
    return {row.item.rule or row.item.title: row for row in selectors.checklist(closure)}


def test_closure_start_moves_to_closing_with_defaults(project, manager):
    """Starting lays out the computed items and the type's manual items; the stage is closing."""
    closure = services.closure_start(project=project, by=manager)
    project.refresh_from_db()
    assert project.stage == Project.Stage.CLOSING
    rules = [i.rule for i in closure.items.order_by("position") if i.rule]
    assert rules == [
        "work_complete",
        "deliverables_accepted",
        "issues_closed",
        "change_requests_decided",
        "commitments_closed",
    ]
    titles = set(closure.items.filter(rule="").values_list("title", flat=True))
    assert "Support hand-over done" in titles
    assert "Budget reconciled (actuals final)" in titles
    # a software project gets its type's extra item
    assert "Hypercare finished and backlog handed to the product team" in titles


def test_closure_start_leaves_the_callers_project_at_closing(project, manager):
    """The project passed in reads stage closing after start, without a reload."""
    services.closure_start(project=project, by=manager)
    assert project.stage == Project.Stage.CLOSING


def test_closure_start_twice_is_the_same_closure(project, manager):
    """Starting again returns the same closure and adds no item."""
    first = services.closure_start(project=project, by=manager)
    count = first.items.count()
    again = services.closure_start(project=project, by=manager)
    assert again.pk == first.pk
    assert again.items.count() == count
    assert Closure.objects.filter(project=project).count() == 1


def test_closure_start_takes_the_templates_checklist(project, manager):
    """A template of the project's type with a closure checklist replaces the default items."""
    ProjectTemplate.objects.create(
        name="Our releases",
        type=project.type,
        methodology=project.methodology,
        content={
            "closure_checklist": [
                "Release notes published",
                {"title": "Feature flags removed", "help_text": "Dead code too."},
            ]
        },
    )
    closure = services.closure_start(project=project, by=manager)
    manual = list(closure.items.filter(rule="").order_by("position").values("title", "help_text"))
    assert manual == [
        {"title": "Release notes published", "help_text": ""},
        {"title": "Feature flags removed", "help_text": "Dead code too."},
    ]
    assert closure.items.exclude(rule="").count() == 5


def test_template_content_validates_the_closure_checklist():
    """Template content accepts text or {title} items and refuses an item without a title."""
    validate_template_content({"closure_checklist": ["A", {"title": "B", "help_text": "b"}]})
    with pytest.raises(ValidationError, match="Closure checklist item 2 needs a title"):
        validate_template_content({"closure_checklist": ["A", {"help_text": "b"}]})
    with pytest.raises(ValidationError, match="must be a list"):
        validate_template_content({"closure_checklist": "A"})


def test_computed_items_reflect_the_data(project, manager):
    """Each computed item names what is open, and turns done once the data says so."""
    by = manager
    accepted_deliverable(project, by, "Release")
    project_services.deliverable_create(project=project, by=by, name="Runbook", criteria=["ok"])
    project_services.deliverable_create(project=project, by=by, name="DR test", criteria=["ok"])
    issue = risk_services.issue_create(project=project, by=by, title="Login outage")
    change = project_services.change_request_create(project=project, by=by, title="Safari")
    project_services.change_request_transition(change_request=change, by=by, to="submitted")
    commitment = budget_services.commitment_create(
        project=project,
        by=by,
        date=project.start_date,
        amount="5000.00",
        category="contractors",
        reference="PO-42",
    )
    closure = services.closure_start(project=project, by=by)

    rows = _rows(closure)
    assert not rows["deliverables_accepted"].done
    assert rows["deliverables_accepted"].sentence == (
        "2 deliverables not accepted: Runbook, DR test."
    )
    assert rows["issues_closed"].sentence == f"1 issue still open: I-{issue.number} Login outage."
    assert rows["change_requests_decided"].sentence == (
        "1 change request waiting for a decision: CR-001 Safari."
    )
    assert rows["commitments_closed"].sentence == (
        "1 purchase order or contract still open: PO-42."
    )

    Deliverable.objects.filter(project=project).update(status=Deliverable.Status.ACCEPTED)
    risk_services.issue_update(
        issue=issue, by=by, version=None, status="closed", resolution="Fixed."
    )
    project_services.change_request_transition(
        change_request=change, by=by, to="rejected", reason="Not now."
    )
    budget_services.commitment_close(commitment=commitment, by=by, to="invoiced")
    rows = _rows(closure)
    assert all(rows[rule].done for rule in selectors.RULES)
    assert rows["deliverables_accepted"].sentence == "All 3 deliverables accepted."


def test_computed_item_refuses_ticking(project, manager):
    """A computed item cannot be ticked by hand; the message says why."""
    closure = services.closure_start(project=project, by=manager)
    item = closure.items.get(rule="issues_closed")
    with pytest.raises(ValidationError, match="decided by Charter"):
        services.closure_item_tick(item=item, by=manager, done=True)
    item.refresh_from_db()
    assert not item.done


def test_tick_and_untick_a_manual_item(project, member, manager):
    """Ticking records who and when with a note; unticking clears them."""
    closure = services.closure_start(project=project, by=manager)
    item = closure.items.get(title="Support hand-over done")
    item = services.closure_item_tick(item=item, by=member, done=True, note="Service desk: Ana")
    assert (item.done, item.done_by, item.note) == (True, member, "Service desk: Ana")
    assert item.done_at is not None
    with pytest.raises(StaleEdit):
        services.closure_item_tick(item=item, by=member, done=False, version=item.version - 1)
    item = services.closure_item_tick(item=item, by=member, done=False, version=item.version)
    assert (item.done, item.done_by, item.done_at) == (False, None, None)
    assert item.note == "Service desk: Ana"


def test_closure_update_is_versioned(project, manager):
    """Narrative and review weeks are edited with a version; a stale one is refused."""
    closure = services.closure_start(project=project, by=manager)
    closure = services.closure_update(
        closure=closure, by=manager, version=closure.version, narrative=" Went well. ", pir_weeks=6
    )
    assert (closure.narrative, closure.pir_weeks) == ("Went well.", 6)
    with pytest.raises(StaleEdit):
        services.closure_update(closure=closure, by=manager, version=1, narrative="x")
    with pytest.raises(ValidationError):
        services.closure_update(closure=closure, by=manager, version=None, pir_weeks=0)


def test_submit_refuses_while_items_are_open(project, manager, viewer):
    """Submitting lists what is open, computed items with their sentence; nothing is asked."""
    project_services.deliverable_create(project=project, by=manager, name="Runbook", criteria=["x"])
    closure = services.closure_start(project=project, by=manager)
    sponsor = sponsor_of(project, viewer)
    with pytest.raises(ValidationError) as error:
        services.closure_submit(closure=closure, by=manager, sponsor=sponsor)
    message = " ".join(error.value.messages)
    assert "Every deliverable accepted (1 deliverable not accepted: Runbook)" in message
    assert "Support hand-over done" in message
    assert not Approval.objects.filter(project=project).exists()
    closure.refresh_from_db()
    assert closure.status == Closure.Status.OPEN


def test_submit_freezes_the_report_and_asks_the_sponsor(project, manager, viewer):
    """Submission freezes the report and asks the sponsor for a project-closure approval."""
    accepted_deliverable(project, manager, "Release")
    sponsor = sponsor_of(project, viewer)
    closure = submitted(project, manager, sponsor)
    assert closure.status == Closure.Status.AWAITING_SIGN_OFF
    approval = closure.approval
    assert (approval.kind, approval.approver, approval.subject) == (
        Approval.Kind.PROJECT_CLOSURE,
        viewer,
        project,
    )
    assert closure.report["review"]["scope"] == {
        "deliverables_total": 1,
        "deliverables_accepted": 1,
    }
    assert all(row["done"] for row in closure.report["checklist"])
    # the checklist is frozen while the sponsor decides
    item = closure.items.filter(rule="").first()
    with pytest.raises(ValidationError, match="waiting for the sponsor"):
        services.closure_item_tick(item=item, by=manager, done=False)


def test_submit_refuses_the_manager_as_sponsor(project, manager):
    """The manager who submits cannot sign their own closure off."""
    closure = services.closure_start(project=project, by=manager)
    tick_all(closure, manager)
    with pytest.raises(ValidationError, match="not the manager"):
        services.closure_submit(closure=closure, by=manager, approver=manager)


def test_sign_off_only_by_the_sponsors_approval(project, manager, member, viewer):
    """Only the approver decides; another closure approval closes nothing; the sponsor's does."""
    sponsor = sponsor_of(project, viewer)
    closure = submitted(project, manager, sponsor)
    with pytest.raises(PermissionDenied):
        stakeholder_services.approval_decide(
            approval=closure.approval, by=manager, decision="approved"
        )
    # An approval of the project's closure asked outside the closure is no sign-off.
    stray = stakeholder_services.approval_request(
        project=project, by=manager, subject=project, approver=member
    )
    stakeholder_services.approval_decide(approval=stray, by=member, decision="approved")
    project.refresh_from_db()
    closure.refresh_from_db()
    assert project.stage == Project.Stage.CLOSING
    assert closure.status == Closure.Status.AWAITING_SIGN_OFF

    stakeholder_services.approval_decide(approval=closure.approval, by=viewer, decision="approved")
    project.refresh_from_db()
    closure.refresh_from_db()
    assert project.stage == Project.Stage.CLOSED
    assert closure.status == Closure.Status.SIGNED_OFF
    review = PostImplementationReview.objects.get(project=project)
    assert review.due_on == project.today() + datetime.timedelta(weeks=8)


def test_rejection_opens_the_checklist_again(project, manager, viewer):
    """A rejection sends the closure back to open with the sponsor's comment on the approval."""
    sponsor = sponsor_of(project, viewer)
    closure = submitted(project, manager, sponsor)
    stakeholder_services.approval_decide(
        approval=closure.approval, by=viewer, decision="rejected", comment="Runbook missing."
    )
    closure.refresh_from_db()
    project.refresh_from_db()
    assert closure.status == Closure.Status.OPEN
    assert closure.approval.comment == "Runbook missing."
    assert project.stage == Project.Stage.CLOSING
    # and it can be submitted again
    closure = services.closure_submit(closure=closure, by=manager, sponsor=sponsor)
    assert closure.status == Closure.Status.AWAITING_SIGN_OFF


def test_withdraw_returns_to_open(project, manager, viewer):
    """Withdrawing the submission withdraws the approval and opens the checklist."""
    closure = submitted(project, manager, sponsor_of(project, viewer))
    closure = services.closure_withdraw(closure=closure, by=manager)
    assert closure.status == Closure.Status.OPEN
    closure.approval.refresh_from_db()
    assert closure.approval.decision == Approval.Decision.WITHDRAWN


def test_reopen_is_recorded_with_its_reason(project, manager, member, viewer):
    """A manager reopens a closed project with a reason; the history keeps it."""
    sign_off(project, manager, sponsor_of(project, viewer))
    with pytest.raises(ValidationError, match="Say why"):
        services.closure_reopen(project=project, by=manager, reason=" ")
    with pytest.raises(PermissionDenied):
        services.closure_reopen(project=project, by=member, reason="Audit finding")
    closure = services.closure_reopen(project=project, by=manager, reason="Audit finding")
    project.refresh_from_db()
    assert project.stage == Project.Stage.CLOSING
    assert closure.status == Closure.Status.OPEN
    record = selectors.reopen_records(project).get()
    assert (record.history_change_reason, record.history_user) == (
        "Reopened: Audit finding",
        manager,
    )
    with pytest.raises(ValidationError, match="not closed"):
        services.closure_reopen(project=project, by=manager, reason="Again")


def test_final_review_numbers(project, manager):
    """Objectives met or not in their direction; changes and scope summed."""
    by = manager
    project_services.objective_create(
        project=project,
        by=by,
        description="Fewer tickets",
        measure="tickets",
        baseline_value=Decimal("100"),
        target_value=Decimal("60"),
        achieved_value=Decimal("55"),
    )
    project_services.objective_create(
        project=project,
        by=by,
        description="Adoption",
        measure="users",
        target_value=Decimal("500"),
        achieved_value=Decimal("420"),
    )
    project_services.objective_create(project=project, by=by, description="NPS", measure="NPS")
    accepted_deliverable(project, by, "Release")
    project_services.deliverable_create(project=project, by=by, name="Runbook", criteria=["x"])
    for title, to, cost in (("A", "approved", "1000"), ("B", "rejected", "50")):
        change = project_services.change_request_create(
            project=project, by=by, title=title, cost_impact=Decimal(cost), schedule_impact=3
        )
        project_services.change_request_transition(change_request=change, by=by, to="submitted")
        project_services.change_request_transition(
            change_request=change, by=by, to=to, reason="Decided."
        )
    review = selectors.final_review(project, as_of=datetime.date(2026, 3, 2), narrative="Done.")
    assert [o["met"] for o in review["objectives"]] == [True, False, None]
    assert review["objectives_met"] == 1
    assert review["scope"] == {"deliverables_total": 2, "deliverables_accepted": 1}
    assert review["changes"] == {
        "total": 2,
        "approved": 1,
        "rejected": 1,
        "pending": 0,
        "approved_cost": "1000.00",
        "approved_days": 3,
    }
    assert review["narrative"] == "Done."
    assert ChangeRequest.objects.filter(project=project).count() == 2


def test_final_review_query_count_is_constant(project, manager, django_assert_max_num_queries):
    """The final review reads in a fixed number of queries, however many records."""
    for i in range(6):
        project_services.objective_create(
            project=project, by=manager, description=f"O{i}", measure="m"
        )
        accepted_deliverable(project, manager, f"D{i}")
    closure = services.closure_start(project=project, by=manager)
    with django_assert_max_num_queries(30):
        selectors.closure_report(closure, as_of=datetime.date(2026, 3, 2))


# --- all work complete or explicitly cancelled; the final snapshot ------------------------------


def _task(project, by, name, percent=0, duration=5):
    task = schedule_services.task_create(project=project, by=by, name=name, duration=duration)
    if percent:
        task = schedule_services.task_update(
            task=task, by=by, version=None, percent_complete=percent
        )
    return task


def test_work_item_is_open_while_tasks_are_not_complete(project, manager, viewer):
    """A project with unfinished tasks cannot be submitted: the computed work item names them."""
    _task(project, manager, "Design", percent=100)
    _task(project, manager, "Build", percent=40)
    closure = services.closure_start(project=project, by=manager)
    tick_all(closure, manager)
    row = _rows(closure)["work_complete"]
    assert not row.done
    assert row.sentence.startswith("1 task not complete: Build (40 %).")
    with pytest.raises(ValidationError, match="All work complete or explicitly cancelled"):
        services.closure_submit(closure=closure, by=manager, sponsor=sponsor_of(project, viewer))


def test_work_item_holds_when_every_task_is_complete(project, manager):
    """Every task at 100 % (done) makes the item hold by itself."""
    _task(project, manager, "Design", percent=100)
    _task(project, manager, "Kick-off", percent=100, duration=0)
    closure = services.closure_start(project=project, by=manager)
    row = _rows(closure)["work_complete"]
    assert (row.done, row.sentence) == (True, "All 2 tasks complete.")


def test_manager_cancels_the_work_left_saying_why(project, manager, member, viewer):
    """Only a manager cancels the work left, with a reason; the item then holds and names the
    tasks left as they are; a task added afterwards opens it again."""
    build = _task(project, manager, "Build", percent=40)
    closure = services.closure_start(project=project, by=manager)
    with pytest.raises(PermissionDenied):
        services.closure_work_cancel(closure=closure, by=member, reason="Out of scope.")
    with pytest.raises(ValidationError, match="Say why"):
        services.closure_work_cancel(closure=closure, by=manager, reason=" ")
    services.closure_work_cancel(closure=closure, by=manager, reason="Descoped by the board.")
    row = _rows(closure)["work_complete"]
    assert row.done
    assert row.sentence.startswith("Work left cancelled by Maria Manager on ")
    assert "Descoped by the board. (1 task not complete: Build (40 %))." in row.sentence
    build.refresh_from_db()
    assert build.percent_complete == 40  # the plan still shows what was never finished
    tick_all(closure, manager)
    services.closure_submit(closure=closure, by=manager, sponsor=sponsor_of(project, viewer))
    with pytest.raises(ValidationError, match="waiting for the sponsor"):
        services.closure_work_cancel(closure=closure, by=manager, reason="x", cancel=False)


def test_task_added_after_the_cancellation_opens_the_work_item(project, manager):
    """The cancellation covers the tasks open then, not one added later."""
    _task(project, manager, "Build")
    closure = services.closure_start(project=project, by=manager)
    services.closure_work_cancel(closure=closure, by=manager, reason="Stopped.")
    _task(project, manager, "Late addition")
    row = _rows(closure)["work_complete"]
    assert not row.done
    assert "Late addition (0 %)" in row.sentence
    services.closure_work_cancel(closure=closure, by=manager, reason="", cancel=False)
    assert "2 tasks not complete" in _rows(closure)["work_complete"].sentence


def test_sign_off_freezes_a_final_snapshot_no_refresh_replaces(project, manager, viewer):
    """At sign-off the day's KPIs are frozen, marked final; the refresh task and the service
    leave a closed project's final figures as they are; reopening thaws them."""
    _task(project, manager, "Build", percent=100)
    KpiSnapshot.objects.all().delete()
    sign_off(project, manager, sponsor_of(project, viewer))
    project.refresh_from_db()
    final = KpiSnapshot.objects.get(project=project, is_final=True)
    assert final.as_of == project.today()
    assert final.percent_complete == Decimal("100.0")
    frozen_at = final.computed_at
    assert refresh_kpi_snapshot(project.pk) == final.pk
    later = project.today() + datetime.timedelta(days=1)
    assert kpi_snapshot_refresh(project=project, as_of=later).pk == final.pk
    assert list(KpiSnapshot.objects.filter(project=project)) == [final]
    final.refresh_from_db()
    assert final.computed_at == frozen_at
    services.closure_reopen(project=project, by=manager, reason="Audit finding")
    assert not KpiSnapshot.objects.filter(project=project, is_final=True).exists()
