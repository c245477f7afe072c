"""What can be sent for approval, registered by the app that owns it.

Approvals live in ``stakeholders``; some of the things approved live beside it (scheduling's
Phase, a stage gate), where stakeholders may not import them (DESIGN §1: scheduling and
stakeholders stand on the same floor, independent of each other). So the owner registers its
subject here, on the ground floor, from its ``AppConfig.ready()``: the approval kind it answers
to, its model, what is offered for approval now, and how the request form names it.
Stakeholders reads the registry; it never names the model. Registered once at start-up in every
process, never changed while serving.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.models import Model

    from projects.models import Project

__all__ = [
    "ApprovalSubject",
    "approval_subject",
    "approval_subjects",
    "register_approval_subject",
    "when_registered",
]


@dataclass(frozen=True)
class ApprovalSubject:
    kind: str  # the approval kind (stakeholders' Approval.Kind value), e.g. "stage_gate"
    model: type[Model]
    prefix: str  # the request form's choice value: f"{prefix}-{pk}"
    title: str  # how the request form names the kind, e.g. "Stage gate"
    candidates: Callable[[Project], Iterable[Model]]  # what can be sent for approval now
    # How messages name a subject ("timesheet of Ana, 2026-W49"), and the page that shows what is
    # approved; None: the approval's own wording and page.
    label: Callable[[Model], str] | None = None
    url: Callable[[Model], str] | None = None
    # What ``label`` reads beyond the subject's row, fetched with it in lists of approvals.
    select_related: tuple[str, ...] = ()


_subjects: dict[str, ApprovalSubject] = {}
_listeners: list[Callable[[ApprovalSubject], None]] = []


def register_approval_subject(
    *,
    kind: str,
    model: type[Model],
    prefix: str,
    title: str,
    candidates: Callable[[Project], Iterable[Model]],
    label: Callable[[Model], str] | None = None,
    url: Callable[[Model], str] | None = None,
    select_related: tuple[str, ...] = (),
) -> ApprovalSubject:
    """Register what an approval of ``kind`` approves (called from an ``AppConfig.ready()``)."""
    subject = ApprovalSubject(
        kind=kind,
        model=model,
        prefix=prefix,
        title=title,
        candidates=candidates,
        label=label,
        url=url,
        select_related=select_related,
    )
    _subjects[kind] = subject
    for listener in _listeners:
        listener(subject)
    return subject


def when_registered(listener: Callable[[ApprovalSubject], None]) -> None:
    """Call ``listener`` for every subject registered, before or after (whatever the order in
    which the apps get ready)."""
    _listeners.append(listener)
    for subject in list(_subjects.values()):
        listener(subject)


def approval_subjects() -> list[ApprovalSubject]:
    """Every registered subject, in registration order (the apps' order)."""
    return list(_subjects.values())


def approval_subject(kind: str) -> ApprovalSubject | None:
    """The registered subject for an approval kind, or None."""
    return _subjects.get(kind)
