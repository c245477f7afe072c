"""Receivers through which projects reacts to events of higher apps (see ``projects.signals``).

Connected in ``ProjectsConfig.ready()``. They call the same services as pages and the API, so an
approval moves a deliverable or change request by exactly the rules a manager's click would.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from projects import services
from projects.models import ChangeRequest, Deliverable


def move_subject_on_approval(
    sender: Any,
    *,
    subject: Any,
    outcome: str | None,
    by: AbstractBaseUser,
    comment: str = "",
    **kwargs: Any,
) -> None:
    """Accept or reject a submitted deliverable, approve or reject a submitted change request,
    once the approvals of it have an outcome (every approver approved, or one rejected)."""
    if outcome not in ("approved", "rejected"):
        return
    who = by.get_full_name() or by.get_username()
    reason = comment.strip() or f"{outcome.capitalize()} by {who} through an approval."
    if isinstance(subject, ChangeRequest) and subject.status == ChangeRequest.Status.SUBMITTED:
        services.change_request_transition(change_request=subject, by=by, to=outcome, reason=reason)
    elif isinstance(subject, Deliverable) and subject.status == Deliverable.Status.SUBMITTED:
        to = Deliverable.Status.ACCEPTED if outcome == "approved" else Deliverable.Status.REJECTED
        services.deliverable_transition(deliverable=subject, by=by, to=to, reason=reason)
