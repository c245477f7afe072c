"""How stakeholders takes part in decisions of lower apps (see ``projects.signals``)."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from stakeholders.models import Approval
from stakeholders.services.approvals import approvals_settle


def hold_decision(
    sender: Any, *, subject: models.Model, to: str, by: Any = None, **kwargs: Any
) -> None:
    """Refuse to decide a deliverable or change request while its approvals say no (yet); a
    rejection by the requester or a manager withdraws the pending requests instead."""
    approvals_settle(subject=subject, to=to, by=by)


def forget_approvals(sender: type[models.Model], *, instance: models.Model, **kwargs: Any) -> None:
    """A deleted subject takes its approvals with it (a generic relation has no cascade)."""
    Approval.objects.filter(
        content_type=ContentType.objects.get_for_model(sender), object_id=instance.pk
    ).delete()
