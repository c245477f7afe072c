"""How stakeholders takes part in decisions of lower apps (see ``projects.signals``)."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models

from stakeholders.models import Approval
from stakeholders.services.approvals import approval_hold_reason


def hold_decision(sender: Any, *, subject: models.Model, to: str, **kwargs: Any) -> None:
    """Refuse to decide a deliverable or change request while its approvals say no (yet)."""
    if reason := approval_hold_reason(subject, to):
        raise ValidationError({"status": reason})


def forget_approvals(sender: type[models.Model], *, instance: models.Model, **kwargs: Any) -> None:
    """A deleted subject takes its approvals with it (a generic relation has no cascade)."""
    Approval.objects.filter(
        content_type=ContentType.objects.get_for_model(sender), object_id=instance.pk
    ).delete()
