"""What the budget pages share beyond the access door (``projects.views.base.door``, the one
door of every page): query strings.

A viewer may read; a write needs the member role (costs, commitments, assignments, days off) or
the manager role (the budget lines, resources and their rates, levelling). Rules live in
``budgets.services``.
"""

from __future__ import annotations

from typing import Any


def query_without(params: Any, *names: str) -> str:
    kept = params.copy()
    for name in names:
        kept.pop(name, None)
    return kept.urlencode()
