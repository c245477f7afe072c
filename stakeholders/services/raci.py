"""The RACI matrix: one row per deliverable or work package, one cell per party (a stakeholder
or a team member), with exactly one A and at least one R in every row that has cells.

A row is written as a whole (``raci_set_row``) so that moving the A from one person to another
is one valid edit instead of two invalid ones; single-cell helpers go through it and refuse a
cell whose row would break the rule. Each write locks the row's deliverable or work package, so
two people editing one row queue instead of leaving it with two A's.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from projects.models import Deliverable, Project, WorkPackage
from stakeholders.models import RaciEntry, Stakeholder
from stakeholders.services.common import check_member, check_same_project, display_name

Row = Deliverable | WorkPackage
Party = Stakeholder | AbstractBaseUser
PartyKey = tuple[str, int]  # ("s", stakeholder id) or ("u", user id)


def row_label(row: Row) -> str:
    """How a message names a row: “1.2 Build” for a work package, the name for a deliverable."""
    if isinstance(row, WorkPackage) and row.code:
        return f"“{row.code} {row.name}”"
    return f"“{row.name}”"


def party_key(party: Party) -> PartyKey:
    return ("s", party.pk) if isinstance(party, Stakeholder) else ("u", party.pk)


def party_name(party: Party) -> str:
    return party.name if isinstance(party, Stakeholder) else display_name(party)


def entry_key(entry: RaciEntry) -> PartyKey:
    return ("s", entry.stakeholder_id) if entry.stakeholder_id else ("u", entry.user_id)


def row_problem(row: Row, roles: Mapping[PartyKey, str], names: Mapping[PartyKey, str]) -> str:
    """What breaks the one-A, at-least-one-R rule in a row, or "" when nothing does.

    An empty row is not yet assigned, and allowed; a row with any cell must follow the rule.
    """
    if not roles:
        return ""
    problems = []
    accountable = sorted(names.get(key, "?") for key, role in roles.items() if role == "A")
    if not accountable:
        problems.append("needs exactly one A (accountable) and has none")
    elif len(accountable) > 1:
        problems.append(
            f"needs exactly one A (accountable) and has {len(accountable)}: "
            + ", ".join(accountable)
        )
    if not any(role == "R" for role in roles.values()):
        problems.append("needs at least one R (responsible) and has none")
    if not problems:
        return ""
    return f"Row {row_label(row)} " + "; it ".join(problems) + "."


def lock_row(row: Row) -> Row:
    """Lock the row's deliverable or work package: RACI edits of one row queue behind it."""
    return type(row).objects.select_for_update().get(pk=row.pk)


def row_entries(row: Row) -> dict[PartyKey, RaciEntry]:
    field = "deliverable" if isinstance(row, Deliverable) else "work_package"
    entries = RaciEntry.objects.filter(**{field: row}).select_related("stakeholder", "user")
    return {entry_key(entry): entry for entry in entries}


def _check_party(project: Project, party: Party) -> None:
    if isinstance(party, Stakeholder):
        check_same_project(project, party, "stakeholder")
    else:
        check_member(project, party, "user")


@transaction.atomic
def raci_set_row(
    *,
    project: Project,
    by: AbstractBaseUser,
    row: Row,
    cells: Mapping[Party, str | None],
    replace: bool = False,
) -> list[RaciEntry]:
    """Set the roles of a row in one edit: ``cells`` maps a party to R, A, C, I, or None to
    clear its cell. Parties not named keep their cells, unless ``replace`` (then ``cells`` is the
    whole row). The resulting row must have exactly one A and at least one R (or be empty).
    Returns the row's entries afterwards."""
    if not isinstance(row, Deliverable | WorkPackage):
        raise ValidationError({"row": "A RACI row is a deliverable or a work package."})
    check_same_project(project, row, "row")
    for party, role in cells.items():
        _check_party(project, party)
        if role is not None and role not in RaciEntry.Role.values:
            raise ValidationError({"role": f"“{role}” is not a RACI role; use R, A, C or I."})
    row = lock_row(row)
    existing = row_entries(row)
    names = {key: party_name(entry.party) for key, entry in existing.items()}
    roles = {} if replace else {key: entry.role for key, entry in existing.items()}
    wanted: dict[PartyKey, Party] = {}
    for party, role in cells.items():
        key = party_key(party)
        names[key] = party_name(party)
        wanted[key] = party
        if role is None:
            roles.pop(key, None)
        else:
            roles[key] = role
    if problem := row_problem(row, roles, names):
        raise ValidationError({"role": problem})

    row_field = "deliverable" if isinstance(row, Deliverable) else "work_package"
    for key, entry in existing.items():
        if key not in roles:
            entry._history_user = by
            entry.delete()
        elif entry.role != roles[key]:
            entry.role = roles[key]
            entry._history_user = by
            entry.save(update_fields=["role"])
    for key, role in roles.items():
        if key in existing:
            continue
        party = wanted[key]
        entry = RaciEntry(project=project, role=role, **{row_field: row})
        if key[0] == "s":
            entry.stakeholder = party
        else:
            entry.user = party
        entry._history_user = by
        entry.save()
    return list(row_entries(row).values())


def raci_set_cell(
    *, project: Project, by: AbstractBaseUser, row: Row, party: Party, role: str | None
) -> RaciEntry | None:
    """Set (or clear, with None) one cell; refused when its row would break the rule."""
    entries = raci_set_row(project=project, by=by, row=row, cells={party: role})
    key = party_key(party)
    return next((entry for entry in entries if entry_key(entry) == key), None)


def raci_entry_update(*, entry: RaciEntry, by: AbstractBaseUser, role: str) -> RaciEntry:
    return raci_set_cell(project=entry.project, by=by, row=entry.row, party=entry.party, role=role)


def raci_entry_delete(*, entry: RaciEntry, by: AbstractBaseUser) -> None:
    """Clear one cell; refused when it is its row's only A or only R (clear the row instead)."""
    raci_set_cell(project=entry.project, by=by, row=entry.row, party=entry.party, role=None)


@transaction.atomic
def raci_clear_row(*, project: Project, by: AbstractBaseUser, row: Row) -> None:
    """Remove every cell of a row (an unassigned row is allowed; a half-assigned one is not)."""
    raci_set_row(project=project, by=by, row=row, cells={}, replace=True)
