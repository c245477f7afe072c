"""Budget reconciliation: the budget lines, the approved budget and the task costs side by side,
with each difference said in words (DESIGN §4 "Earned value": BAC is the approved budget).

Three figures that a PM expects to agree rarely do: budget lines are the money asked for per
category (reserves included), the approved budget is what the baseline froze plus approved
changes, and the task costs are what the plan would spend (fixed cost + labour). This module
only compares them; it takes plain amounts and returns plain results, no Django and no clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Difference:
    """``left`` − ``right`` and the sentence that explains it."""

    key: str
    amount: Decimal
    sentence: str

    @property
    def agrees(self) -> bool:
        return self.amount == 0


@dataclass(frozen=True, slots=True)
class Reconciliation:
    lines: Decimal
    reserves: Decimal
    approved: Decimal
    task_costs: Decimal
    tasks_without_cost: int
    differences: tuple[Difference, ...]
    # Budget lines less the reserves vs the task costs: the part of the gap that reserves do not
    # explain (None without reserves).
    net_of_reserves: Difference | None = None

    @property
    def agrees(self) -> bool:
        return all(d.agrees for d in self.differences)


def _compare(
    key: str, left: str, right: str, amount: Decimal, money: Callable[[Decimal], str]
) -> Difference:
    if amount > 0:
        text = f"{left} exceed {right} by {money(amount)}."
    elif amount < 0:
        text = f"{left} are {money(-amount)} below {right}."
    else:
        text = f"{left} match {right}."
    return Difference(key, amount, text[0].upper() + text[1:])


def reconcile(
    *,
    lines: Decimal,
    reserves: Decimal,
    approved: Decimal,
    task_costs: Decimal,
    tasks_without_cost: int,
    money: Callable[[Decimal], str],
) -> Reconciliation:
    """Compare the three totals pairwise. ``reserves`` is the part of ``lines`` held as
    contingency or management reserve; ``money`` words an amount in the project's currency."""
    differences = (
        _compare(
            "lines_vs_approved", "budget lines", "the approved budget", lines - approved, money
        ),
        _compare(
            "tasks_vs_approved", "task costs", "the approved budget", task_costs - approved, money
        ),
        _compare("lines_vs_tasks", "budget lines", "the task costs", lines - task_costs, money),
    )
    net = None
    if reserves:
        net = _compare(
            "lines_less_reserves_vs_tasks",
            "without the reserves, budget lines",
            "the task costs",
            lines - reserves - task_costs,
            money,
        )
    return Reconciliation(
        lines=lines,
        reserves=reserves,
        approved=approved,
        task_costs=task_costs,
        tasks_without_cost=tasks_without_cost,
        differences=differences,
        net_of_reserves=net,
    )
