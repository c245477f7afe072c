"""Scope writes with rules: the WBS tree, deliverable acceptance, requirements, change control.

Access is checked at the door (``get_project_for``); these functions hold the rules whoever
calls them: same-project references, status transitions, WBS numbering, optimistic versions.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from projects.events import record_event
from projects.models import (
    AcceptanceCriterion,
    ChangeRequest,
    Charter,
    Deliverable,
    Objective,
    Project,
    Requirement,
    WorkPackage,
)
from projects.services.common import (
    check_member,
    check_same_project,
    lock_project,
    save,
    save_versioned,
    versioned_update,
)
from projects.signals import decision_gate

# --- charter --------------------------------------------------------------------------------------


def charter_for(project: Project) -> Charter:
    """The project's charter, created empty the first time it is asked for."""
    charter, _ = Charter.objects.get_or_create(project=project)
    return charter


@transaction.atomic
def charter_update(
    *, project: Project, by: AbstractBaseUser, version: int | None, **changes: Any
) -> Charter:
    charter = charter_for(project)
    return versioned_update(
        charter, by=by, version=version, allowed=Charter.TEXT_FIELDS, changes=changes
    )


# --- objectives -----------------------------------------------------------------------------------

OBJECTIVE_FIELDS = (
    "description",
    "measure",
    "unit",
    "baseline_value",
    "target_value",
    "achieved_value",
    "due_date",
    "status",
    "position",
)


@transaction.atomic
def objective_create(*, project: Project, by: AbstractBaseUser, **fields: Any) -> Objective:
    unknown = set(fields) - set(OBJECTIVE_FIELDS)
    if unknown:
        raise ValidationError({field: "Unknown field." for field in unknown})
    if "position" not in fields:
        last = project.objectives.aggregate(m=Max("position"))["m"]
        fields["position"] = (last or 0) + 1
    return save(Objective(project=project, **fields), by)


@transaction.atomic
def objective_update(
    *, objective: Objective, by: AbstractBaseUser, version: int | None, **changes: Any
) -> Objective:
    return versioned_update(
        objective, by=by, version=version, allowed=OBJECTIVE_FIELDS, changes=changes
    )


# --- WBS ------------------------------------------------------------------------------------------


def wbs_renumber(project: Project) -> int:
    """Rewrite codes, sort keys and sibling positions of the whole tree; returns rows changed.

    One query to read, one bulk update of only the rows whose numbers changed: linear in the size
    of the tree, so renumbering after a move stays cheap for a WBS of thousands of packages.
    """
    nodes = list(
        WorkPackage.objects.filter(project=project).only(
            "id", "parent_id", "position", "code", "sort_key"
        )
    )
    children: dict[int | None, list[WorkPackage]] = defaultdict(list)
    for node in nodes:
        children[node.parent_id].append(node)
    changed: list[WorkPackage] = []
    stack: list[tuple[int | None, str, str]] = [(None, "", "")]
    while stack:
        parent_id, code_prefix, key_prefix = stack.pop()
        siblings = sorted(children.get(parent_id, []), key=lambda n: (n.position, n.id))
        for index, node in enumerate(siblings, start=1):
            code = f"{code_prefix}{index}"
            sort_key = f"{key_prefix}{index:04d}"
            if (node.position, node.code, node.sort_key) != (index, code, sort_key):
                node.position, node.code, node.sort_key = index, code, sort_key
                changed.append(node)
            stack.append((node.id, f"{code}.", f"{sort_key}."))
    WorkPackage.objects.bulk_update(changed, ["position", "code", "sort_key"], batch_size=500)
    return len(changed)


@transaction.atomic
def work_package_add(
    *,
    project: Project,
    by: AbstractBaseUser,
    name: str,
    parent: WorkPackage | None = None,
    description: str = "",
    owner: AbstractBaseUser | None = None,
    position: int | None = None,
) -> WorkPackage:
    """Add a work package under ``parent`` (top level when None), last or at ``position``."""
    lock_project(project)
    check_same_project(project, parent, "parent")
    check_member(project, owner, "owner")
    siblings = WorkPackage.objects.filter(project=project, parent=parent)
    if position is None:
        position = siblings.count() + 1
    else:
        position = max(1, position)
        siblings.filter(position__gte=position).update(position=F("position") + 1)
    package = save(
        WorkPackage(
            project=project,
            parent=parent,
            position=position,
            name=name,
            description=description,
            owner=owner,
        ),
        by,
    )
    wbs_renumber(project)
    package.refresh_from_db()
    return package


@transaction.atomic
def work_package_update(
    *, work_package: WorkPackage, by: AbstractBaseUser, version: int | None, **changes: Any
) -> WorkPackage:
    """Rename or describe a work package, or change its owner (moves go through _move)."""
    if "owner" in changes:
        check_member(work_package.project, changes["owner"], "owner")
    return versioned_update(
        work_package,
        by=by,
        version=version,
        allowed=("name", "description", "owner"),
        changes=changes,
    )


@transaction.atomic
def work_package_move(
    *,
    work_package: WorkPackage,
    by: AbstractBaseUser,
    parent: WorkPackage | None,
    position: int,
) -> WorkPackage:
    """Move a work package (with its subtree) under ``parent`` at ``position`` (1-based)."""
    project = work_package.project
    lock_project(project)
    check_same_project(project, parent, "parent")
    parent_of = dict(WorkPackage.objects.filter(project=project).values_list("id", "parent_id"))
    ancestor = parent.pk if parent else None
    while ancestor is not None:
        if ancestor == work_package.pk:
            raise ValidationError(
                {"parent": "A work package cannot move under itself or one of its own children."}
            )
        ancestor = parent_of.get(ancestor)
    node = WorkPackage.objects.get(pk=work_package.pk)
    # Close the gap it leaves, then open one where it lands.
    WorkPackage.objects.filter(
        project=project, parent_id=node.parent_id, position__gt=node.position
    ).exclude(pk=node.pk).update(position=F("position") - 1)
    new_siblings = WorkPackage.objects.filter(project=project, parent=parent).exclude(pk=node.pk)
    position = min(max(1, position), new_siblings.count() + 1)
    new_siblings.filter(position__gte=position).update(position=F("position") + 1)
    node.parent = parent
    node.position = position
    node._history_user = by
    node.save(update_fields=["parent", "position"])
    wbs_renumber(project)
    node.refresh_from_db()
    return node


def work_package_shift(
    *, work_package: WorkPackage, by: AbstractBaseUser, direction: str
) -> WorkPackage:
    """The tree editor's four moves: ``up``, ``down``, ``indent`` and ``outdent``.

    Indent makes the package the last child of the sibling above it; outdent makes it the
    sibling right after its parent. A move that is not possible says why.
    """
    node = WorkPackage.objects.select_related("parent").get(pk=work_package.pk)
    siblings = list(
        WorkPackage.objects.filter(project_id=node.project_id, parent_id=node.parent_id).order_by(
            "position", "id"
        )
    )
    index = next(i for i, s in enumerate(siblings) if s.pk == node.pk)
    if direction == "up":
        if index == 0:
            raise ValidationError(f"{node.code} is already first at its level.")
        return work_package_move(work_package=node, by=by, parent=node.parent, position=index)
    if direction == "down":
        if index == len(siblings) - 1:
            raise ValidationError(f"{node.code} is already last at its level.")
        return work_package_move(work_package=node, by=by, parent=node.parent, position=index + 2)
    if direction == "indent":
        if index == 0:
            raise ValidationError(f"{node.code} has no package above it at its level to go under.")
        new_parent = siblings[index - 1]
        return work_package_move(
            work_package=node, by=by, parent=new_parent, position=new_parent.children.count() + 1
        )
    if direction == "outdent":
        if node.parent is None:
            raise ValidationError(f"{node.code} is already at the top level.")
        return work_package_move(
            work_package=node,
            by=by,
            parent=node.parent.parent,
            position=node.parent.position + 1,
        )
    raise ValidationError(f"“{direction}” is not a move; use up, down, indent or outdent.")


@transaction.atomic
def work_package_delete(*, work_package: WorkPackage, by: AbstractBaseUser) -> None:
    """Delete a leaf work package; one with children must be emptied first."""
    project = work_package.project
    lock_project(project)
    if work_package.children.exists():
        raise ValidationError(
            f"{work_package.code} {work_package.name} has work packages under it; "
            "move or delete them first."
        )
    work_package._history_user = by
    work_package.delete()
    wbs_renumber(project)


def _add_tree(
    project: Project,
    by: AbstractBaseUser,
    nodes: Iterable[dict],
    parent: WorkPackage | None,
    first_position: int = 1,
) -> int:
    """Create the subtree ``nodes`` under ``parent`` level by level: one INSERT of the packages
    and one of their history per depth, not a save per package (an imported plan's WBS has
    hundreds). Each package is validated first; its project and parent are known good."""
    level = [(parent, position, spec) for position, spec in enumerate(nodes, start=first_position)]
    created = 0
    while level:
        packages = [
            WorkPackage(
                project=project,
                parent=above,
                position=position,
                name=spec["name"],
                description=spec.get("description", ""),
            )
            for above, position, spec in level
        ]
        for package in packages:
            package.full_clean(exclude=["project", "parent"])
        packages = bulk_create_with_history(packages, WorkPackage, batch_size=500, default_user=by)
        created += len(packages)
        level = [
            (package, position, child)
            for package, (_, _, spec) in zip(packages, level, strict=True)
            for position, child in enumerate(spec.get("children", []), start=1)
        ]
    return created


@transaction.atomic
def wbs_import(
    *, project: Project, by: AbstractBaseUser, nodes: list[dict], parent: WorkPackage | None = None
) -> int:
    """Append a whole subtree (``[{"name", "children": [...]}]``) to the WBS; returns the count."""
    lock_project(project)
    check_same_project(project, parent, "parent")
    after = WorkPackage.objects.filter(project=project, parent=parent).count()
    created = _add_tree(project, by, nodes, parent, first_position=after + 1)
    wbs_renumber(project)
    return created


# --- deliverables ---------------------------------------------------------------------------------

DELIVERABLE_FIELDS = ("name", "description", "owner", "due_date", "work_package")

# Which status may follow which, and the action that moves it.
DELIVERABLE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    Deliverable.Status.PLANNED: (Deliverable.Status.IN_PROGRESS,),
    Deliverable.Status.IN_PROGRESS: (Deliverable.Status.SUBMITTED, Deliverable.Status.PLANNED),
    Deliverable.Status.SUBMITTED: (
        Deliverable.Status.ACCEPTED,
        Deliverable.Status.REJECTED,
        Deliverable.Status.IN_PROGRESS,
    ),
    Deliverable.Status.REJECTED: (Deliverable.Status.IN_PROGRESS,),
    Deliverable.Status.ACCEPTED: (),
}


def _criteria_texts(criteria: Iterable[str]) -> list[str]:
    return [text.strip() for text in criteria if text and text.strip()]


@transaction.atomic
def deliverable_create(
    *,
    project: Project,
    by: AbstractBaseUser,
    name: str,
    description: str = "",
    owner: AbstractBaseUser | None = None,
    due_date: datetime.date | None = None,
    work_package: WorkPackage | None = None,
    criteria: Iterable[str] = (),
) -> Deliverable:
    check_member(project, owner, "owner")
    check_same_project(project, work_package, "work_package")
    deliverable = save(
        Deliverable(
            project=project,
            name=name,
            description=description,
            owner=owner,
            due_date=due_date,
            work_package=work_package,
        ),
        by,
    )
    for position, text in enumerate(_criteria_texts(criteria), start=1):
        save(AcceptanceCriterion(deliverable=deliverable, text=text, position=position), by)
    return deliverable


@transaction.atomic
def deliverable_update(
    *, deliverable: Deliverable, by: AbstractBaseUser, version: int | None, **changes: Any
) -> Deliverable:
    if deliverable.status == Deliverable.Status.ACCEPTED:
        raise ValidationError("An accepted deliverable cannot be changed.")
    if "owner" in changes:
        check_member(deliverable.project, changes["owner"], "owner")
    if "work_package" in changes:
        check_same_project(deliverable.project, changes["work_package"], "work_package")
    return versioned_update(
        deliverable, by=by, version=version, allowed=DELIVERABLE_FIELDS, changes=changes
    )


@transaction.atomic
def deliverable_set_criteria(
    *, deliverable: Deliverable, by: AbstractBaseUser, criteria: list[dict[str, Any]]
) -> list[AcceptanceCriterion]:
    """Replace the acceptance criteria with ``[{"id"?, "text", "met"}]`` in the given order.

    Items with an id of this deliverable are updated, items without one are added, and the
    deliverable's other criteria are removed. Accepted deliverables keep their criteria.
    """
    deliverable = Deliverable.objects.select_for_update().get(pk=deliverable.pk)
    if deliverable.status == Deliverable.Status.ACCEPTED:
        raise ValidationError(
            {"acceptance_criteria": "The criteria of an accepted deliverable are final."}
        )
    existing = {c.pk: c for c in deliverable.criteria.all()}
    keep: list[AcceptanceCriterion] = []
    for position, item in enumerate(criteria, start=1):
        text = (item.get("text") or "").strip()
        if not text:
            raise ValidationError({"acceptance_criteria": f"Criterion {position} has no text."})
        pk = item.get("id")
        if pk is not None and pk not in existing:
            raise ValidationError(
                {"acceptance_criteria": f"Criterion {pk} is not one of this deliverable's."}
            )
        criterion = existing.get(pk) or AcceptanceCriterion(deliverable=deliverable)
        criterion.text, criterion.met, criterion.position = text, bool(item.get("met")), position
        keep.append(save(criterion, by))
    for pk, criterion in existing.items():
        if pk not in {c.pk for c in keep}:
            criterion._history_user = by
            criterion.delete()
    return keep


@transaction.atomic
def criterion_set_met(
    *, criterion: AcceptanceCriterion, by: AbstractBaseUser, met: bool
) -> AcceptanceCriterion:
    if criterion.deliverable.status == Deliverable.Status.ACCEPTED:
        raise ValidationError("The criteria of an accepted deliverable are final.")
    criterion.met = met
    criterion._history_user = by
    criterion.save(update_fields=["met"])
    return criterion


@transaction.atomic
def deliverable_transition(
    *, deliverable: Deliverable, by: AbstractBaseUser, to: str, reason: str = ""
) -> Deliverable:
    """Move a deliverable along planned → in progress → submitted → accepted / rejected.

    Accepting needs every acceptance criterion met (and at least one to exist); rejecting needs
    a reason. Both record who decided and when; rejected work goes back to in progress.
    """
    current = Deliverable.objects.select_for_update().get(pk=deliverable.pk)
    if to not in Deliverable.Status.values:
        raise ValidationError({"status": f"“{to}” is not a deliverable status."})
    if to not in DELIVERABLE_TRANSITIONS[current.status]:
        raise ValidationError(
            {
                "status": f"A deliverable that is {current.get_status_display().lower()} cannot "
                f"become {Deliverable.Status(to).label.lower()}."
            }
        )
    if current.status == Deliverable.Status.SUBMITTED:
        # Higher apps may hold the decision (stakeholders: an approval is pending or rejected).
        decision_gate.send(sender=Deliverable, subject=current, to=to, by=by)
    if to == Deliverable.Status.ACCEPTED:
        criteria = list(current.criteria.all())
        if not criteria:
            raise ValidationError(
                {"status": "Add acceptance criteria before accepting this deliverable."}
            )
        unmet = [c.text for c in criteria if not c.met]
        if unmet:
            raise ValidationError(
                {
                    "status": "Every acceptance criterion must be met first. Not met: "
                    + "; ".join(unmet)
                }
            )
    if to == Deliverable.Status.REJECTED and not reason.strip():
        raise ValidationError({"reason": "Say why the deliverable is rejected."})
    if to in (Deliverable.Status.ACCEPTED, Deliverable.Status.REJECTED):
        current.decided_by = by
        current.decided_at = timezone.now()
        current.rejection_reason = reason.strip() if to == Deliverable.Status.REJECTED else ""
    current.status = to
    return save_versioned(current, by, clean=False)


# --- requirements ---------------------------------------------------------------------------------

REQUIREMENT_FIELDS = ("ref", "text", "category", "priority", "source", "status")
_REF_NUMBER = re.compile(r"(\d+)$")


def requirement_next_ref(project: Project) -> str:
    """The next free ``REQ-nnn`` reference of the project."""
    numbers = [
        int(m.group(1))
        for ref in Requirement.objects.filter(project=project).values_list("ref", flat=True)
        if (m := _REF_NUMBER.search(ref))
    ]
    return f"REQ-{max(numbers, default=0) + 1:03d}"


def _set_deliverables(requirement: Requirement, deliverables: Iterable[Deliverable] | None) -> None:
    if deliverables is None:
        return
    deliverables = list(deliverables)
    for deliverable in deliverables:
        check_same_project(requirement.project, deliverable, "deliverables")
    requirement.deliverables.set(deliverables)


@transaction.atomic
def requirement_create(
    *,
    project: Project,
    by: AbstractBaseUser,
    text: str,
    ref: str = "",
    deliverables: Iterable[Deliverable] | None = None,
    **fields: Any,
) -> Requirement:
    unknown = set(fields) - set(REQUIREMENT_FIELDS)
    if unknown:
        raise ValidationError({field: "Unknown field." for field in unknown})
    lock_project(project)
    requirement = save(
        Requirement(
            project=project,
            text=text,
            ref=ref.strip().upper() or requirement_next_ref(project),
            **fields,
        ),
        by,
    )
    _set_deliverables(requirement, deliverables)
    return requirement


@transaction.atomic
def requirement_update(
    *,
    requirement: Requirement,
    by: AbstractBaseUser,
    version: int | None,
    deliverables: Iterable[Deliverable] | None = None,
    **changes: Any,
) -> Requirement:
    if "ref" in changes:
        changes["ref"] = changes["ref"].strip().upper()
    updated = versioned_update(
        requirement, by=by, version=version, allowed=REQUIREMENT_FIELDS, changes=changes
    )
    _set_deliverables(updated, deliverables)
    return updated


# --- change requests ------------------------------------------------------------------------------

CHANGE_REQUEST_FIELDS = (
    "title",
    "description",
    "reason",
    "requested_by",
    "scope_impact",
    "schedule_impact",
    "cost_impact",
    "risk_impact",
)

CHANGE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ChangeRequest.Status.DRAFT: (ChangeRequest.Status.SUBMITTED,),
    ChangeRequest.Status.SUBMITTED: (ChangeRequest.Status.APPROVED, ChangeRequest.Status.REJECTED),
    ChangeRequest.Status.APPROVED: (ChangeRequest.Status.IMPLEMENTED,),
    ChangeRequest.Status.REJECTED: (),
    ChangeRequest.Status.IMPLEMENTED: (),
}


@transaction.atomic
def change_request_create(
    *, project: Project, by: AbstractBaseUser, title: str, **fields: Any
) -> ChangeRequest:
    unknown = set(fields) - set(CHANGE_REQUEST_FIELDS)
    if unknown:
        raise ValidationError({field: "Unknown field." for field in unknown})
    lock_project(project)
    last = ChangeRequest.objects.filter(project=project).aggregate(m=Max("number"))["m"]
    fields.setdefault("requested_by", by.get_full_name() or by.get_username())
    return save(
        ChangeRequest(
            project=project, number=(last or 0) + 1, title=title, created_by=by, **fields
        ),
        by,
    )


@transaction.atomic
def change_request_update(
    *, change_request: ChangeRequest, by: AbstractBaseUser, version: int | None, **changes: Any
) -> ChangeRequest:
    if change_request.status != ChangeRequest.Status.DRAFT:
        raise ValidationError(
            f"{change_request.ref} is {change_request.get_status_display().lower()}; "
            "only drafts can be edited."
        )
    return versioned_update(
        change_request, by=by, version=version, allowed=CHANGE_REQUEST_FIELDS, changes=changes
    )


@transaction.atomic
def change_request_transition(
    *, change_request: ChangeRequest, by: AbstractBaseUser, to: str, reason: str = ""
) -> ChangeRequest:
    """Move a change request draft → submitted → approved / rejected → implemented.

    No status is skipped (a draft cannot be implemented); approving or rejecting records who
    decided, when and why (the reason is required).
    """
    current = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if to not in ChangeRequest.Status.values:
        raise ValidationError({"status": f"“{to}” is not a change request status."})
    if to not in CHANGE_TRANSITIONS[current.status]:
        allowed = CHANGE_TRANSITIONS[current.status]
        hint = (
            "it is final"
            if not allowed
            else "next it can only be "
            + " or ".join(ChangeRequest.Status(s).label.lower() for s in allowed)
        )
        raise ValidationError(
            {
                "status": f"{current.ref} is {current.get_status_display().lower()} and cannot "
                f"become {ChangeRequest.Status(to).label.lower()}: {hint}."
            }
        )
    decides = to in (ChangeRequest.Status.APPROVED, ChangeRequest.Status.REJECTED)
    if decides and not reason.strip():
        raise ValidationError({"reason": "Record why the change is approved or rejected."})
    if current.status == ChangeRequest.Status.SUBMITTED:
        # Higher apps may hold the decision (stakeholders: an approval is pending or rejected)
        # or clear its way (a manager's rejection withdraws the pending approvals).
        decision_gate.send(sender=ChangeRequest, subject=current, to=to, by=by)
    now = timezone.now()
    if to == ChangeRequest.Status.SUBMITTED:
        current.submitted_at = now
    elif decides:
        current.decided_by, current.decided_at = by, now
        current.decision_reason = reason.strip()
    elif to == ChangeRequest.Status.IMPLEMENTED:
        current.implemented_at = now
    current.status = to
    current = save_versioned(current, by, clean=False)
    if decides:
        record_event(
            "change_request.decided",
            project=current.project_id,
            target=current,
            actor=by,
            data={
                "decision": current.get_status_display().lower(),
                "status": current.status,
                "reason": current.decision_reason,
                "schedule_impact": current.schedule_impact,
                "cost_impact": current.cost_impact,
            },
        )
    return current
