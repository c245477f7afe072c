"""What the budget pages share beyond the access door (``projects.views.base.door``, the one
door of every page): messages and query strings.

A viewer may read; a write needs the member role (costs, commitments, assignments, days off) or
the manager role (the budget lines, resources and their rates, levelling). Rules live in
``budgets.services``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


def message_of(error: ValidationError) -> str:
    return " ".join(error.messages)


def query_without(params: Any, *names: str) -> str:
    kept = params.copy()
    for name in names:
        kept.pop(name, None)
    return kept.urlencode()
