"""Scope rules: WBS numbering, deliverable acceptance, requirements, change control, templates."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from projects import services
from projects.exceptions import StaleEdit
from projects.models import (
    ChangeRequest,
    Deliverable,
    Project,
    ProjectTemplate,
    Requirement,
    WorkPackage,
)
from projects.template_library import install_builtin_templates
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def codes(project):
    return list(
        WorkPackage.objects.filter(project=project).order_by("sort_key").values_list("code", "name")
    )


@pytest.fixture
def wbs(project, manager):
    """1 Design (1.1 UX, 1.2 API) · 2 Build · 3 Test."""
    design = services.work_package_add(project=project, by=manager, name="Design")
    services.work_package_add(project=project, by=manager, name="UX", parent=design)
    services.work_package_add(project=project, by=manager, name="API", parent=design)
    services.work_package_add(project=project, by=manager, name="Build")
    services.work_package_add(project=project, by=manager, name="Test")
    return {wp.name: wp for wp in WorkPackage.objects.filter(project=project)}


def test_work_package_add_numbers_the_tree_in_reading_order(project, wbs):
    """Codes follow the tree: top-level 1, 2, 3 and children 1.1, 1.2."""
    assert codes(project) == [
        ("1", "Design"),
        ("1.1", "UX"),
        ("1.2", "API"),
        ("2", "Build"),
        ("3", "Test"),
    ]


def test_work_package_add_at_a_position_shifts_later_siblings(project, manager, wbs):
    """Inserting at position 2 pushes the old second and third packages down."""
    services.work_package_add(project=project, by=manager, name="Plan", position=2)
    assert [name for _, name in codes(project) if "." not in _] == [
        "Design",
        "Plan",
        "Build",
        "Test",
    ]


@pytest.mark.parametrize(
    ("name", "direction", "expected"),
    [
        ("Build", "up", ["1 Build", "2 Design", "2.1 UX", "2.2 API", "3 Test"]),
        ("Design", "down", ["1 Build", "2 Design", "2.1 UX", "2.2 API", "3 Test"]),
        ("Build", "indent", ["1 Design", "1.1 UX", "1.2 API", "1.3 Build", "2 Test"]),
        ("API", "outdent", ["1 Design", "1.1 UX", "2 API", "3 Build", "4 Test"]),
        ("API", "up", ["1 Design", "1.1 API", "1.2 UX", "2 Build", "3 Test"]),
    ],
)
def test_work_package_shift_renumbers_after_each_move(
    project, manager, wbs, name, direction, expected
):
    """Up, down, indent and outdent move the package (with its subtree) and renumber the WBS."""
    services.work_package_shift(work_package=wbs[name], by=manager, direction=direction)
    assert [f"{code} {n}" for code, n in codes(project)] == expected


@pytest.mark.parametrize(
    ("name", "direction", "message"),
    [
        ("Design", "up", "already first"),
        ("Test", "down", "already last"),
        ("Design", "indent", "no package above"),
        ("Build", "outdent", "already at the top"),
    ],
)
def test_work_package_shift_explains_impossible_moves(manager, wbs, name, direction, message):
    """A move with nowhere to go is refused with a sentence saying why."""
    with pytest.raises(ValidationError, match=message):
        services.work_package_shift(work_package=wbs[name], by=manager, direction=direction)


def test_work_package_move_refuses_moving_under_its_own_child(manager, wbs):
    """A package cannot become a child of its own subtree (that would make a loop)."""
    with pytest.raises(ValidationError, match="under itself"):
        services.work_package_move(
            work_package=wbs["Design"], by=manager, parent=wbs["UX"], position=1
        )


def test_work_package_move_refuses_a_parent_from_another_project(manager, wbs, outsider):
    """A parent id from a foreign project is refused, never linked."""
    foreign = ProjectFactory()
    other = WorkPackage.objects.create(project=foreign, name="Foreign", code="1", sort_key="0001")
    with pytest.raises(ValidationError, match="another project"):
        services.work_package_move(work_package=wbs["Build"], by=manager, parent=other, position=1)


def test_work_package_delete_refuses_parents_and_renumbers_after_leaves(project, manager, wbs):
    """A package with children stays; deleting a leaf closes the gap in the numbering."""
    with pytest.raises(ValidationError, match="move or delete them first"):
        services.work_package_delete(work_package=wbs["Design"], by=manager)
    services.work_package_delete(work_package=wbs["UX"], by=manager)
    assert [f"{c} {n}" for c, n in codes(project)] == ["1 Design", "1.1 API", "2 Build", "3 Test"]


def test_wbs_renumber_touches_only_rows_whose_numbers_change(project, manager, wbs):
    """Renumbering an already numbered tree writes nothing."""
    assert services.wbs_renumber(project) == 0


def test_work_package_update_with_stale_version_is_refused(manager, wbs):
    """Renaming from an old version is refused rather than overwriting."""
    build = wbs["Build"]
    services.work_package_update(work_package=build, by=manager, version=1, name="Construction")
    with pytest.raises(StaleEdit):
        services.work_package_update(work_package=build, by=manager, version=1, name="Make")


def make_deliverable(project, manager, criteria=("Reviewed", "Signed")):
    return services.deliverable_create(
        project=project, by=manager, name="Runbook", criteria=list(criteria)
    )


def advance(deliverable, by, *statuses):
    for status in statuses:
        deliverable = services.deliverable_transition(deliverable=deliverable, by=by, to=status)
    return deliverable


def test_deliverable_accept_requires_every_criterion_met(project, manager):
    """Acceptance is refused while a criterion is unmet, naming it; then records who and when."""
    deliverable = advance(make_deliverable(project, manager), manager, "in_progress", "submitted")
    first, second = deliverable.criteria.all()
    services.criterion_set_met(criterion=first, by=manager, met=True)
    with pytest.raises(ValidationError, match="Not met: Signed"):
        services.deliverable_transition(deliverable=deliverable, by=manager, to="accepted")
    services.criterion_set_met(criterion=second, by=manager, met=True)
    accepted = services.deliverable_transition(deliverable=deliverable, by=manager, to="accepted")
    assert accepted.status == Deliverable.Status.ACCEPTED
    assert accepted.decided_by == manager and accepted.decided_at is not None
    assert accepted.history.first().history_user == manager


def test_deliverable_accept_requires_some_criteria(project, manager):
    """A deliverable with no acceptance criteria cannot be accepted."""
    deliverable = advance(
        make_deliverable(project, manager, criteria=()), manager, "in_progress", "submitted"
    )
    with pytest.raises(ValidationError, match="Add acceptance criteria"):
        services.deliverable_transition(deliverable=deliverable, by=manager, to="accepted")


def test_deliverable_reject_requires_a_reason_and_rework_follows(project, manager):
    """Rejecting needs a reason, which is kept; rejected work can go back in progress."""
    deliverable = advance(make_deliverable(project, manager), manager, "in_progress", "submitted")
    with pytest.raises(ValidationError, match="why"):
        services.deliverable_transition(deliverable=deliverable, by=manager, to="rejected")
    rejected = services.deliverable_transition(
        deliverable=deliverable, by=manager, to="rejected", reason="Rollback not rehearsed"
    )
    assert rejected.rejection_reason == "Rollback not rehearsed"
    assert advance(rejected, manager, "in_progress").status == "in_progress"


def test_deliverable_transition_refuses_skips(project, manager):
    """A planned deliverable cannot be accepted straight away."""
    with pytest.raises(ValidationError, match="planned cannot become accepted"):
        services.deliverable_transition(
            deliverable=make_deliverable(project, manager), by=manager, to="accepted"
        )


def test_deliverable_set_criteria_adds_updates_and_removes(project, manager):
    """Setting the list keeps known ids, adds new texts and drops the rest, in order."""
    deliverable = make_deliverable(project, manager)
    reviewed, _signed = deliverable.criteria.all()
    services.deliverable_set_criteria(
        deliverable=deliverable,
        by=manager,
        criteria=[{"text": "Tested"}, {"id": reviewed.pk, "text": "Peer reviewed", "met": True}],
    )
    assert list(deliverable.criteria.values_list("text", "met")) == [
        ("Tested", False),
        ("Peer reviewed", True),
    ]


def test_deliverable_owner_must_be_a_member(project, manager):
    """The owner of a deliverable is someone on the project."""
    with pytest.raises(ValidationError, match="not a member"):
        services.deliverable_create(project=project, by=manager, name="X", owner=UserFactory())


def test_requirement_refs_are_numbered_and_unique_per_project(project, manager):
    """Refs default to the next REQ-nnn; a duplicate is refused; other projects may reuse it."""
    first = services.requirement_create(project=project, by=manager, text="SSO login")
    second = services.requirement_create(project=project, by=manager, text="Audit log")
    assert (first.ref, second.ref) == ("REQ-001", "REQ-002")
    with pytest.raises(ValidationError, match="reference"):
        services.requirement_create(project=project, by=manager, text="Dup", ref="req-001")
    other = ProjectFactory()
    assert services.requirement_create(project=other, by=manager, text="x", ref="REQ-001")


def test_requirement_traces_only_to_deliverables_of_its_project(project, manager):
    """Tracing a requirement to another project's deliverable is refused."""
    foreign = Deliverable.objects.create(project=ProjectFactory(), name="Foreign")
    with pytest.raises(ValidationError, match="another project"):
        services.requirement_create(project=project, by=manager, text="SSO", deliverables=[foreign])
    assert not Requirement.objects.exists()


def cr(project, manager, **fields):
    return services.change_request_create(
        project=project, by=manager, title="Add Safari support", **fields
    )


def test_change_request_flow_records_the_decision(project, manager):
    """Draft → submitted → approved → implemented, with who, when and why of the decision."""
    change = cr(project, manager, schedule_impact=5, cost_impact=Decimal("12000.00"))
    assert change.ref == "CR-001"
    change = services.change_request_transition(change_request=change, by=manager, to="submitted")
    change = services.change_request_transition(
        change_request=change, by=manager, to="approved", reason="Top customer request"
    )
    assert (change.decided_by, change.decision_reason) == (manager, "Top customer request")
    change = services.change_request_transition(change_request=change, by=manager, to="implemented")
    assert change.status == ChangeRequest.Status.IMPLEMENTED and change.implemented_at


@pytest.mark.parametrize(
    ("path", "to", "message"),
    [
        ([], "implemented", "draft and cannot become implemented"),
        ([], "approved", "draft and cannot become approved"),
        (["submitted"], "implemented", "next it can only be approved or rejected"),
        (["submitted", "rejected"], "submitted", "it is final"),
    ],
)
def test_change_request_transition_refuses_skips(project, manager, path, to, message):
    """No status is skipped, and the error says what may come next."""
    change = cr(project, manager)
    for status in path:
        change = services.change_request_transition(
            change_request=change, by=manager, to=status, reason="because"
        )
    with pytest.raises(ValidationError, match=message):
        services.change_request_transition(change_request=change, by=manager, to=to, reason="x")


def test_change_request_decision_requires_a_reason(project, manager):
    """Approving or rejecting without saying why is refused."""
    change = services.change_request_transition(
        change_request=cr(project, manager), by=manager, to="submitted"
    )
    with pytest.raises(ValidationError, match="why"):
        services.change_request_transition(change_request=change, by=manager, to="approved")


def test_change_request_only_drafts_can_be_edited(project, manager):
    """Once submitted, a change request's content is frozen."""
    change = services.change_request_transition(
        change_request=cr(project, manager), by=manager, to="submitted"
    )
    with pytest.raises(ValidationError, match="only drafts"):
        services.change_request_update(change_request=change, by=manager, version=None, title="New")


def test_change_log_totals_count_only_approved_impact(project, manager):
    """Totals add up approved and implemented changes; drafts and rejections do not count."""
    from projects.selectors import change_log_totals

    def decided(to, days, cost):
        change = cr(project, manager, schedule_impact=days, cost_impact=Decimal(cost))
        change = services.change_request_transition(
            change_request=change, by=manager, to="submitted"
        )
        return services.change_request_transition(
            change_request=change, by=manager, to=to, reason="r"
        )

    decided("approved", 5, "1000.00")
    decided("rejected", 20, "50000.00")
    services.change_request_transition(
        change_request=decided("approved", -2, "-250.50"), by=manager, to="implemented"
    )
    cr(project, manager, schedule_impact=9, cost_impact=Decimal("9"))
    totals = change_log_totals(project)
    assert totals["schedule"] == 3
    assert totals["cost"] == Decimal("749.50")
    assert totals["approved"] == 2 and totals["total"] == 4


def test_charter_update_is_versioned(project, manager):
    """Editing the charter from an old version is refused."""
    charter = services.charter_update(
        project=project, by=manager, version=1, business_case="Cut costs"
    )
    assert charter.version == 2
    with pytest.raises(StaleEdit):
        services.charter_update(project=project, by=manager, version=1, in_scope="All")


def test_project_create_from_template_prefills_scope(manager):
    """Each built-in template fills objectives, a numbered WBS, deliverables and categories."""
    install_builtin_templates()  # transactional tests elsewhere may have flushed them
    assert ProjectTemplate.objects.count() == 4
    for template in ProjectTemplate.objects.all():
        project = services.project_create_from_template(
            by=manager,
            template=template,
            name=template.name,
            key=f"T{template.pk}",
            start_date=datetime.date(2027, 1, 4),
            target_finish=datetime.date(2027, 12, 17),
        )
        assert project.type == template.type
        assert project.objectives.count() == template.count("objectives") > 0
        assert project.work_packages.count() == template.count("work_packages") >= 15
        assert project.deliverables.count() == template.count("deliverables") > 0
        assert all(d.criteria.exists() for d in project.deliverables.all())
        assert project.requirement_categories == template.content["requirement_categories"]
        assert codes(project)[0][0] == "1"


def test_template_from_project_round_trips(project, manager, wbs):
    """A project saved as a template gives a new project the same WBS and deliverables."""
    make_deliverable(project, manager)
    template = services.template_from_project(project=project, by=manager, name="Our way")
    copy = services.project_create_from_template(
        by=manager,
        template=template,
        name="Copy",
        key="COPY",
        start_date=datetime.date(2027, 1, 4),
        target_finish=datetime.date(2027, 6, 4),
    )
    assert codes(copy) == codes(project)
    assert list(copy.deliverables.values_list("name", flat=True)) == ["Runbook"]


def test_template_content_is_validated(manager):
    """A template whose content the apply step could not use is refused with a reason."""
    template = ProjectTemplate(
        name="Broken", type=Project.Type.OTHER, content={"work_packages": [{"children": []}]}
    )
    with pytest.raises(ValidationError, match="needs a name"):
        template.full_clean()
