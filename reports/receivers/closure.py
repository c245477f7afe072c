"""Receivers of closure: the sponsor's approval of the closure closes the project.

``stakeholders.services.approval_decide`` sends ``projects.signals.approval_decided`` inside its
transaction; an error raised here undoes the decision, so a sign-off and the project's closing
happen together or not at all.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.dispatch import receiver

from projects.models import Project
from projects.signals import approval_decided
from reports.services.closure import closure_decided
from stakeholders.models import Approval


@receiver(approval_decided, dispatch_uid="reports.closure.sign_off")
def sign_off_on_approval(
    sender: Any,
    *,
    subject: Any,
    outcome: str | None,
    by: AbstractBaseUser,
    approval: Approval | None = None,
    comment: str = "",
    **kwargs: Any,
) -> None:
    """Sign the closure off (approved) or open it again (rejected) when the approval asked for
    its latest submission has an outcome; any other approval of the project changes nothing."""
    if outcome not in ("approved", "rejected") or approval is None:
        return
    if not isinstance(subject, Project) or approval.kind != Approval.Kind.PROJECT_CLOSURE:
        return
    closure_decided(approval=approval, outcome=outcome, by=by, comment=comment)
