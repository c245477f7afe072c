"""Resource levelling: remove people's over-allocation by delaying the tasks that can wait.

Pure, like ``budgets/evm.py`` and ``budgets/allocation.py``: no Django, no clock. Days are
working-day indexes of the project calendar, as in ``scheduling/engine.py``; a person's booking
puts ``hours_per_day`` on every day ``[ES, ES + duration)`` of its task, and the person is
over-allocated on a day when the hours booked exceed the capacity (0 on a day off), exactly as
``budgets.allocation`` counts it.

The method (serial levelling, one conflict day at a time)
--------------------------------------------------------
1. Schedule the plan with the critical-path engine; remember each task's early start and its
   latest start (early start + total float) in this *unlevelled* plan.
2. Find the earliest day on which some person is over-allocated. For each such person, rank the
   tasks booked on that day by who keeps the day: higher priority first, then less total float,
   then lower id. A task that cannot be delayed keeps its day whatever its rank: one that has
   started, and, unless ``allow_past_float``, one whose delay would exceed its float (a new start
   after its latest start, which would move the project finish). The others keep the day in rank
   order while they fit the capacity left; the rest are delayed to start the next working day
   (a "start no earlier than" constraint). If what cannot move already overruns the day, nothing
   is moved for that person and day and the conflict is reported as remaining.
3. Re-run the engine's passes with the new constraints, so every successor moves consistently
   with its links (all four types, lags and leads), and repeat from 2 until no over-allocation
   is left that a legal move could remove.

The answer is a :class:`Plan`: every task whose start moved (those delayed on purpose, and those
that follow them through links), the conflicts that remain, and the project finish before and
after. Applying it means setting each *levelled* move's constraint; the engine does the rest.

Across projects (:func:`level_across`)
--------------------------------------
The same method over several projects that share people, each on its own calendar. People are
identified across projects (a ``Demand``'s ``resource_id`` is then the person), and days are
*dates*: each project's working-day indexes are placed on the calendar, so a holiday of one
project is a working day of another, and a person's hours on a date are summed over every
project that works that date. In step 2 the ranking starts with the **project's priority**
(higher keeps the day), then the rules above; a task delayed off a date starts on its own
project's next working day. Only tasks of the projects given as networks move; the bookings of
:class:`FixedProject` s (projects the user does not manage, or did not choose) count as load at
their current dates that nothing can move. In step 3 each project's own engine passes run again
(links stay within a project), so each project's float and finish are its own. Only the days on
which a levelled project has work count as conflicts: another project's over-allocation alone is
not ours to report.

Limits: tasks are not split and assignments are not reshaped (a task that alone books more than a
day's capacity can never be levelled, and is reported); delays are whole working days; the
result is a good plan, not an optimal one (optimal levelling is NP-hard).
"""

from budgets.levelling.across import (
    DateConflict,
    FixedProject,
    PortfolioPlan,
    ProjectMoves,
    ProjectNetwork,
    level_across,
)
from budgets.levelling.loads import DEFAULT_PRIORITY, Demand
from budgets.levelling.method import Move, Plan, level

__all__ = [
    "DEFAULT_PRIORITY",
    "DateConflict",
    "Demand",
    "FixedProject",
    "Move",
    "Plan",
    "PortfolioPlan",
    "ProjectMoves",
    "ProjectNetwork",
    "level",
    "level_across",
]
