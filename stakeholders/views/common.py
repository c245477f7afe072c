"""What the stakeholder pages share beyond the access door (``projects.views.base.door``, the one
door of every page): messages."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def message_of(error: ValidationError) -> str:
    return " ".join(error.messages)
